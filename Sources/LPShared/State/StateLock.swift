import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The exclusive writer lock of a state directory (`flock` on `<state>/.lock`). Readers never
/// take it. The kernel drops the lock when the holder dies, so a killed writer cannot wedge it.
public final class StateLock {
    private let fd: Int32

    /// Waits up to `timeout` seconds for the lock, then fails with exit 17 (LP_STATE_LOCKED).
    /// Holding it, the state's query index (if there is one) is attached for incremental updates.
    public init(stateRoot: String, timeout: Double) throws {
        try AtomicFile.makeDirectories(stateRoot)
        let path = stateRoot + "/.lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw AtomicFile.ioError("open", path) }
        let deadline = Date().addingTimeInterval(timeout)
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR, Date() < deadline else {
                close(fd)
                throw LPError(.stateLocked, code: "LP_STATE_LOCKED",
                              "state directory \(stateRoot) is locked by another writer; retry when it finishes")
            }
            usleep(10_000)
        }
        self.fd = fd
        IndexMaintenance.attach(StateDirectory(root: stateRoot))
    }

    deinit {
        AtomicFile.syncDirtyDirectories()
        flock(fd, LOCK_UN)
        close(fd)
    }
}
