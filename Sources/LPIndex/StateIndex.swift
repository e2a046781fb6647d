import LPCore
import LPState
import LPModel
import CSQLite
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The index files, relative to the state directory (docs/index.md). Both hold the same schema
/// and the same rows: `control_plane.sqlite` is the one queries read; `deploy_loop.sqlite` is a
/// second copy kept in step with it for tools that read the reference system's deploy-loop path.
public enum IndexLocation: String, CaseIterable, Sendable {
    case controlPlane = "index/control_plane.sqlite"
    case deployLoop = "index/deploy_loop.sqlite"

    /// The directory of the index files.
    public static let directory = "index"
    /// Where the index lived before it moved under `index/`; removed when a new index is installed.
    static let legacy = "index.sqlite"
}

/// The derived query index (docs/index.md): a SQLite cache of the state files, which stay the
/// source of truth. `open` checks it is current (a cheap fingerprint of the record directories)
/// and rebuilds it from the files when it is missing, damaged, of another schema version or stale.
/// Writers keep it current incrementally with `recordWritten` / `blobWritten` inside their writer
/// lock. Every change goes to `index/control_plane.sqlite` (read by the queries) and then to its
/// copy `index/deploy_loop.sqlite` (the `mirror`).
///
/// A state directory that does not exist gets an empty in-memory index (nothing is created on
/// disk). A state directory whose index cannot be written (read-only directory or file system,
/// files of another user) is answered read-only: from the index file opened read-only when it is
/// current, else from an in-memory index built from the files (`isReadOnly`).
///
/// One instance is one SQLite connection (two with the mirror): use it from one thread at a time.
public final class StateIndex {
    enum Storage: Equatable {
        /// The index file, read-write, kept current.
        case live
        /// The index file opened read-only (it was current when opened).
        case readOnlyFile
        /// A private in-memory database built from the files.
        case memory
    }

    public let state: StateDirectory
    public let location: IndexLocation
    /// The index file (also for an in-memory index, which stands in for it).
    public let path: String
    /// True when the index file could not be written: answers come from the file opened read-only
    /// or from an in-memory index built from the files, and nothing is written.
    public let isReadOnly: Bool
    var storage: Storage
    var db: Database
    /// The deploy-loop copy, updated after this index (nil when it could not be opened, and for
    /// the copy itself and indexes that are not live files).
    var mirror: StateIndex?

    /// True for a live index file; false for an in-memory or read-only index.
    public var isPersistent: Bool { storage == .live }

    init(state: StateDirectory, location: IndexLocation, db: Database, storage: Storage, readOnly: Bool = false) {
        self.state = state
        self.location = location
        self.path = state.path(location.rawValue)
        self.db = db
        self.storage = storage
        self.isReadOnly = readOnly
    }

    /// True when the state directory exists (a directory, not a file).
    public static func stateExists(_ state: StateDirectory) -> Bool {
        IndexFile.isDirectory(state.root)
    }

    /// True when this process may write the index files of `state` (docs/index.md: a state
    /// directory it cannot write is answered read-only).
    public static func canWrite(state: StateDirectory) -> Bool {
        IndexFile.canWrite(state: state)
    }

    // MARK: opening

    /// Opens the index, rebuilding it from the files when it is missing, damaged, of another
    /// schema version or stale; `rebuilt` says whether that happened (for a read-only index:
    /// whether it had to be built in memory). With `forReading` (the read views), the
    /// deploy-loop copy is brought up to date only when this open rebuilt the queried file:
    /// otherwise it is left to the next writer's open, which checks it, and a read costs one
    /// SQLite connection instead of two (docs/index.md#the-copy-and-the-read-path).
    public static func open(state: StateDirectory, forReading: Bool = false) throws -> (StateIndex, rebuilt: Bool) {
        guard stateExists(state) else {
            return (try StateIndex(state: state, location: .controlPlane, db: inMemory(state: state), storage: .memory), false)
        }
        return try lpErrors {
            guard IndexFile.canWrite(state: state) else { return try openReadOnly(state: state) }
            do {
                let (index, rebuilt) = try openLive(state: state, location: .controlPlane)
                // The copy is for other readers: a copy that cannot be brought up to date now is
                // stale, and the next open brings it up to date. After a rebuild it is copied
                // whatever its own stamps say (they may hide what made the rebuild necessary).
                if forReading && !rebuilt { return (index, rebuilt) }
                index.mirror = index.isPersistent ? try? openMirror(state: state, copying: index, force: rebuilt) : nil
                return (index, rebuilt)
            } catch let error as SQLiteError where error.meansReadOnly {
                return try openReadOnly(state: state)
            }
        }
    }

