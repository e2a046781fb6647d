import LPCore
import Foundation

/// What a write transaction changed, in order: handed to the state's observer (the query index)
/// at commit.
public enum StateChange: Sendable {
    case record(relativePath: String, document: JSON, digest: DigestRef)
    case blob(ArtifactRef)
}

/// Keeps something derived from the state current (the query index). `begin` runs holding the
/// writer lock, before the transaction's first write, with the state's generation then; the
/// session it returns gets the changes and the generation they made at commit, still under the
/// lock. A session that fails leaves the derived data stale, never the files wrong: the files
/// are the truth.
public protocol StateObserver: Sendable {
    func begin(_ state: StateDirectory, generation: UInt64) -> (any StateObserverSession)?
}

public protocol StateObserverSession: AnyObject {
    func commit(_ changes: [StateChange], generation: UInt64)
}

/// The one way to write a state directory: `state.write { tx in … }`.
///
/// - Holding a transaction proves the writer lock is held. It is closed when `write` returns:
///   using it afterwards is an error, and opening a second one inside it fails at once
///   (`LP_STATE_LOCK_NESTED`) instead of waiting for a lock this process holds.
/// - Records and state files are all-or-nothing: they are kept in the transaction (reads through
///   it see them) and written at commit through a redo journal (`StateJournal`): the journal
///   is written first, then every file, then the journal is removed. A crash anywhere leaves
///   either the old files or a journal that the next transaction (or `state verify --clean-temp`)
///   replays, so no operation is ever half done. A body that throws writes none of them.
/// - Blobs are content-addressed and go to the store directly (a blob no record names is harmless).
/// - Every commit that changed something moves the state's generation on by one, so a derived
///   index can tell whether it saw every change.
public final class WriteTransaction: StateReading {
    public let state: StateDirectory
    private let lock: StateLock
    private let session: (any StateObserverSession)?
    private let startGeneration: UInt64
    private var pending: [String: StateJournal.Write] = [:]
    private var order: [String] = []
    private var directories = Set<String>()
    private var changes: [StateChange] = []
    /// A blob reached the store in this transaction.
    private var storedBlob = false
    private var isOpen = true

    fileprivate init(state: StateDirectory, lock: StateLock) throws {
        self.state = state
        self.lock = lock
        try StateJournal.replayIfPresent(state)
        startGeneration = StateGeneration.read(state)
        session = state.observer?.begin(state, generation: startGeneration)
    }

    /// Writes a JSON record as canonical bytes (the file's SHA-256 is the record's digest).
    /// Records that are evidence (decisions, control action results, incident bundles, plans)
    /// are written once: writing one again with other bytes is refused, never done.
    @discardableResult
    public func writeRecord(_ document: JSON, at relative: String, logicalName: String) throws -> ArtifactRef {
        let bytes = document.canonicalBytes
        if StateDirectory.isWriteOnce(relative), let existing = try? read(relative), existing != bytes {
            throw LPError(.internalError, code: "LP_STATE_RECORD_REWRITE",
                          "\(state.path(relative)) exists with other content; a record of this kind is written once")
        }
        try writeFile(bytes, at: relative)
        let digest = DigestRef(of: bytes)
        changes.append(.record(relativePath: relative, document: document, digest: digest))
        return ArtifactRef(digest: digest, logicalName: logicalName, storeURI: "file:" + relative)
    }

    /// Writes a file of the state at commit (no index entry: router states, keys).
    public func writeFile(_ bytes: [UInt8], at relative: String, mode: mode_t = AtomicFile.privateFileMode) throws {
        try checkOpen()
        if pending[relative] == nil { order.append(relative) }
        pending[relative] = StateJournal.Write(path: relative, mode: mode, bytes: bytes)
    }

    // MARK: reading through the transaction

    public func read(_ relative: String) throws -> [UInt8] {
        if let write = pending[relative] { return write.bytes }
        return try state.read(relative)
    }

    public func exists(_ relative: String) -> Bool {
        pending[relative] != nil || state.exists(relative)
    }

    // MARK: blobs and trees

    /// Moves a synced temp file to `relative` (streamed blobs).
    func commitFile(temp: String, to relative: String) throws {
        try checkOpen()
        renamed(into: try AtomicFile.commit(temp: temp, to: state.path(relative)))
        storedBlob = true
    }

    /// Writes a content-addressed store file directly (a blob's meta record).
    func writeStoreFile(_ bytes: [UInt8], at relative: String) throws {
        try checkOpen()
        renamed(into: try AtomicFile.write(bytes, to: state.path(relative)))
    }

    func blobCommitted(_ ref: ArtifactRef) { changes.append(.blob(ref)) }

    /// Notes a directory whose entries a rename changed (also for callers that rename trees).
    public func renamed(into directory: String) {
        directories.insert(directory)
        state.crashPoint?.passed()
    }

    // MARK: commit

    fileprivate func commit() throws {
        isOpen = false
        for directory in directories.sorted() { AtomicFile.syncDirectory(directory) }
        // Files written again with the bytes they hold change nothing (an idempotent re-run).
        let writes = order.compactMap { pending[$0] }.filter { (try? state.read($0.path)) != $0.bytes }
        guard !writes.isEmpty || storedBlob else { return }
        let generation = startGeneration + 1
        try StateJournal(generation: generation, writes: writes).apply(to: state)
        session?.commit(changes, generation: generation)
    }

    private func checkOpen() throws {
        guard isOpen else {
            throw LPError(.internalError, code: "LP_STATE_TX_CLOSED", "a write transaction of \(state.root) was used after it ended")
        }
    }
}

extension StateDirectory {
    /// Runs `body` holding the writer lock; what it wrote is committed when it returns. When it
    /// throws, its records are dropped (blobs it stored stay: they are harmless and reusable).
    public func write<T>(timeout: Double = 10, _ body: (WriteTransaction) throws -> T) throws -> T {
        let tx = try WriteTransaction(state: self, lock: try StateLock(stateRoot: root, timeout: timeout))
        let result: T
        do {
            result = try body(tx)
        } catch {
            tx.discard()
            throw error
        }
        try tx.commit()
        return result
    }
}

extension WriteTransaction {
    /// Ends a transaction whose body failed: nothing pending is written.
    fileprivate func discard() {
        isOpen = false
        for directory in directories.sorted() { AtomicFile.syncDirectory(directory) }
    }
}
