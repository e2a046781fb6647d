import Foundation

/// How deploy stages get the execution they work on: `--deployment-id X`, or the execution
/// document an upstream stage printed (stdin / `--in`), or its `--report` envelope. Either way the stored
/// `deploy/<exec_id>.json` is the source of truth; the piped document only names it.
/// A failed upstream document is refused with the upstream's exit code.
public enum ExecutionInput {
    public static func load(_ ctx: StageContext, catalog: ContractCatalog) throws -> (DeployExecution, JSON) {
        let execId: String
        if let id = ctx.arguments.value("--deployment-id") {
            execId = id
        } else {
            let input = try ctx.readInput()
            try refuseFailedUpstream(input.json, source: input.source)
            if input.json["schema_version"] == "lp.cli.report@0.1.0" {
                // An upstream `--report` that succeeded names the deployment in its result.
                guard let id = input.json["result"]?["exec_id"]?.stringValue ?? input.json["result"]?["deployment_id"]?.stringValue else {
                    throw LPError(.invalidInput, code: "LP_UPSTREAM_UNKNOWN", "\(input.source): the report names no deployment", stage: .parse)
                }
                execId = id
            } else {
                try catalog.validate(input.json, as: DeployExecution.schemaVersion, source: input.source)
                execId = input.json["exec_id"]?.stringValue ?? ""
            }
        }
        try StateDirectory.checkComponent(execId, what: "deployment id")
        let relative = StateDirectory.execution(execId)
        guard ctx.state.exists(relative) else {
            throw LPError(.usage, code: "LP_NOT_FOUND", "no deployment \(execId) in \(ctx.state.root)")
        }
        let json = try ctx.state.readJSON(relative)
        do {
            return (try json.decode(DeployExecution.self), json)
        } catch {
            throw LPError(.stateCorrupt, code: "LP_STATE_CORRUPT", "\(ctx.state.path(relative)) is not an lp.deploy.execution: \(error)")
        }
    }

    /// The exit code lp-apply ended a failed deployment with, read back from the execution: an SLO
    /// (or manual) rollback 14, an exhausted retry budget 15; nil when it did not fail. Read views
    /// given such a deployment on stdin print it and pass this code on, so a plain pipe without
    /// `pipefail` still ends with it.
    public static func failureExitCode(_ execution: DeployExecution) -> ExitCode? {
        guard execution.status == "failed" else { return nil }
        switch ExecutionMetaLocal.of(execution)?.outcome {
        case "rolled_back"?: return .sloRollback
        case "failed"?: return .retryBudgetExhausted
        default: return nil
        }
    }

    /// A diagnostic for a read view that passes a failed deployment's exit code on.
    public static func passedOn(_ execution: DeployExecution, _ code: ExitCode) -> Diagnostic {
        Diagnostic(code: "LP_UPSTREAM_FAILED",
                   message: "deployment \(execution.exec_id) ended \(ExecutionMetaLocal.of(execution)?.outcome ?? execution.status) "
                       + "(exit \(code.rawValue)); the view is printed and the exit code passed on")
    }

    /// An upstream report with `ok: false`, or an execution that intake rejected, stops here.
    public static func refuseFailedUpstream(_ document: JSON, source: String) throws {
        if document["schema_version"] == "lp.cli.report@0.1.0", document["ok"] == false {
            let code = document["exit_code"]?.intValue.flatMap { Int32(exactly: $0) }.flatMap(ExitCode.init(rawValue:)) ?? .invalidInput
            throw LPError(code, code: "LP_UPSTREAM_FAILED", "\(source): the upstream stage failed (exit \(code.rawValue)); fix that first")
        }
        if document["schema_version"] == .string(DeployExecution.schemaVersion), document["status"] == "failed",
           document["meta"]?["outcome"] == "rejected" {
            throw LPError(.gateRejected, code: "LP_UPSTREAM_FAILED",
                          "\(source): intake rejected deployment \(document["exec_id"]?.stringValue ?? "?"); nothing to plan or run")
        }
    }
}