    /// `x07lp index rebuild`: a full rebuild from the files, whatever the index's condition; the
    /// deploy-loop copy is then copied from it. A missing state directory is LP_NOT_FOUND here
    /// (there is nothing to index into). When the index cannot be written, the rebuilt index is
    /// an in-memory one (`isReadOnly`).
    public static func rebuild(state: StateDirectory) throws -> StateIndex {
        guard stateExists(state) else {
            throw LPError(.usage, code: "LP_NOT_FOUND", "no state directory at \(state.root)")
        }
        return try lpErrors {
            guard IndexFile.canWrite(state: state) else { return try memoryReadOnly(state: state) }
            do {
                let index: StateIndex
                switch try inspect(state: state, location: .controlPlane, thorough: false) {
                case .usable(let db):
                    index = StateIndex(state: state, location: .controlPlane, db: db, storage: .live)
                    try index.rebuildInPlace(force: true)
                case .missing, .damaged:
                    index = StateIndex(state: state, location: .controlPlane,
                                       db: try installFresh(state: state, location: .controlPlane, force: false), storage: .live)
                    if try !index.isCurrent() { try index.rebuildInPlace() }
                }
                index.mirror = index.isPersistent ? try openMirror(state: state, copying: index, force: true) : nil
                return index
            } catch let error as SQLiteError where error.meansReadOnly {
                return try memoryReadOnly(state: state)
            }
        }
    }

    /// A full rebuild from the files (and the copy copied from it). Readers of the index see the
    /// old content until the new content replaces it in one transaction.
    public func rebuild() throws {
        try guarded { try rebuildInPlace(force: true) }
        if let mirror { try mirror.guarded { try mirror.copyContent(from: self) } }
    }

    /// This schema version, the state's generation (every committed write transaction is in it,
    /// `IndexGeneration`) and a fingerprint equal to the record directories as they are now (a
    /// file changed outside a transaction, by hand).
    func isCurrent() throws -> Bool {
        guard try IndexSchema.matches(db), try IndexGeneration.stored(db) == StateGeneration.read(state) else { return false }
        return try IndexFingerprint.isCurrent(db, state: state)
    }

