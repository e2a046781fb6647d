import LPCore
import LPState
import LPModel
import CSQLite
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// File-level care of the index files under `<state>/index/`: health checks, temp databases,
/// swapping a rebuilt file in, read-only access.
///
/// A live WAL database is never renamed over while it may be open (its `-wal`/`-shm` files go by
/// name, so a connection to the old file would write into the new file's log): a healthy but
/// stale index is refreshed through the backup API instead, and only a missing or damaged file is
/// replaced, under a lock on the state directory.
enum IndexFile {
    /// `<index file>.rebuild-<pid>-<random>`: a file being built beside the live one.
    static let tempMarker = ".rebuild-"

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    static func isRegularFile(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }

    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// WAL (readers never block the writer, a killed writer loses at most its open transaction)
    /// with `synchronous=NORMAL` (the index is a cache: losing the last commits to a power cut is
    /// fine, the fingerprint then says stale); the WAL is cut back to 16 MiB after a rebuild.
    static func configureLive(_ db: Database) throws {
        try db.execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA journal_size_limit=16777216")
    }

    /// A file shorter than the pages its header counts (cut off by a crash or a careless copy).
    /// Only decidable when the WAL is empty: pages not yet checkpointed live in the WAL.
    static func isTruncated(_ db: Database, path: String) throws -> Bool {
        var info = stat()
        if stat(path + "-wal", &info) == 0, info.st_size > 0 { return false }
        guard stat(path, &info) == 0 else { return true }
        let pages = try db.first("PRAGMA page_count") { $0.int(0) } ?? 0
        let pageSize = try db.first("PRAGMA page_size") { $0.int(0) } ?? 0
        let (needed, overflow) = pages.multipliedReportingOverflow(by: pageSize)
        return overflow || Int64(info.st_size) < needed
    }

    /// `PRAGMA quick_check` says "ok".
    static func passesQuickCheck(_ db: Database) throws -> Bool {
        try db.first("PRAGMA quick_check") { $0.string(0) } == "ok"
    }

