import LPCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Crash-safe file writes: the bytes go to a temp file in the target's directory, are fsync'ed and
/// renamed over the target. A reader (or a crash) sees either the old file or the new one, never a
/// torn one. A rename is durable once its directory is fsync'ed: `write` returns that directory,
/// and a write transaction syncs all the directories it touched in one batch at commit.
public enum AtomicFile {
    // MARK: file modes (docs/state.md#file-modes)

    /// Files of the state (records, blobs, meta, keys): owner read/write only.
    public static let privateFileMode: mode_t = 0o600
    /// Directories of the state, the state directory itself included: owner only.
    public static let privateDirectoryMode: mode_t = 0o700

    /// Writes `bytes` to `path` atomically; returns the directory whose fsync makes it durable.
    @discardableResult
    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t = privateFileMode) throws -> String {
        let directory = (path as NSString).deletingLastPathComponent
        try makeDirectories(directory)
        let temp = temporaryPath(for: path)
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw ioError("create", temp) }
        var ok = false
        defer {
            if !ok { unlink(temp) }
        }
        do {
            try writeAll(fd, bytes, path: temp)
            guard fsync(fd) == 0 else { throw ioError("fsync", temp) }
        } catch {
            close(fd)
            throw error
        }
        close(fd)
        guard rename(temp, path) == 0 else { throw ioError("rename", path) }
        ok = true
        return directory
    }

    /// Renames an already written and synced temp file into place (used by streamed blob writes);
    /// returns the directory to sync.
    @discardableResult
    public static func commit(temp: String, to path: String) throws -> String {
        let directory = (path as NSString).deletingLastPathComponent
        try makeDirectories(directory)
        // Streamed temp files may have been created with a wider mode: the state keeps 0600.
        guard chmod(temp, privateFileMode) == 0 else { throw ioError("chmod", temp) }
        guard rename(temp, path) == 0 else { throw ioError("rename", path) }
        return directory
    }

    public static func temporaryPath(for path: String) -> String {
        let directory = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        return "\(directory)/.\(name).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    }

    public static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws {
        try bytes.withUnsafeBytes { try writeAll(fd, $0, path: path) }
    }

    public static func writeAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer, path: String) throws {
        var offset = 0
        while offset < buffer.count {
            guard let base = buffer.baseAddress else { return }
            let n = Glibc.write(fd, base + offset, buffer.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw ioError("write", path)
            }
            offset += n
        }
    }

    /// `mkdir -p` with `mode` (default 0700) for every directory it creates; directories that
    /// already exist keep their mode.
    public static func makeDirectories(_ path: String, mode: mode_t = privateDirectoryMode) throws {
        var info = stat()
        if stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR { return }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty, parent != path { try makeDirectories(parent, mode: mode) }
        if mkdir(path, mode) != 0, errno != EEXIST {
            throw LPError(.usage, code: "LP_STATE_IO", "cannot create directory \(path): \(String(cString: strerror(errno)))")
        }
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
            throw LPError(.usage, code: "LP_STATE_IO", "cannot create directory \(path): a file of that name is in the way")
        }
    }

    public static func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }

    public static func ioError(_ operation: String, _ path: String) -> LPError {
        LPError(.usage, code: "LP_STATE_IO", "\(operation) \(path): \(String(cString: strerror(errno)))")
    }
}