    /// The live file at `location`, brought up to date.
    private static func openLive(state: StateDirectory, location: IndexLocation) throws -> (StateIndex, rebuilt: Bool) {
        let index: StateIndex
        switch try inspect(state: state, location: location, thorough: false) {
        case .usable(let db):
            index = StateIndex(state: state, location: location, db: db, storage: .live)
        case .missing, .damaged:
            index = StateIndex(state: state, location: location, db: try installFresh(state: state, location: location, force: false),
                               storage: .live)
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

    /// The deploy-loop copy, brought to the content of `primary` (copied page by page with the
    /// backup API, which costs far less than reading the records again) when it is missing,
    /// damaged, stale, or when `force`.
    private static func openMirror(state: StateDirectory, copying primary: StateIndex, force: Bool) throws -> StateIndex {
        let location = IndexLocation.deployLoop
        switch try inspect(state: state, location: location, thorough: false) {
        case .usable(let db):
            let mirror = StateIndex(state: state, location: location, db: db, storage: .live)
            let current = try? mirror.isCurrent()
            if force || current != true { try mirror.copyContent(from: primary) }
            return mirror
        case .missing, .damaged:
            let db = try installFresh(state: state, location: location, force: false) { try $0.replaceContent(from: primary.db) }
            let mirror = StateIndex(state: state, location: location, db: db, storage: .live)
            if try !mirror.isCurrent() { try mirror.rebuildInPlace() }
            return mirror
        }
    }

    /// Copies the content of `source` (the queried file) into this index (one write
    /// transaction), unless this one already says a later generation; replaces the file when it
    /// cannot take the copy; rebuilds from the files when the state changed meanwhile. The
    /// content goes through a temp copy (backup API, a read of `source`), so installing it never
    /// holds a lock on `source`, which writers update.
    func copyContent(from source: StateIndex) throws {
        do {
            try IndexFile.withTempDatabase(state: state, location: location) { temp in
                try temp.replaceContent(from: source.db)
                try install(from: temp)
            }
        } catch let error as SQLiteError where error.isCorruption || error.code == SQLITE_READONLY {
            db = try Database(path: ":memory:", create: true)
            db = try Self.installFresh(state: state, location: location, force: true) { try $0.replaceContent(from: source.db) }
        }
        if try !isCurrent() { try rebuildInPlace() }
    }

    /// Puts the content of the complete index database `source` (a file) into the live file, in
    /// one write transaction, unless the live file says a later generation than `source` does
    /// (`IndexGeneration.mayReplace`: a writer moved it on, or another rebuild got there
    /// first). A live file of another schema gets `source`'s pages (backup API) instead. Returns
    /// whether the content went in.
    @discardableResult
    func install(from source: Database) throws -> Bool {
        guard try IndexSchema.matches(db), try IndexSchema.matches(source) else {
            try db.replaceContent(from: source)
            return true
        }
        return try db.replaceRows(fromFile: source.path, tables: IndexSchema.tables) {
            IndexGeneration.mayReplace(live: try IndexGeneration.stored(db), with: try IndexGeneration.stored(db, schema: "fresh"))
        }
    }

    /// How many times a rebuild reads the files before it gives up on a build that no commit
    /// overtook.
    static let rebuildAttempts = 4

    /// Builds into a temp database, then puts it into the live one (`install`: one write
    /// transaction, never over content of a later generation). The build claims the state
    /// generation it read (`IndexGeneration`). When a commit ran while it read the files, the
    /// build is not installed, and runs again after a short pause; when every one of
    /// `rebuildAttempts` builds raced a commit, this connection answers from its last build, kept
    /// in memory, and the file stays stale for the next writer (which rebuilds it under its lock)
    /// or query. Unless `force`, a live file that another process brought up to date meanwhile is
    /// kept. An index that is not a live file is rebuilt in memory.
    func rebuildInPlace(force: Bool = false) throws {
        guard storage == .live else {
            db = try Self.inMemory(state: state)
            storage = .memory
            return
        }
        IndexFile.removeAbandonedTemps(state: state)
        for attempt in 0..<Self.rebuildAttempts {
            if attempt > 0 {
                if !force, (try? isCurrent()) == true { return }
                usleep(UInt32.random(in: 2_000...20_000) * UInt32(attempt))
            }
            let last = attempt == Self.rebuildAttempts - 1
            do {
                let settled = try IndexFile.withTempDatabase(state: state, location: location) { temp -> Bool in
                    guard try IndexBuilder(state: state).build(into: temp, nowUnixMs: Self.nowUnixMs()) != nil else {
                        guard last else { return false }
                        let memory = try Database(path: ":memory:", create: true)
                        try memory.replaceContent(from: temp)
                        db = memory
                        storage = .memory
                        mirror = nil
                        return true
                    }
                    try install(from: temp)
                    return true
                }
                if settled { return }
            } catch let error as SQLiteError where error.isCorruption || error.code == SQLITE_READONLY {
                // The live file cannot take the copy (damaged, or a WAL file of another page
                // size): replace the file itself.
                try replaceFile()
                if (try? isCurrent()) == true { return }
            }
        }
    }

    /// Closes this connection, puts a freshly built file in place of the live one, reconnects.
    private func replaceFile() throws {
        db = try Database(path: ":memory:", create: true)
        db = try Self.installFresh(state: state, location: location, force: true)
    }

    /// After the file was deleted or replaced under this connection: connects to the live file
    /// (building one if there is none) and brings it up to date. A read-only index moves to an
    /// in-memory one instead.
    private func reconnect() throws {
        guard storage == .live else {
            try rebuildInPlace()
            return
        }
        db = try Database(path: ":memory:", create: true)
        switch try Self.inspect(state: state, location: location, thorough: false) {
        case .usable(let live): db = live
        case .missing, .damaged: db = try Self.installFresh(state: state, location: location, force: false)
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
    static func inspect(state: StateDirectory, location: IndexLocation, thorough: Bool) throws -> Health {
        let path = state.path(location.rawValue)
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

    /// Builds a new index file beside the live one (from the files, or with `fill`) and puts it in
    /// place of a missing or damaged one, under a lock on the state directory so two processes
    /// never swap files under each other. Unless `force`, a healthy file another process installed
    /// meanwhile is kept instead. Returns a connection to the live file (which may be stale if the
    /// state changed meanwhile).
    private static func installFresh(state: StateDirectory, location: IndexLocation, force: Bool,
                                     fill: ((Database) throws -> Void)? = nil) throws -> Database {
        let path = state.path(location.rawValue)
        try IndexFile.createDirectory(state: state)
        IndexFile.removeAbandonedTemps(state: state)
        let temp = try IndexFile.buildTempFile(state: state, location: location) { db in
            if let fill {
                try fill(db)
            } else {
                try IndexBuilder(state: state).build(into: db, nowUnixMs: nowUnixMs())
            }
        }
        try IndexFile.withDirectoryLock(state.root) {
            let repairedMeanwhile: Bool = {
                guard !force, case .usable(let existing)? = try? inspect(state: state, location: location, thorough: true) else { return false }
                return (try? IndexSchema.matches(existing)) == true
            }()
            if repairedMeanwhile {
                IndexFile.removeDatabaseFiles(temp)
            } else {
                try IndexFile.replace(path, with: temp)
            }
            if location == .controlPlane { IndexFile.removeLegacy(state: state) }
        }
        guard case .usable(let db) = try inspect(state: state, location: location, thorough: false) else {
            throw LPError(.stateCorrupt, code: "LP_INDEX_CORRUPT", "\(path): the rebuilt index cannot be opened")
        }
        return db
    }

    /// An in-memory index of whatever the state directory holds (nothing, when it is missing).
    static func inMemory(state: StateDirectory) throws -> Database {
        let db = try Database(path: ":memory:", create: true)
        try IndexBuilder(state: state).build(into: db, nowUnixMs: nowUnixMs())
        return db
    }

    /// The index of a state whose index cannot be written: the file opened read-only when it is
    /// current, else an in-memory index built from the files.
    private static func openReadOnly(state: StateDirectory) throws -> (StateIndex, rebuilt: Bool) {
        let location = IndexLocation.controlPlane
        if let db = IndexFile.openReadOnly(state.path(location.rawValue)) {
            let index = StateIndex(state: state, location: location, db: db, storage: .readOnlyFile, readOnly: true)
            if (try? index.isCurrent()) == true { return (index, false) }
        }
        return (try memoryReadOnly(state: state), true)
    }

    private static func memoryReadOnly(state: StateDirectory) throws -> StateIndex {
        StateIndex(state: state, location: .controlPlane, db: try inMemory(state: state), storage: .memory, readOnly: true)
    }

    static func nowUnixMs() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }

    // MARK: incremental updates

    /// The state observer's update (`IndexMaintenance`, holding the writer lock): a write
    /// transaction that began at generation `from` committed `changes` and made generation `to`.
    /// Compare-and-set, per file: only an index file that says `from` gets the changes, in one
    /// SQLite transaction that also stores `to` (and restamps the directories written). Any
    /// other file (stale, or rebuilt meanwhile by a reader) is left as it is: it does not say
    /// `to`, so the next `open` rebuilds it. Returns whether the queried file was updated. A
    /// failure of the deploy-loop copy is not thrown: the copy is then stale.
    @discardableResult
    public func transactionCommitted(_ changes: [StateChange], from: UInt64, to: UInt64) throws -> Bool {
        let applied = try guarded {
            try db.transaction { () -> Bool in
                guard try IndexGeneration.stored(db) == from else { return false }
                let writer = IndexWriter(db: db, state: state)
                for change in changes {
                    switch change {
                    case .record(let path, let document, let digest):
                        let relative = relativeRecordPath(path)
                        guard IndexFingerprint.root(of: relative) != nil else { continue }
                        try writer.apply(relativePath: relative, document: document, digest: digest)
                        if isPersistent { try IndexFingerprint.refresh(afterWriting: relative, state: state, in: db) }
                    case .blob(let ref):
                        try writer.blob(ref)
                    }
                }
                try IndexGeneration.store(to, in: db)
                return true
            }
        }
        _ = try? mirror?.transactionCommitted(changes, from: from, to: to)
        return applied
    }

    /// A record path as the index keys it: relative to the state directory, without `file:`.
    private func relativeRecordPath(_ path: String) -> String {
        var relative = path.hasPrefix("file:") ? String(path.dropFirst(5)) : path
        if relative.hasPrefix(state.root + "/") { relative = String(relative.dropFirst(state.root.count + 1)) }
        return relative
    }

    /// Reports a record written by a transaction that had no index observer (tools and tests
    /// that write with a plain `StateDirectory`), right after that transaction. Indexes it
    /// (dispatching on `schema_version`; idempotent; one transaction per index file) and restamps
    /// its directory. When the index had seen every generation before that transaction's (it
    /// says the state's generation minus one), it now says the state's generation; otherwise it
    /// stays stale. Paths outside the indexed record directories are not indexed. A failure of
    /// the deploy-loop copy is not thrown: the copy is then stale, which the next `open` repairs.
    /// Writers with an observer use `transactionCommitted` instead, which cannot be fooled by a
    /// commit of another process in between.
    public func recordWritten(relativePath: String, document: JSON, digest: DigestRef) throws {
        let relative = relativeRecordPath(relativePath)
        try guarded {
            try db.transaction {
                if IndexFingerprint.root(of: relative) != nil {
                    try IndexWriter(db: db, state: state).apply(relativePath: relative, document: document, digest: digest)
                    if isPersistent { try IndexFingerprint.refresh(afterWriting: relative, state: state, in: db) }
                }
                try catchUpOneGeneration()
            }
        }
        try? mirror?.recordWritten(relativePath: relative, document: document, digest: digest)
    }

    /// `recordWritten` for the `ArtifactRef` that `StateDirectory.writeRecord` returns.
    public func recordWritten(_ ref: ArtifactRef, document: JSON) throws {
        try recordWritten(relativePath: ref.store_uri, document: document, digest: ref.digest)
    }

    /// Records a blob of the content store in `artifacts` (logical name, media type), reported like
    /// `recordWritten`. Best effort: a failure here is ignored (a rebuild reads every blob meta).
    public func blobWritten(_ ref: ArtifactRef) {
        try? guarded {
            try db.transaction {
                try IndexWriter(db: db, state: state).blob(ref)
                try catchUpOneGeneration()
            }
        }
        mirror?.blobWritten(ref)
    }

    /// Inside an update's transaction: an index one generation behind the state moves to it.
    private func catchUpOneGeneration() throws {
        let current = StateGeneration.read(state)
        guard current > 0, try IndexGeneration.stored(db) == current - 1 else { return }
        try IndexGeneration.store(current, in: db)
    }

    // MARK: errors

    /// Runs `body` on the live file (reconnecting first when the file was deleted or replaced
    /// under this connection); a damaged index is rebuilt from the files and `body` runs again
    /// (every update is idempotent); SQLite errors become LPErrors.
    func guarded<T>(_ body: () throws -> T) throws -> T {
        do {
            // In WAL mode SQLite keeps writing into a deleted file's log without complaint.
            if storage != .memory, db.hasMoved { try reconnect() }
            return try body()
        } catch let error as SQLiteError where error.isCorruption {
            try Self.lpErrors { try rebuildInPlace(force: true) }
            return try Self.lpErrors(body)
        } catch let error as SQLiteError {
            throw Self.lpError(error, path: path)
        }
    }

    static func lpErrors<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as SQLiteError { throw lpError(error, path: nil) }
    }

    static func lpError(_ error: SQLiteError, path: String?) -> LPError {
        let name = path.map { ($0 as NSString).lastPathComponent } ?? "the index"
        switch error.code {
        case SQLITE_BUSY, SQLITE_LOCKED:
            return LPError(.stateLocked, code: "LP_STATE_LOCKED", "\(name) is busy: \(error.message)")
        case SQLITE_CORRUPT, SQLITE_NOTADB:
            return LPError(.stateCorrupt, code: "LP_INDEX_CORRUPT", "\(name) is damaged: \(error.message); run `x07lp index rebuild`")
        default:
            return LPError(.usage, code: "LP_STATE_IO", "\(name): \(error.message)")
        }
    }
}
