import LPCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The exclusive writer lock of a state directory (`flock` on `<state>/.lock`). Readers never
/// take it. The kernel drops the lock when the holder dies, so a killed writer cannot wedge it.
/// Only a write transaction (`StateDirectory.write`) takes it.
final class StateLock {
    private let fd: Int32

    /// Waits up to `timeout` seconds for the lock, then fails with exit 17 (LP_STATE_LOCKED).
    /// The holder writes its pid into the lock file, so a second transaction opened by the same
    /// process (a nesting bug that would otherwise wait out the timeout) fails at once.
    init(stateRoot: String, timeout: Double) throws {
        try AtomicFile.makeDirectories(stateRoot)
        let path = stateRoot + "/.lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw AtomicFile.ioError("open", path) }
        let deadline = Date().addingTimeInterval(timeout)
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else {
                close(fd)
                throw AtomicFile.ioError("lock", path)
            }
            if Self.holder(fd) == getpid() {
                close(fd)
                throw LPError(.internalError, code: "LP_STATE_LOCK_NESTED",
                              "this process already holds the writer lock of \(stateRoot): a write transaction was opened inside another")
            }
            guard Date() < deadline else {
                close(fd)
                throw LPError(.stateLocked, code: "LP_STATE_LOCKED",
                              "state directory \(stateRoot) is locked by another writer; retry when it finishes")
            }
            usleep(10_000)
        }
        let pid = Array("\(getpid())\n".utf8)
        if ftruncate(fd, 0) == 0 { _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) } }
        self.fd = fd
    }

    /// The pid the current holder wrote, if any.
    private static func holder(_ fd: Int32) -> pid_t? {
        var buffer = [UInt8](repeating: 0, count: 16)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return nil }
        return pid_t(String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    deinit {
        _ = ftruncate(fd, 0)
        flock(fd, LOCK_UN)
        close(fd)
    }
}