    static func tempPath(state: StateDirectory, location: IndexLocation) -> String {
        state.path("\(location.rawValue)\(tempMarker)\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
    }

    /// A throwaway database beside the index file (no journal, no syncs), removed afterwards.
    static func withTempDatabase<T>(state: StateDirectory, location: IndexLocation, _ body: (Database) throws -> T) throws -> T {
        let path = tempPath(state: state, location: location)
        defer { removeDatabaseFiles(path) }
        let db = try Database(path: path, create: true)
        try db.execute("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF")
        return try body(db)
    }

    /// Builds a complete database in a temp file, switches it to WAL, syncs it and returns its
    /// path (the caller moves it into place or removes it).
    static func buildTempFile(state: StateDirectory, location: IndexLocation, _ body: (Database) throws -> Void) throws -> String {
        let path = tempPath(state: state, location: location)
        do {
            do {
                let db = try Database(path: path, create: true)
                try db.execute("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF")
                try body(db)
                try db.execute("PRAGMA journal_mode=WAL")
            }
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            if fd >= 0 {
                fsync(fd)
                close(fd)
            }
            return path
        } catch {
            removeDatabaseFiles(path)
            throw error
        }
    }

    /// Puts `temp` in place of whatever is at `path` (a damaged file, a directory, nothing),
    /// dropping the old file's WAL and shared-memory files first.
    static func replace(_ path: String, with temp: String) throws {
        if isDirectory(path) { try? FileManager.default.removeItem(atPath: path) }
        for suffix in ["-wal", "-shm", "-journal", ""] { unlink(path + suffix) }
        guard rename(temp, path) == 0 else {
            let error = AtomicFile.ioError("rename", path)
            removeDatabaseFiles(temp)
            throw error
        }
        let fd = open((path as NSString).deletingLastPathComponent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
    }

    static func removeDatabaseFiles(_ path: String) {
        for suffix in ["", "-wal", "-shm", "-journal"] { unlink(path + suffix) }
    }

    /// Temp files of rebuilds whose process is gone (killed mid-build).
    static func removeAbandonedTemps(state: StateDirectory) {
        removeAbandonedTemps(in: state.path(IndexLocation.directory))
    }

    /// Removes the files in `directory` named `<prefix><pid>-...` whose process is gone.
    static func removeAbandonedTemps(in directory: String, prefixed prefix: (String) -> String.Index?) {
        for entry in IndexBuilder.entries(directory) where !entry.isDirectory {
            guard let start = prefix(entry.name) else { continue }
            let pidText = entry.name[start...].prefix { $0 != "-" }
            guard let pid = pid_t(pidText), pid > 0, pid != getpid(), kill(pid, 0) != 0, errno == ESRCH else { continue }
            unlink(directory + "/" + entry.name)
        }
    }

    static func removeAbandonedTemps(in directory: String) {
        removeAbandonedTemps(in: directory) { $0.range(of: tempMarker)?.upperBound }
    }

    /// `<state>/index.sqlite` (and its `-wal`, `-shm`, temp files) of a state indexed before the
    /// index moved under `index/`: a stale cache nobody reads any more.
    static func removeLegacy(state: StateDirectory) {
        removeDatabaseFiles(state.path(IndexLocation.legacy))
        let prefix = IndexLocation.legacy + tempMarker
        removeAbandonedTemps(in: state.root) { $0.hasPrefix(prefix) ? $0.index($0.startIndex, offsetBy: prefix.count) : nil }
    }

    /// Creates `<state>/index/` when it is missing (never the state directory itself). A
    /// directory that cannot be created for lack of permission or on a read-only file system is
    /// `SQLITE_READONLY` (the caller then answers read-only).
    static func createDirectory(state: StateDirectory) throws {
        let path = state.path(IndexLocation.directory)
        guard !isDirectory(path) else { return }
        if mkdir(path, 0o700) != 0, errno != EEXIST {
            let code = errno
            let message = "\(path): \(String(cString: strerror(code)))"
            throw SQLiteError(code: [EACCES, EPERM, EROFS].contains(code) ? SQLITE_READONLY : SQLITE_CANTOPEN, message: message)
        }
    }

    // MARK: read-only access

    /// The effective user may write `path` (EACCES, EROFS: not).
    static func writable(_ path: String) -> Bool {
        faccessat(AT_FDCWD, path, W_OK, AT_EACCESS) == 0
    }

    /// True when this process can write the index: the index directory (else the state
    /// directory, to create it) and every index file that exists are writable. Root passes the
    /// permission checks, but not a read-only file system.
    static func canWrite(state: StateDirectory) -> Bool {
        let directory = state.path(IndexLocation.directory)
        guard writable(isDirectory(directory) ? directory : state.root) else { return false }
        for location in IndexLocation.allCases {
            for suffix in ["", "-wal", "-shm"] {
                let path = state.path(location.rawValue) + suffix
                if exists(path), !writable(path) { return false }
            }
        }
        return true
    }

    /// `path` as a `file:` URI path (SQLite decodes `%HH`; `?` and `#` would end the path).
    static func uri(_ path: String) -> String {
        var result = "file:"
        for character in path.unicodeScalars {
            switch character {
            case "%": result += "%25"
            case "?": result += "%3f"
            case "#": result += "%23"
            default: result.unicodeScalars.append(character)
            }
        }
        return result
    }

    /// A read-only connection to the index file, or nil. First as any reader does (`mode=ro`:
    /// needs the `-shm` and `-wal` files to exist, which they do while a writer has the file
    /// open); else, when no WAL holds commits not yet in the file, the file as it is
    /// (`immutable=1`: no locks, no shared memory, nothing created).
    static func openReadOnly(_ path: String) -> Database? {
        guard isRegularFile(path) else { return nil }
        func readable(_ db: Database) -> Bool { (try? db.first("SELECT count(*) FROM sqlite_master") { $0.int(0) }) != nil }
        if let db = try? Database(readOnlyURI: uri(path) + "?mode=ro"), readable(db) { return db }
        var info = stat()
        if stat(path + "-wal", &info) == 0, info.st_size > 0 { return nil }
        if let db = try? Database(readOnlyURI: uri(path) + "?mode=ro&immutable=1"), readable(db) { return db }
        return nil
    }

    /// Runs `body` holding an exclusive `flock` on the state directory itself (not the writer
    /// lock: readers repair the index too, and a writer may already hold that one).
    static func withDirectoryLock<T>(_ root: String, timeout: Double = 30, _ body: () throws -> T) throws -> T {
        let fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw AtomicFile.ioError("open", root) }
        defer { close(fd) }
        let deadline = Date().addingTimeInterval(timeout)
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR, Date() < deadline else {
                throw LPError(.stateLocked, code: "LP_STATE_LOCKED", "another process keeps rebuilding the index in \(root)/index")
            }
            usleep(10_000)
        }
        defer { flock(fd, LOCK_UN) }
        return try body()
    }
}
