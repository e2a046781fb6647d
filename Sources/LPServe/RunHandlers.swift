import LPCore
import LPState
import LPModel
import LPIndex
import Foundation

/// `POST /v1/deploy/run`: takes the app/env lease and starts the run as a detached worker (a
/// canary's pauses outlive any HTTP request), answering 202 with where to poll.
/// `GET /v1/deployments/{id}/run`: the worker's final report, or 202 while it works.
enum RunHandlers {
    static func start(_ body: HTTPBody, tokenName: String, _ context: ServeContext) throws -> HTTPResponse {
        let members = try body.jsonObject(limit: 1 << 20)
        guard let id = members["deployment_id"]?.stringValue, HTTPRequest.isPlainSegment(id) else {
            throw ServeError.invalidRequest("a run request needs \"deployment_id\" (a deployment id)")
        }
        let state = StateDirectory(root: context.state)
        let execution: DeployExecution
        let target: ExecutionMetaLocal.Target
        do {
            execution = try ExecutionStore(state: state).load(id)
            target = try ExecutionMetaLocal.current(of: execution, state: state, nowUnixMs: context.nowMs).target
        } catch let error as LPError {
            return HTTPResponse(body: failedReport("deploy run", error, context))
        }
        var arguments = ["--deployment-id", id]
        let staging = try Staging(context)
        if case .array(let metrics)? = members["metrics"] {
            guard metrics.count <= 64 else { throw ServeError.invalidRequest("at most 64 metrics snapshots") }
            for (index, ref) in metrics.enumerated() {
                guard let text = ref.stringValue else { throw ServeError.invalidRequest("metrics are sha256 references") }
                arguments.append("--metrics=" + (try staging.blobPath(text, member: "metrics[\(index)]")))
            }
        }
        if let scale = members["pause_scale"] {
            guard let value = scale.doubleValue, value >= 0, value <= 100 else {
                throw ServeError.invalidRequest("pause_scale is a number from 0 to 100")
            }
            arguments.append("--pause-scale=\(value)")
        }
        if let budget = members["retry_budget"] {
            guard let n = budget.intValue, (1...10).contains(n) else { throw ServeError.invalidRequest("retry_budget is 1 to 10") }
            arguments.append("--retry-budget=\(n)")
        }
        _ = try Lease.acquire(state: context.state, app: target.app_id, env: target.environment, execId: id,
                                      holderPid: getpid(), nowMs: context.nowMs)
        do {
            try RunFiles.prepare(context.state, id)
            let pid = try startWorker(context.serveBinary,
                                                ["run-worker", "--state-dir", context.state, "--deployment-id", id,
                                                 "--app-id", target.app_id, "--env", target.environment, "--token-name", tokenName,
                                                 "--"] + arguments,
                                                environment: context.environment, log: RunFiles.log(context.state, id))
            try Lease.renew(state: context.state, app: target.app_id, env: target.environment, execId: id, holderPid: pid,
                            nowMs: context.nowMs)
        } catch {
            Lease.release(state: context.state, app: target.app_id, env: target.environment, execId: id)
            throw error
        }
        let started = Diagnostic(code: "LP_DEPLOY_RUN_STARTED", severity: .info, message: "the run goes on in the background",
                                 data: ["status": .string("/v1/deployments/\(id)"), "run_report": .string("/v1/deployments/\(id)/run")])
        let result: JSON = ["schema_version": "lp.deploy.remote.result@0.1.0", "target": .string(Capabilities.serverId),
                            "op": "run", "ok": true, "run_id": .string(execution.run_id), "deployment_id": .string(id),
                            "decision_ids": [], "artifacts_written": []]
        return HTTPResponse(status: 202, body: HTTPResponse.report("deploy run", .ok, [started], runId: execution.run_id, result: result))
    }

    /// The worker outlives the CGI request (its own session, no descriptor of ours).
    static func startWorker(_ binary: String, _ arguments: [String], environment: [String: String], log: String) throws -> Int32 {
        do { return try ChildProcess.start(binary, arguments, environment: environment, log: log) } catch let error as ChildProcess.SpawnError {
            throw ServeError.internalError("cannot start the run worker: \(String(cString: strerror(error.errno)))")
        }
    }

    static func report(_ id: String, _ context: ServeContext) throws -> HTTPResponse {
        if let bytes = try? InputDocument.readFile(RunFiles.report(context.state, id), limit: ServeLimits.maxJSONBodyBytes),
           let report = try? JSONParser.parse(bytes) {
            return HTTPResponse(body: report)
        }
        guard FileManager.default.fileExists(atPath: RunFiles.log(context.state, id)) else { throw ServeError.notFound }
        let working = Diagnostic(code: "LP_DEPLOY_RUN_IN_PROGRESS", severity: .info, message: "the run has not ended yet")
        return HTTPResponse(status: 202, body: HTTPResponse.report("deploy run", .ok, [working],
                                                                   runId: Identifier.make(.run, parts: ["deploy run", id]),
                                                                   result: ["deployment_id": .string(id), "ended": false]))
    }

    static func failedReport(_ command: String, _ error: LPError, _ context: ServeContext) -> JSON {
        HTTPResponse.report(command, error.exitCode, error.reportDiagnostics,
                            runId: Identifier.make(.run, parts: [command, String(context.nowMs)]), result: [:])
    }
}

/// A detached run's files: `<state>/.x07lpd/runs/<exec>.log` (its stderr) and `.report.json`
/// (its final report, written atomically when it ends).
enum RunFiles {
    static func directory(_ state: String) -> String { state + "/.x07lpd/runs" }
    static func log(_ state: String, _ id: String) -> String { directory(state) + "/" + id + ".log" }
    static func report(_ state: String, _ id: String) -> String { directory(state) + "/" + id + ".report.json" }

    /// A new run: the previous run's report (if any) goes, the log is kept and appended to.
    static func prepare(_ state: String, _ id: String) throws {
        try AtomicFile.makeDirectories(directory(state))
        unlink(report(state, id))
    }
}
