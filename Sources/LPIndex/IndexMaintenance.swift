import LPCore
import LPState
import LPModel
import Foundation

/// Keeps the index files (`index/control_plane.sqlite` and its copy `index/deploy_loop.sqlite`)
/// current as writers write (docs/index.md): the state observer of every stage. A write
/// transaction begins a session holding the writer lock, which opens the state's index when the
/// file exists (rebuilding it first if it is stale, so the transaction's own writes are not
/// mistaken for changes behind its back); at commit every record and blob the transaction wrote
/// is indexed. A missing index stays missing: the next query builds it; an index this process
/// cannot write is left alone. An index update that fails never fails the write (the files are
/// the truth); it leaves the index stale, and the next query rebuilds it.
public struct IndexMaintenance: StateObserver {
    public init() {}

    public func begin(_ state: StateDirectory, generation: UInt64) -> (any StateObserverSession)? {
        guard FileManager.default.fileExists(atPath: state.path(IndexLocation.controlPlane.rawValue)),
              let index = try? StateIndex.open(state: state).0, index.isPersistent else { return nil }
        return Session(index: index)
    }

    final class Session: StateObserverSession {
        let index: StateIndex

        init(index: StateIndex) { self.index = index }

        func commit(_ changes: [StateChange], generation: UInt64) {
            for change in changes {
                switch change {
                case .record(let relativePath, let document, let digest):
                    // A failed update leaves the index stale (its fingerprint no longer matches).
                    guard (try? index.recordWritten(relativePath: relativePath, document: document, digest: digest)) != nil else { return }
                case .blob(let ref):
                    index.blobWritten(ref)
                }
            }
        }
    }
}
