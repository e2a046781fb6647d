import LPCore
import LPState
import LPModel
import Foundation

/// Keeps the index files (`index/control_plane.sqlite` and its copy `index/deploy_loop.sqlite`)
/// current as writers write (docs/index.md): the state observer of every stage. A write
/// transaction begins a session holding the writer lock, with the state's generation `g`; the
/// session opens the state's index when the file exists (rebuilding it first if it is stale, which
/// under the lock always yields an index of generation `g`). At commit, still under the lock, the
/// transaction's records and blobs are indexed, and the index moves to `g + 1`, only if it still
/// says `g` (compare-and-set, `StateIndex.transactionCommitted`): a reader that rebuilt it without
/// the lock meanwhile may have stored older content, which then stays stale for the next query
/// to rebuild instead of being patched into something that looks current. A missing index stays
/// missing: the next query builds it; an index this process cannot write is left alone. An index
/// update that fails never fails the write (the files are the truth); it leaves the index stale.
public struct IndexMaintenance: StateObserver {
    public init() {}

    public func begin(_ state: StateDirectory, generation: UInt64) -> (any StateObserverSession)? {
        guard FileManager.default.fileExists(atPath: state.path(IndexLocation.controlPlane.rawValue)),
              let index = try? StateIndex.open(state: state).0, index.isPersistent else { return nil }
        return Session(index: index, generation: generation)
    }

    final class Session: StateObserverSession {
        let index: StateIndex
        /// The generation the transaction began with.
        let generation: UInt64

        init(index: StateIndex, generation: UInt64) {
            self.index = index
            self.generation = generation
        }

        func commit(_ changes: [StateChange], generation: UInt64) {
            _ = try? index.transactionCommitted(changes, from: self.generation, to: generation)
        }
    }
}
