import LPCore
import LPState
import LPModel
import CSQLite
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The derived query index `<state>/index.sqlite` (docs/index.md): a SQLite cache of
/// the state files, which stay the source of truth. `open` checks it is current (a cheap
/// fingerprint of the record directories) and rebuilds it from the files when it is missing,
/// damaged, of another schema version or stale. Writers keep it current incrementally with
/// `recordWritten` / `blobWritten` inside their writer lock.
///
/// A state directory that does not exist gets an empty in-memory index (nothing is created on
/// disk, so a read-only command on a fresh machine answers "nothing there" instead of failing).
///
/// One instance is one SQLite connection: use it from one thread at a time.
public final class StateIndex {
    public let state: StateDirectory
    /// `<state>/index.sqlite` (also for the in-memory index of a missing state directory).
    public let path: String
    /// False for the in-memory index of a state directory that does not exist.
    public let isPersistent: Bool
    var db: Database

    private init(state: StateDirectory, db: Database, persistent: Bool) {
        self.state = state
        self.path = state.path(StateDirectory.index)
        self.db = db
        self.isPersistent = persistent
    }

    // MARK: opening

    /// Opens the index, rebuilding it from the files when it is missing, damaged, of another
    /// schema version or stale; `rebuilt` says whether that happened.
    public static func open(state: StateDirectory) throws -> (StateIndex, rebuilt: Bool) {
        guard IndexFile.isDirectory(state.root) else {
            return (try StateIndex(state: state, db: inMemory(state: state), persistent: false), false)
        }
        return try lpErrors {
            let index: StateIndex
            switch try inspect(state: state, thorough: false) {
            case .usable(let db):
                index = StateIndex(state: state, db: db, persistent: true)
            case .missing, .damaged:
                index = StateIndex(state: state, db: try installFresh(state: state, force: false), persistent: true)
                if try !index.isCurrent() { try index.rebuildInPlace() }
                return (index, true)
            }
            do {
                if try index.isCurrent() { return (index, false) }
                try index.rebuildInPlace()
            } catch let error as SQLiteError where error.isCorruption {
                try index.replaceFile()
            }
            return (index, true)
        }
    }

    /// `x07lp index rebuild`: a full rebuild from the files, whatever the index's condition.
    /// A missing state directory is LP_NOT_FOUND here (there is nothing to index into).
    public static func rebuild(state: StateDirectory) throws -> StateIndex {
        guard IndexFile.isDirectory(state.root) else {
            throw LPError(.usage, code: "LP_NOT_FOUND", "no state directory at \(state.root)")
        }
        return try lpErrors {
            switch try inspect(state: state, thorough: false) {
            case .usable(let db):
                let index = StateIndex(state: state, db: db, persistent: true)
                try index.rebuildInPlace()
                return index
            case .missing, .damaged:
                let index = StateIndex(state: state, db: try installFresh(state: state, force: false), persistent: true)
                if try !index.isCurrent() { try index.rebuildInPlace() }
                return index
            }
        }
    }

    /// A full rebuild from the files. Readers of the index see the old content until the new
    /// content replaces it in one transaction.
    public func rebuild() throws {
        try guarded { try rebuildInPlace() }
    }

    /// This schema version and a fingerprint equal to the record directories as they are now.
    func isCurrent() throws -> Bool {
        try IndexSchema.matches(db) && IndexFingerprint.isCurrent(db, state: state)
    }

    /// Builds into a temp database, then copies it into the live one (sqlite3 backup API, one
    /// write transaction). When the state changed while building, builds again (at most 3 times),
    /// so a write that raced the scan is not left out behind a fingerprint that looks current.
    func rebuildInPlace() throws {
        guard isPersistent else {
            db = try Self.inMemory(state: state)
            return
        }
        IndexFile.removeAbandonedTemps(state: state)
        for _ in 0..<3 {
            let stamps = IndexFingerprint.capture(state: state)
            do {
                try IndexFile.withTempDatabase(state: state) { temp in
                    try IndexBuilder(state: state).build(into: temp, stamps: stamps, nowUnixMs: Self.nowUnixMs())
                    try db.replaceContent(from: temp)
                }
            } catch let error as SQLiteError where error.isCorruption || error.code == SQLITE_READONLY {
                // The live file cannot take the copy (damaged, or a WAL file of another page
                // size): replace the file itself.
                try replaceFile()
            }
            if IndexFingerprint.capture(state: state) == stamps { return }
        }
    }

    /// Closes this connection, puts a freshly built file in place of the live one, reconnects.
    private func replaceFile() throws {
        db = try Database(path: ":memory:", create: true)
        db = try Self.installFresh(state: state, force: true)
    }

    /// After the file was deleted or replaced under this connection: connects to the live file
    /// (building one if there is none) and brings it up to date.
    private func reconnect() throws {
        db = try Database(path: ":memory:", create: true)
        switch try Self.inspect(state: state, thorough: false) {
        case .usable(let live): db = live
        case .missing, .damaged: db = try Self.installFresh(state: state, force: false)
        }
        if try !isCurrent() { try rebuildInPlace() }
    }

    enum Health {
        case missing, damaged
        case usable(Database)
    }

