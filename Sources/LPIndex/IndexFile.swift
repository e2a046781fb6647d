import LPCore
import LPState
import LPModel
import CSQLite
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// File-level care of `index.sqlite`: health checks, temp databases, swapping a rebuilt file in.
///
/// A live WAL database is never renamed over while it may be open (its `-wal`/`-shm` files go by
/// name, so a connection to the old file would write into the new file's log): a healthy but
/// stale index is refreshed through the backup API instead, and only a missing or damaged file is
/// replaced, under a lock on the state directory.
enum IndexFile {
    static let tempPrefix = "index.sqlite.rebuild-"

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

    static func tempPath(state: StateDirectory) -> String {
        state.path("\(tempPrefix)\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
    }

    /// A throwaway database in the state directory (no journal, no syncs), removed afterwards.
    static func withTempDatabase<T>(state: StateDirectory, _ body: (Database) throws -> T) throws -> T {
        let path = tempPath(state: state)
        defer { removeDatabaseFiles(path) }
        let db = try Database(path: path, create: true)
        try db.execute("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF")
        return try body(db)
    }

    /// Builds a complete database in a temp file, switches it to WAL, syncs it and returns its
    /// path (the caller moves it into place or removes it).
    static func buildTempFile(state: StateDirectory, _ body: (Database) throws -> Void) throws -> String {
        let path = tempPath(state: state)
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
        for entry in IndexBuilder.entries(state.root) where !entry.isDirectory && entry.name.hasPrefix(tempPrefix) {
            let pidText = entry.name.dropFirst(tempPrefix.count).prefix { $0 != "-" }
            guard let pid = pid_t(pidText), pid > 0, pid != getpid(), kill(pid, 0) != 0, errno == ESRCH else { continue }
            unlink(state.path(entry.name))
        }
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
                throw LPError(.stateLocked, code: "LP_STATE_LOCKED", "another process keeps rebuilding \(root)/index.sqlite")
            }
            usleep(10_000)
        }
        defer { flock(fd, LOCK_UN) }
        return try body()
    }
}
