import LPCore
import LPState
import LPModel
import LPIndex
import LPStage
import LPIncident
import Foundation

/// `lp-query deploy`: one deployment (by id, latest of an app/env, or the execution on stdin)
/// in one of five views, answered from the index.
enum DeployQueryCommand {
    static let command = StageCommand(
        words: ["deploy"],
        spec: CommandSpec(
            name: "lp-query deploy", reportCommand: "deploy query",
            summary: "query one deployment: summary, timeline, decisions, artifacts or full",
            usage: ["lp-query deploy --deployment-id ID [--view VIEW]",
                    "lp-query deploy --app-id APP --env ENV --latest [--view VIEW]",
                    "lp-apply ... | lp-query deploy --view summary"],
            options: selection + [
                OptionSpec("--view", value: "VIEW", "summary (default), timeline, decisions, artifacts or full"),
                OptionSpec("--limit", value: "N", "at most N linked incidents in the summary and full views (default 100, up to 10000)"),
                IndexAccess.option,
            ],
            examples: ["x07lp deploy query --deployment-id lpexec_... --view timeline --json",
                       "x07lp deploy query --app-id example.hello.web --env staging --latest --view full --limit 5"],
            exitCodes: [.ok, .usage, .invalidInput, .gateRejected, .sloRollback, .retryBudgetExhausted, .stateCorrupt],
            notes: ["A failed deployment piped in (rolled back, retry budget exhausted) is shown and its exit code (14, 15) passed on.",
                    "The summary and full views list the deployment's incidents, newest first, in linked_incidents."]),
        view: QueryViews.deployment, body: run)

    /// How a read view names its deployment (with stdin as the last resort).
    static let selection = [
        OptionSpec("--deployment-id", value: "ID", aliases: ["--deployment"], "the deployment"),
        OptionSpec("--app-id", value: "APP", "with --env: the app's latest deployment there"),
        OptionSpec("--env", value: "ENV", "the environment (with --app-id)"),
        OptionSpec("--latest", "pick the latest deployment of --app-id/--env (the default with --app-id)"),
        StageOptions.target,
    ]

    /// `lp-query status` (`x07lp deploy status`): the stored execution document of a deployment.
    static let status = StageCommand(
        words: ["status"],
        spec: CommandSpec(
            name: "lp-query status", reportCommand: "deploy status",
            summary: "the status of one deployment: its stored execution document (x07lp deploy status)",
            usage: ["lp-query status --deployment-id ID",
                    "lp-query status --app-id APP --env ENV [--latest]",
                    "lp-apply ... | lp-query status"],
            options: selection + [
                IndexAccess.option,
                OptionSpec("--watch", "show it again as it moves until it ends; exit with its outcome's code (0, 14, 15, ...)"),
                OptionSpec("--watch-interval-ms", value: "MS", "with --watch: how often to look (default 1000)"),
            ],
            examples: ["x07lp deploy status --deployment-id lpexec_... --json | jq .result.deployment.status",
                       "x07lp deploy status --app-id example.hello.web --env staging",
                       "x07lp deploy status --deployment-id lpexec_... --watch"],
            exitCodes: [.ok, .usage, .invalidInput, .gateRejected, .sloRollback, .retryBudgetExhausted, .stateCorrupt],
            notes: ["Prints {deployment_id, resolution, index, deployment, listener}: `deployment` is the lp.deploy.execution@0.1.0",
                    "as stored (deploy/<id>.json); a rolled-back deployment adds slo_violations (indicator, observed, objective).",
                    "A failed deployment piped in is shown and its exit code (14, 15) passed on.",
                    "listener: {address, up, detail}: whether x07lp serve answers for this deployment on its public_listener now."]),
        view: ExecutionView.view, body: runStatus)

    /// The revisions the deployment's router state has in its slots (none without one).
    static func servedRevisions(_ state: StateDirectory, _ execId: String) -> Set<String> {
        guard let router = try? RouterState.load(state: state, execId: execId) else { return [] }
        return Set(Slot.allCases.compactMap { router[$0].revision_digest?.sha256 })
    }

    static func runStatus(_ ctx: StageContext) throws -> StageOutput {
        let watching = ctx.arguments.has("--watch")
        if watching, ctx.arguments.value("--deployment-id") == nil, ctx.arguments.value("--app-id") == nil {
            throw LPError(.usage, code: "LP_USAGE", "--watch needs the deployment named: --deployment-id ID or --app-id APP --env ENV")
        }
        let piped = watching ? nil : try PipedExecution.read(ctx)
        let access = try IndexAccess(ctx)
        let (row, resolution) = try resolve(ctx, index: access.index, piped: piped?.exec_id)
        let execution = try ctx.state.readJSON(StateDirectory.execution(row.exec_id))
        var result: JSON = ["deployment_id": .string(row.exec_id), "resolution": resolution, "index": access.block,
                            "deployment": execution,
                            "listener": ListenerCheck.json(execution["meta"]?["public_listener"]?.stringValue,
                                                           revisions: servedRevisions(ctx.state, row.exec_id))]
        // A rolled-back deployment says why: the violated indicators of its last analysis.
        let violations = SLOViolation.of(execution: execution, state: ctx.state)
        if !violations.isEmpty { result = result.setting("slo_violations", .array(violations.map(\.json))) }
        var output = StageOutput(result: result, diagnostics: access.notes, runId: row.run_id)
        PipedExecution.passOn(piped, to: &output)
        if watching, let deployment = try? execution.decode(DeployExecution.self) {
            // Watched: done once the deployment has ended, with the code its run ended with.
            output.settled = !deployment.status.isLive
            if output.settled, let code = PipedExecution.failureExitCode(deployment) {
                output.exitCode = code
                let ending: RunEnding = code == .sloRollback ? .rolledBack : .retryExhausted
                output.diagnostics.append(Diagnostic(code: ending.diagnosticCode ?? "LP_UPSTREAM_FAILED",
                                                     message: "deployment \(deployment.exec_id) ended \(deployment.localMeta?.outcome.rawValue ?? "failed")"
                                                        + (SLOViolation.summary(violations).map { ": " + $0 } ?? "")))
            }
        }
        return output
    }