    /// The live file's condition. `usable` means SQLite can read it (it may still be stale or of
    /// another schema); `thorough` adds `PRAGMA quick_check` (a read of every page, so only on
    /// the repair path). Other failures (permissions, a lock held too long) are thrown.
    static func inspect(state: StateDirectory, thorough: Bool) throws -> Health {
        let path = state.path(StateDirectory.index)
        guard IndexFile.exists(path) else { return .missing }
        guard IndexFile.isRegularFile(path) else { return .damaged }
        do {
            let db = try Database(path: path, create: false)
            try IndexFile.configureLive(db)
            _ = try IndexSchema.matches(db)
            if try IndexFile.isTruncated(db, path: path) { return .damaged }
            if thorough, try !IndexFile.passesQuickCheck(db) { return .damaged }
            return .usable(db)
        } catch let error as SQLiteError where error.isCorruption {
            return .damaged
        }
    }

    /// Builds a new index file beside the live one and puts it in place of a missing or damaged
    /// one, under a lock on the state directory so two processes never swap files under each
    /// other. Unless `force`, a healthy file another process installed meanwhile is kept instead.
    /// Returns a connection to the live file (which may be stale if the state changed meanwhile).
    private static func installFresh(state: StateDirectory, force: Bool) throws -> Database {
        let path = state.path(StateDirectory.index)
        IndexFile.removeAbandonedTemps(state: state)
        let stamps = IndexFingerprint.capture(state: state)
        let temp = try IndexFile.buildTempFile(state: state) { db in
            try IndexBuilder(state: state).build(into: db, stamps: stamps, nowUnixMs: nowUnixMs())
        }
        try IndexFile.withDirectoryLock(state.root) {
            let repairedMeanwhile: Bool = {
                guard !force, case .usable(let existing)? = try? inspect(state: state, thorough: true) else { return false }
                return (try? IndexSchema.matches(existing)) == true
            }()
            if repairedMeanwhile {
                IndexFile.removeDatabaseFiles(temp)
            } else {
                try IndexFile.replace(path, with: temp)
            }
        }
        guard case .usable(let db) = try inspect(state: state, thorough: false) else {
            throw LPError(.stateCorrupt, code: "LP_INDEX_CORRUPT", "\(path): the rebuilt index cannot be opened")
        }
        return db
    }

    /// An in-memory index of whatever the state directory holds (nothing, when it is missing).
    private static func inMemory(state: StateDirectory) throws -> Database {
        let db = try Database(path: ":memory:", create: true)
        try IndexBuilder(state: state).build(into: db, stamps: IndexFingerprint.capture(state: state), nowUnixMs: nowUnixMs())
        return db
    }

    static func nowUnixMs() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }

    // MARK: incremental updates

    /// Indexes a record a writer just wrote (call it inside the writer lock, right after the
    /// write). Dispatches on `schema_version`; idempotent; one transaction; then restamps the
    /// record's directory. Paths outside the indexed record directories are ignored.
    public func recordWritten(relativePath: String, document: JSON, digest: DigestRef) throws {
        var relative = relativePath.hasPrefix("file:") ? String(relativePath.dropFirst(5)) : relativePath
        if relative.hasPrefix(state.root + "/") { relative = String(relative.dropFirst(state.root.count + 1)) }
        guard IndexFingerprint.root(of: relative) != nil else { return }
        try guarded {
            try db.transaction {
                try IndexWriter(db: db, state: state).apply(relativePath: relative, document: document, digest: digest)
                if isPersistent { try IndexFingerprint.refresh(afterWriting: relative, state: state, in: db) }
            }
        }
    }

    /// `recordWritten` for the `ArtifactRef` that `StateDirectory.writeRecord` returns.
    public func recordWritten(_ ref: ArtifactRef, document: JSON) throws {
        try recordWritten(relativePath: ref.store_uri, document: document, digest: ref.digest)
    }

    /// Records a blob of the content store in `artifacts` (logical name, media type). Best
    /// effort: the blob table is not covered by the staleness fingerprint, and a failure here is
    /// ignored (a rebuild reads every blob meta).
    public func blobWritten(_ ref: ArtifactRef) {
        try? guarded {
            try db.transaction { try IndexWriter(db: db, state: state).blob(ref) }
        }
    }

    // MARK: errors

    /// Runs `body` on the live file (reconnecting first when the file was deleted or replaced
    /// under this connection); a damaged index is rebuilt from the files and `body` runs again
    /// (every update is idempotent); SQLite errors become LPErrors.
    func guarded<T>(_ body: () throws -> T) throws -> T {
        do {
            // In WAL mode SQLite keeps writing into a deleted file's log without complaint.
            if isPersistent, db.hasMoved { try reconnect() }
            return try body()
        } catch let error as SQLiteError where error.isCorruption {
            try Self.lpErrors { try rebuildInPlace() }
            return try Self.lpErrors(body)
        } catch let error as SQLiteError {
            throw Self.lpError(error)
        }
    }

    static func lpErrors<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as SQLiteError { throw lpError(error) }
    }

    static func lpError(_ error: SQLiteError) -> LPError {
        switch error.code {
        case SQLITE_BUSY, SQLITE_LOCKED:
            return LPError(.stateLocked, code: "LP_STATE_LOCKED", "index.sqlite is busy: \(error.message)")
        case SQLITE_CORRUPT, SQLITE_NOTADB:
            return LPError(.stateCorrupt, code: "LP_INDEX_CORRUPT", "index.sqlite is damaged: \(error.message); run `x07lp index rebuild`")
        default:
            return LPError(.usage, code: "LP_STATE_IO", "index.sqlite: \(error.message)")
        }
    }
}
