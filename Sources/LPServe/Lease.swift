import LPCore
import LPState
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One run at a time per app/env: `<state>/.x07lpd/leases/<app>__<env>.json`, read and written
/// (atomically) only under an exclusive flock of `<app>__<env>.lock`, so two requests can never
/// both see the environment free. A lease ends when its run releases it, when it expires (the run renews it while it
/// works), or when its holder process is gone, so a crashed run never blocks an environment.
public struct Lease: Codable, Sendable, Equatable {
    public var schema_version = "lp.deploy.lease@0.1.0"
    public var lock_id: String
    public var lease_holder: String
    public var holder_pid: Int32
    public var acquired_unix_ms: Int64
    public var lease_expires_unix_ms: Int64
    public var target_generation: Int

    public static let ttlMs: Int64 = 120_000

    static func key(app: String, env: String) -> String { app + "__" + env }

    static func path(state root: String, key: String) -> String { root + "/.x07lpd/leases/" + key + ".json" }

    static func nowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    var isLive: Bool { lease_expires_unix_ms > Self.nowMs() && Self.processExists(holder_pid) }

    /// A live process; a zombie (killed, not yet reaped by whoever adopted it) is gone.
    public static func processExists(_ pid: Int32) -> Bool {
        guard pid > 0, kill(pid, 0) == 0 || errno == EPERM else { return false }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return true }
        return !stat[close...].dropFirst().trimmingCharacters(in: .whitespaces).hasPrefix("Z")
    }

    /// Takes the lease for `execId`, or throws `leaseConflict` while a live one is held. A dead
    /// or expired lease is replaced.
    static func acquire(state root: String, app: String, env: String, execId: String, holderPid: Int32,
                        nowMs: Int64) throws -> Lease {
        let key = key(app: app, env: env)
        let path = path(state: root, key: key)
        let lease = Lease(lock_id: "lplock_" + execId, lease_holder: execId, holder_pid: holderPid, acquired_unix_ms: nowMs,
                          lease_expires_unix_ms: nowMs + ttlMs, target_generation: 0)
        return try locked(path) {
            if let held = read(path), held.isLive { throw ServeError.leaseConflict(key) }
            _ = try AtomicFile.write((try JSON(encoding: lease)).canonicalBytes + [0x0A], to: path)
            return lease
        }
    }

    /// `body` under the exclusive flock of the lease's lock file (waiting for it).
    static func locked<T>(_ path: String, _ body: () throws -> T) throws -> T {
        try AtomicFile.makeDirectories((path as NSString).deletingLastPathComponent)
        let lockPath = String(path.dropLast(".json".count)) + ".lock"
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw AtomicFile.ioError("open", lockPath) }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else { throw AtomicFile.ioError("lock", lockPath) }
        }
        return try body()
    }

    static func read(_ path: String) -> Lease? {
        guard let bytes = try? InputDocument.readFile(path, limit: 1 << 16) else { return nil }
        return try? JSONParser.parse(bytes).decode(Lease.self)
    }

    /// Moves the lease to the process that runs the deployment and pushes its expiry on.
    static func renew(state root: String, app: String, env: String, execId: String, holderPid: Int32, nowMs: Int64) throws {
        let path = path(state: root, key: key(app: app, env: env))
        try locked(path) {
            guard var lease = read(path), lease.lease_holder == execId else { return }
            lease.holder_pid = holderPid
            lease.lease_expires_unix_ms = nowMs + ttlMs
            _ = try AtomicFile.write((try JSON(encoding: lease)).canonicalBytes + [0x0A], to: path)
        }
    }

    /// Ends the lease if `execId` still holds it.
    static func release(state root: String, app: String, env: String, execId: String) {
        let path = path(state: root, key: key(app: app, env: env))
        try? locked(path) {
            if let lease = read(path), lease.lease_holder == execId { unlink(path) }
        }
    }
}