    static func run(_ ctx: StageContext) throws -> StageOutput {
        guard let view = DeployViews.View(rawValue: ctx.arguments.value("--view") ?? "summary") else {
            throw LPError(.usage, code: "LP_USAGE", "--view is one of \(DeployViews.View.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let limit = Int(try ctx.arguments.integer("--limit", range: 1...10_000) ?? 100)
        let piped = try PipedExecution.read(ctx)
        let access = try IndexAccess(ctx)
        let (row, resolution) = try resolve(ctx, index: access.index, piped: piped?.exec_id)
        let views = DeployViews(row: row, resolution: resolution, indexBlock: access.block, signatures: ViewSignatures(ctx))
        var result = views.header
        result["view"] = .string(view.rawValue)
        let index = access.index
        if view == .summary || view == .full {
            result.merge(views.summary) { _, new in new }
            result["linked_incidents"] = DeployViews.linkedIncidents(try index.incidents(deploymentId: row.exec_id, limit: limit))
        }
        if view == .timeline || view == .full { result["steps"] = DeployViews.steps(try index.steps(execId: row.exec_id)) }
        if view == .decisions || view == .full {
            result["decisions"] = DeployViews.decisions(DeployViews.ownDecisions(try index.decisions(execId: row.exec_id))) {
                describe($0, ctx.state)
            }
        }
        if view == .artifacts || view == .full {
            result["artifacts"] = DeployViews.artifacts(try index.artifacts(execId: row.exec_id) + records(of: row, index: index))
        }
        if view == .full { result["execution"] = try ctx.state.readJSON(StateDirectory.execution(row.exec_id)) }
        var output = StageOutput(result: .object(result), diagnostics: access.notes, runId: row.run_id)
        PipedExecution.passOn(piped, to: &output)
        return output
    }

    /// The execution row and how it was found.
    static func resolve(_ ctx: StageContext, index: StateIndex, piped: String?) throws -> (ExecutionRow, JSON) {
        let args = ctx.arguments
        if let app = args.value("--app-id") {
            guard let env = args.value("--env"), args.has("--latest") || args.value("--deployment-id") == nil else {
                throw LPError(.usage, code: "LP_USAGE", "--app-id needs --env (and --latest): lp-query deploy --app-id A --env E --latest")
            }
            guard let row = try index.latestExecution(appId: app, environment: env) else {
                throw LPError(.usage, code: "LP_NOT_FOUND", "no deployment of \(app) in \(env)")
            }
            return (row, ["by": "latest", "requested_target": ["app_id": .string(app), "environment": .string(env)]])
        }
        guard let id = args.value("--deployment-id") ?? piped else {
            throw LPError(.usage, code: "LP_USAGE", "name the deployment: --deployment-id ID, or pipe its execution into stdin")
        }
        guard let row = try index.execution(id: id) else {
            throw LPError(.usage, code: "LP_NOT_FOUND", "no deployment \(id) in \(ctx.state.root)")
        }
        return (row, ["by": "deployment_id", "requested_deployment_id": .string(id)])
    }

    /// The execution record itself and its latest decision, listed with the stored artifacts.
    static func records(of row: ExecutionRow, index: StateIndex) throws -> [ArtifactRow] {
        var rows = [ArtifactRow(role: "deploy_execution", ord: 0, kind: DeployExecution.schemaVersion, digest: row.record,
                                media_type: "application/json", logical_name: "deploy.execution", store_uri: row.store_uri)]
        if let id = row.latest_decision_id, let decision = try index.decision(id: id) {
            rows.append(ArtifactRow(role: "decision_record", ord: 0, kind: DecisionRecord.schemaVersion, digest: decision.record,
                                    media_type: "application/json", logical_name: "decision.record", store_uri: decision.store_uri))
        }
        return rows
    }

    /// Media type and logical name of a stored blob, from its meta record.
    static func describe(_ digest: DigestRef, _ state: StateDirectory) -> (mediaType: String, logicalName: String?) {
        let meta = try? state.readJSON(StateDirectory.blobMeta(digest.sha256))
        return (meta?["media_type"]?.stringValue ?? "application/json", meta?["logical_name"]?.stringValue)
    }
}
