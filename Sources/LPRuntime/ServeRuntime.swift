import LPCore
import LPState
import LPModel
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The serving runtime of one state directory: an nginx (own prefix, pid file and logs under
/// `ServeLayout`) whose configuration is rendered from the router state. `refresh` rewrites it
/// after every router change and reloads nginx: old workers finish their requests while new ones
/// take the new weights, so no connection is dropped.
public struct ServeRuntime: Sendable {
    public let layout: ServeLayout

    public init(state: StateDirectory) { layout = ServeLayout(state: state) }

    /// The nginx master's pid, when it runs.
    public var pid: Int32? { Self.pid(in: layout.pidFile) }

    /// The pid a pid file names, when that process runs.
    static func pid(in file: String) -> Int32? {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8),
              let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0, ProcessTable.isRunning(pid) else { return nil }
        return pid
    }

    public var isRunning: Bool { pid != nil }

    /// Writes the configuration and starts nginx (a no-op for the process when it already runs:
    /// the configuration is then reloaded), and the back-end supervisor: `supervisor` is the
    /// program that runs it (`lp-apply`, which takes `backend-supervisor --state-dir S`).
    @discardableResult
    public func start(supervisor: String) throws -> ServeStatus {
        if isRunning {
            try startSupervisor(supervisor)
            return try refresh()
        }
        try layout.checkPaths()
        try layout.makeDirectories()
        let status = try writeConfiguration()
        let log = layout.logs + "/nginx-start.log"
        let (code, output) = try tool(try Self.nginx(), arguments, log: log)
        for _ in 0..<100 where pid == nil { usleep(20_000) }
        guard code == 0, isRunning else {
            throw LPError(.internalError, code: "LP_SERVE_START_FAILED", "nginx did not start: \(output.suffix(400))")
        }
        try startSupervisor(supervisor)
        trees.prune(keeping: status.revisions)
        return status.running(pid)
    }

    private var trees: ServeTrees { ServeTrees(layout: layout) }

    /// Starts the back-end supervisor unless it runs; its pid file is written here, before it
    /// looks (it ends when the file does not name it).
    private func startSupervisor(_ program: String) throws {
        guard Self.pid(in: layout.supervisorPidFile) == nil else { return }
        endOrphanedBackends()
        let environment = ProcessInfo.processInfo.environment.filter { ["PATH", "HOME", "X07LP_WASMTIME"].contains($0.key) }
        let pid: pid_t
        do {
            pid = try ChildProcess.start(program, ["backend-supervisor", "--state-dir", layout.state.root], environment: environment,
                                         log: layout.logs + "/backends.log")
        } catch let error as ChildProcess.SpawnError {
            throw LPError(.internalError, code: "LP_SERVE_START_FAILED", error.description)
        }
        _ = try AtomicFile.write(Array("\(pid)\n".utf8), to: layout.supervisorPidFile)
    }

    /// The back ends of a supervisor that died without ending them (SIGKILL): it led its own
    /// process group, which they are still in, and Linux hands out no pid that still names a
    /// group, so the group of the pid file's dead pid is exactly those back ends.
    private func endOrphanedBackends() {
        guard let text = try? String(contentsOfFile: layout.supervisorPidFile, encoding: .utf8),
              let stale = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), stale > 1, !ProcessTable.isRunning(stale) else { return }
        kill(-stale, SIGTERM)
        for _ in 0..<100 where kill(-stale, 0) == 0 { usleep(20_000) }
        kill(-stale, SIGKILL)
    }

    /// Stops the back ends (their supervisor ends them), then nginx (fast shutdown, then SIGKILL
    /// after 5 s). Not running is fine.
    @discardableResult
    public func stop() throws -> ServeStatus {
        if let supervisor = Self.pid(in: layout.supervisorPidFile) {
            kill(supervisor, SIGTERM)
            ProcessTable.waitForExit([supervisor], milliseconds: 5_000)
            // Whatever of its group is left (all of it, when it was a zombie already): an empty
            // group is no target, and its id is not handed out while it has members.
            kill(-supervisor, SIGKILL)
        } else {
            endOrphanedBackends()
        }
        unlink(layout.supervisorPidFile)
        if let pid {
            let workers = ProcessTable.children(of: pid)
            kill(pid, SIGTERM)
            if !ProcessTable.waitForExit([pid], milliseconds: 5_000) { kill(pid, SIGKILL) }
            // A master that had to be killed leaves its workers holding the listener ports (the
            // next start on them would fail to bind): they go too, and stop returns once they have.
            let left = workers.filter(ProcessTable.isRunning)
            left.forEach { kill($0, SIGKILL) }
            ProcessTable.waitForExit(left, milliseconds: 1_000)
            unlink(layout.pidFile)
        }
        return ServeStatus(layout: layout, running: nil)
    }

    public func status() -> ServeStatus { ServeStatus(layout: layout, running: pid) }

    /// After a router change: rewrites the configuration and reloads nginx, waiting until the
    /// workers of the previous configuration are gone. Does nothing when nginx is not running.
    /// `pending` is a router state about to be committed (a candidate leaving service must stop
    /// receiving requests before its tree goes). Refreshes are serialised by a lock file, so an
    /// older rendering never lands after a newer one.
    @discardableResult
    public func refresh(pending: RouterState? = nil) throws -> ServeStatus {
        guard let master = pid else { return status() }
        let lock = open(layout.directory + "/run/refresh.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard lock >= 0 else { throw AtomicFile.ioError("open", layout.directory + "/run/refresh.lock") }
        defer { close(lock) }
        while flock(lock, LOCK_EX) != 0 && errno == EINTR {}
        let status = try writeConfiguration(pending: pending)
        let old = ProcessTable.children(of: master)
        kill(master, SIGHUP)
        // New workers mean nginx took the configuration (it keeps the old one when, say, a
        // port is taken); the old workers' exit means no request is routed by the old weights.
        var reloaded = false
        var drained = false
        for _ in 0..<250 {
            let children = ProcessTable.children(of: master)
            reloaded = reloaded || !children.subtracting(old).isEmpty
            drained = reloaded && children.isDisjoint(with: old)
            if drained { break }
            usleep(20_000)
        }
        guard reloaded else {
            throw LPError(.internalError, code: "LP_SERVE_RELOAD_FAILED",
                          "nginx kept its previous configuration (a listener port may be taken); see \(layout.logs)/error.log")
        }
        // Once no worker of the previous configuration is left, the trees it alone served can go
        // (old workers still finishing long requests keep them until a later refresh).
        if drained { trees.prune(keeping: status.revisions) }
        return status.running(master)
    }

    /// Renders, checks (`nginx -t`) and atomically installs `nginx.conf` and `route.js`.
    private func writeConfiguration(pending: RouterState? = nil) throws -> ServeStatus {
        let (served, skipped) = ServedDeployment.all(state: layout.state, pending: pending)
        var headers: [String: JSON] = [:]
        for deployment in served {
            for (slot, view) in [(Slot.stable, deployment.stable), (.candidate, deployment.candidate)] {
                guard let view else { continue }
                try trees.ensure(view.revision, from: layout.state.path(StateDirectory.runtimeSlot(deployment.execId, slot.rawValue)))
                let manifest = trees.root + "/\(view.revision)/_backend/app.pack.json"
                headers[view.revision] = (try? JSONParser.parse([UInt8](FileManager.default.contents(atPath: manifest) ?? Data())))
                    .map(PackHeaders.of) ?? [:]
            }
        }
        _ = try AtomicFile.write(JSON.object(headers).canonicalBytes, to: layout.headersFile)
        let text = NginxServeConfig.render(layout, served, token: try layout.token())
        _ = try AtomicFile.write(Array(RouteScript.text.utf8), to: layout.script)
        let candidate = layout.nginxConf + ".next"
        _ = try AtomicFile.write(Array(text.utf8), to: candidate)
        let (code, output) = try tool(try Self.nginx(), ["-p", layout.directory, "-c", candidate, "-e", layout.logs + "/error.log", "-t", "-q"],
                                     log: layout.logs + "/nginx-test.log")
        guard code == 0 else {
            throw LPError(.internalError, code: "LP_SERVE_CONFIG_INVALID", "nginx refused the configuration: \(output.suffix(600))")
        }
        guard Glibc.rename(candidate, layout.nginxConf) == 0 else { throw AtomicFile.ioError("rename \(candidate) to", layout.nginxConf) }
        return ServeStatus(layout: layout, running: nil, served: served, skipped: skipped)
    }

    private var arguments: [String] { ["-p", layout.directory, "-c", layout.nginxConf, "-e", layout.logs + "/error.log"] }

    static func nginx() throws -> String {
        for path in ["/usr/sbin/nginx", "/usr/local/sbin/nginx"] where access(path, X_OK) == 0 {
            guard access(NginxServeConfig.jsModule, R_OK) == 0 else {
                throw LPError(.usage, code: "LP_SERVE_DEPENDENCY_MISSING",
                              "\(NginxServeConfig.jsModule) is missing (Debian: apt-get install libnginx-mod-http-js)")
            }
            return path
        }
        throw LPError(.usage, code: "LP_SERVE_DEPENDENCY_MISSING", "nginx is not installed (Debian: apt-get install nginx libnginx-mod-http-js)")
    }
}
