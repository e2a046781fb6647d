import LPCore
import LPState
import LPModel
import LPIndex
import LPApply
import LPStage
import Foundation

/// `POST /v1/deploy/run`: takes the app/env lease, publishes the pack's component when the
/// request names an OCI registry, and starts the run as a detached worker (a canary's pauses
/// outlive any HTTP request), answering 202 with where to poll.
/// `GET /v1/deployments/{id}/run`: the worker's final report, or 202 while it works.
enum RunHandlers {
    static func start(_ body: HTTPBody, tokenName: String, _ context: ServeContext) throws -> HTTPResponse {
        let members = try body.jsonObject(limit: 1 << 20)
        let state = StateDirectory(root: context.state)
        let id: String
        let execution: DeployExecution
        let target: ExecutionMetaLocal.Target
        do {
            id = try deploymentId(members, state: state)
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
        if let source = members["metrics_from"], source != JSON.null {
            if let refused = metricsSourceRefusal(source, withSnapshots: members["metrics"] != nil, context) { return refused }
            arguments.append("--metrics-from=" + (source.stringValue ?? ""))
        }
        let destination = try members["oci"].flatMap { $0 == JSON.null ? nil : try OCIDestination.parse($0) }
        if let destination, !(try OCIRegistries.load(state: context.state)).allows(destination.registry) {
            throw ServeError.registryNotAllowed(destination.registry)
        }
        // What the worker records in meta.ext.remote with the lease when the run ends.
        var record: [String: JSON] = [:]
        if let profile = members["target_profile"], profile != JSON.null { record["target_profile"] = try TargetProfileRecord.check(profile) }
        _ = try Lease.acquire(state: context.state, app: target.app_id, env: target.environment, execId: id,
                                      holderPid: getpid(), nowMs: context.nowMs)
        var diagnostics: [Diagnostic] = []
        if let destination {
            do {
                let published = try publish(destination, execution: execution, staging: staging, context)
                record["publish"] = try RemoteMeta.publish(published, nowMs: context.nowMs)
                diagnostics.append(Diagnostic(code: "LP_OCI_PUBLISHED", severity: .info, message: "published \(published.reference)",
                                              data: ["oci_ref": .string(published.reference), "tag": .string(published.tag),
                                                     "manifest_digest": try JSON(encoding: published.manifest),
                                                     "uploaded_blobs": .number(Double(published.uploadedBlobs))]))
            } catch let failure as OCIPublisher.Failure {
                Lease.release(state: context.state, app: target.app_id, env: target.environment, execId: id)
                let diagnostic = Diagnostic(code: "LP_RUNTIME_START_FAILED", message: "OCI publish failed: " + failure.message,
                                            data: ["cause": .string(failure.cause)])
                return HTTPResponse(body: HTTPResponse.report("deploy run", .stateLocked, [diagnostic], runId: execution.run_id,
                                                              result: ["op": "run", "ok": false]))
            } catch {
                Lease.release(state: context.state, app: target.app_id, env: target.environment, execId: id)
                throw error
            }
        }
        do {
            try RunFiles.prepare(context.state, id)
            if !record.isEmpty { _ = try AtomicFile.write(JSON.object(record).canonicalBytes, to: RunFiles.remote(context.state, id)) }
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
        return HTTPResponse(status: 202, body: HTTPResponse.report("deploy run", .ok, diagnostics + [started], runId: execution.run_id, result: result))
    }

    /// `deployment_id`, or `run_id`: the deployment accepted in that run (`--accepted-run`).
    static func deploymentId(_ members: [String: JSON], state: StateDirectory) throws -> String {
        let named = members["deployment_id"]?.stringValue
        if let named, !HTTPRequest.isPlainSegment(named) { throw ServeError.invalidRequest("deployment_id is a deployment id") }
        guard let run = members["run_id"]?.stringValue else {
            guard let named else { throw ServeError.invalidRequest("a run request needs \"deployment_id\" or \"run_id\" (the accept's run)") }
            return named
        }
        guard HTTPRequest.isPlainSegment(run) else { throw ServeError.invalidRequest("run_id is a run id") }
        guard let id = try? ExecutionInput.deploymentId(acceptedIn: run, state: state) else {
            throw LPError(.usage, code: "LP_DEPLOYMENT_NOT_FOUND", "no deployment was accepted in run \(run.prefix(128)) on this daemon")
        }
        if let named, named != id {
            throw LPError(.usage, code: "LP_USAGE", "deployment_id \(named) is not the deployment run \(run.prefix(128)) accepted (\(id))")
        }
        return id
    }

    /// `metrics_from` names a source of the daemon's (`deploy run --metrics-from`); an unknown one,
    /// or one with uploaded snapshots too, is refused before the lease (exit 2).
    static func metricsSourceRefusal(_ source: JSON, withSnapshots: Bool, _ context: ServeContext) -> HTTPResponse? {
        let code: String, message: String
        if let name = source.stringValue, MetricsSources.remote.contains(name) {
            guard withSnapshots else { return nil }
            (code, message) = ("LP_METRICS_SOURCE_CONFLICT", "metrics_from cannot be combined with uploaded metrics snapshots")
        } else {
            (code, message) = ("LP_METRICS_SOURCE_UNKNOWN",
                               "metrics_from \((source.stringValue ?? source.canonicalString).prefix(80)) is not a source of this daemon: "
                               + MetricsSources.remote.joined(separator: ", "))
        }
        let diagnostic = Diagnostic(code: code, stage: .parse, message: message)
        return HTTPResponse(status: 400, body: HTTPResponse.report("deploy run", .usage, [diagnostic],
                                                                   runId: Identifier.make(.run, parts: ["deploy run", code, String(context.nowMs)]),
                                                                   result: ["op": "run", "ok": false]))
    }

    /// The accepted pack's back-end component, pushed to the registry (trusting the request's CA
    /// bundle, written to the request's private staging directory, when it names one).
    static func publish(_ destination: OCIDestination, execution: DeployExecution, staging: Staging,
                        _ context: ServeContext) throws -> OCIPublisher.Published {
        let state = StateDirectory(root: context.state)
        let accepted = try AcceptedInputs.load(state: state, runId: execution.run_id)
        let layout = try PackLayout.from(manifest: BlobStore(state: state).readJSON(accepted.manifest))
        let bundle = try destination.caBundlePEM.map { try staging.file(text: $0, name: "oci-ca.pem") }
        return try OCIPublisher(destination, caBundlePath: bundle)
            .publish(componentPath: context.path(StateDirectory.blob(layout.backend.sha256)), component: layout.backend,
                     appId: accepted.appId, environment: accepted.environment)
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

/// A detached run's files: `<state>/.x07lpd/runs/<exec>.log` (its stderr), `.report.json` (its
/// final report, written atomically when it ends) and `.remote.json` (its target profile and OCI
/// publish, for `meta.ext.remote`).
enum RunFiles {
    static func directory(_ state: String) -> String { state + "/.x07lpd/runs" }
    static func log(_ state: String, _ id: String) -> String { directory(state) + "/" + id + ".log" }
    static func report(_ state: String, _ id: String) -> String { directory(state) + "/" + id + ".report.json" }
    /// What the worker records in `meta.ext.remote` (the client's target profile, the OCI publish).
    static func remote(_ state: String, _ id: String) -> String { directory(state) + "/" + id + ".remote.json" }

    /// A new run: the previous run's report and remote record (if any) go, the log is kept and appended to.
    static func prepare(_ state: String, _ id: String) throws {
        try AtomicFile.makeDirectories(directory(state))
        unlink(report(state, id))
        unlink(remote(state, id))
    }
}
