import LPCore
import LPState
import LPVerbs
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `lp-serve run-worker`: the detached half of `POST /v1/deploy/run`. It holds the app/env
/// lease (renewing it while the canary runs), runs `deploy run` in-process, writes the final
/// report next to its log, records the lease (with the target profile and OCI publish) in the execution's remote
/// meta, and lets go.
enum RunWorker {
    struct Options {
        var state: String
        var deployment: String
        var app: String
        var env: String
        var tokenName: String
        var runArguments: [String]
    }

    static func parse(_ argv: [String]) -> Options? {
        var values: [String: String] = [:]
        var index = 0
        while index + 1 < argv.count, argv[index] != "--" {
            values[argv[index]] = argv[index + 1]
            index += 2
        }
        guard index < argv.count, argv[index] == "--", let state = values["--state-dir"], let id = values["--deployment-id"],
              let app = values["--app-id"], let env = values["--env"] else { return nil }
        return Options(state: state, deployment: id, app: app, env: env, tokenName: values["--token-name"] ?? "-",
                       runArguments: Array(argv[(index + 1)...]))
    }

    static func main(_ argv: [String]) -> Int32 {
        guard let options = parse(argv) else {
            FileHandle.standardError.write(Data("lp-serve run-worker: error[LP_USAGE]: started by lp-serve only\n".utf8))
            return ExitCode.usage.rawValue
        }
        let environment = ProcessInfo.processInfo.environment
        let renewal = DispatchSource.makeTimerSource(queue: .global())
        renewal.schedule(deadline: .now(), repeating: .seconds(Int(Lease.ttlMs / 4000)))
        renewal.setEventHandler {
            try? Lease.renew(state: options.state, app: options.app, env: options.env, execId: options.deployment,
                             holderPid: getpid(), nowMs: Int64(Date().timeIntervalSince1970 * 1000))
        }
        renewal.resume()
        log("run of \(options.deployment) started")
        let result = VerbRunner.run(["deploy", "run"], options.runArguments + ["--state-dir", options.state], environment: environment)
        renewal.cancel()
        let reportPath = RunFiles.report(options.state, options.deployment)
        _ = try? AtomicFile.write(result.report.canonicalBytes + [0x0A], to: reportPath)
        let lease = Lease.read(Lease.path(state: options.state, key: Lease.key(app: options.app, env: options.env)))
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        if let lease, lease.lease_holder == options.deployment {
            do {
                let members = (try? InputDocument.readFile(RunFiles.remote(options.state, options.deployment), limit: 1 << 20))
                    .flatMap { try? JSONParser.parse($0) }?.objectValue ?? [:]
                try RemoteMeta.record(state: options.state, execId: options.deployment, lease: lease, tokenName: options.tokenName,
                                      releasedMs: now, members: members)
            } catch {
                log("could not record the lease in the execution: \(error)")
            }
        }
        Lease.release(state: options.state, app: options.app, env: options.env, execId: options.deployment)
        // A rollback captures an incident: its remote meta too.
        RemoteIncidentMeta.materialize(state: options.state, deploymentId: options.deployment)
        let codes = (result.report["diagnostics"]?.arrayValue ?? []).compactMap { $0["code"]?.stringValue }
        log("run of \(options.deployment) ended: exit \(result.exitCode.rawValue) \(codes.joined(separator: " "))")
        return result.exitCode.rawValue
    }

    /// One line on stderr (the run's log): time, level, message. Never a request value.
    static func log(_ message: String) {
        let line = "\(Int64(Date().timeIntervalSince1970 * 1000)) info \(message)\n"
        FileHandle.standardError.write(Data(line.utf8))
    }
}
