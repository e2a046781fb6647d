import LPCore
import Foundation

/// What a write transaction changed, in order: handed to the state's observer (the query index)
/// at commit.
public enum StateChange: Sendable {
    case record(relativePath: String, document: JSON, digest: DigestRef)
    case blob(ArtifactRef)
}

/// Keeps something derived from the state current (the query index). `begin` runs holding the
/// writer lock, before the transaction's first write; the session it returns gets the changes at
/// commit, still under the lock. A session that fails leaves the derived data stale, never the
/// files wrong: the files are the truth.
public protocol StateObserver: Sendable {
    func begin(_ state: StateDirectory) -> (any StateObserverSession)?
}

public protocol StateObserverSession: AnyObject {
    func commit(_ changes: [StateChange])
}

/// The one way to write a state directory: `state.write { tx in … }`. Holding a transaction
/// proves the writer lock is held; it collects the directories its renames touched (fsync'ed in
/// one batch at commit, which makes the whole critical section durable at once) and the records
/// and blobs written (handed to the observer at commit). It is closed when `write` returns:
/// using it afterwards is an error, and opening a second one inside it fails at once
/// (`LP_STATE_LOCK_NESTED`) instead of waiting for a lock this process holds.
public final class WriteTransaction {
    public let state: StateDirectory
    private let lock: StateLock
    private let session: (any StateObserverSession)?
    private var directories = Set<String>()
    private var changes: [StateChange] = []
    private var isOpen = true

    fileprivate init(state: StateDirectory, lock: StateLock) {
        self.state = state
        self.lock = lock
        self.session = state.observer?.begin(state)
    }

    /// Writes a JSON record as canonical bytes (the file's SHA-256 is the record's digest).
    /// Records that are evidence (decisions, control action results, incident bundles, plans)
    /// are written once: writing one again with other bytes is refused, never done.
    @discardableResult
    public func writeRecord(_ document: JSON, at relative: String, logicalName: String) throws -> ArtifactRef {
        let bytes = document.canonicalBytes
        if StateDirectory.isWriteOnce(relative), let existing = try? state.read(relative), existing != bytes {
            throw LPError(.internalError, code: "LP_STATE_RECORD_REWRITE",
                          "\(state.path(relative)) exists with other content; a record of this kind is written once")
        }
        try writeFile(bytes, at: relative)
        let digest = DigestRef(of: bytes)
        changes.append(.record(relativePath: relative, document: document, digest: digest))
        return ArtifactRef(digest: digest, logicalName: logicalName, storeURI: "file:" + relative)
    }

    /// Writes a file of the state atomically (no index entry: router states, keys, slot files).
    public func writeFile(_ bytes: [UInt8], at relative: String, mode: mode_t = 0o644) throws {
        try checkOpen()
        renamed(into: try AtomicFile.write(bytes, to: state.path(relative), mode: mode))
    }

    /// Moves a synced temp file to `relative` (streamed blobs).
    func commitFile(temp: String, to relative: String) throws {
        try checkOpen()
        renamed(into: try AtomicFile.commit(temp: temp, to: state.path(relative)))
    }

    func blobCommitted(_ ref: ArtifactRef) { changes.append(.blob(ref)) }

    /// Notes a directory whose entries a rename changed (also for callers that rename trees).
    public func renamed(into directory: String) {
        directories.insert(directory)
        state.crashPoint?.passed()
    }

    fileprivate func commit() {
        isOpen = false
        for directory in directories.sorted() { AtomicFile.syncDirectory(directory) }
        session?.commit(changes)
    }

    private func checkOpen() throws {
        guard isOpen else {
            throw LPError(.internalError, code: "LP_STATE_TX_CLOSED", "a write transaction of \(state.root) was used after it ended")
        }
    }
}

extension StateDirectory {
    /// Runs `body` holding the writer lock. Whatever `body` wrote is made durable and handed to
    /// the observer when it returns, also when it throws (the files it wrote are on disk).
    public func write<T>(timeout: Double = 10, _ body: (WriteTransaction) throws -> T) throws -> T {
        let tx = WriteTransaction(state: self, lock: try StateLock(stateRoot: root, timeout: timeout))
        defer { tx.commit() }
        return try body(tx)
    }
}
