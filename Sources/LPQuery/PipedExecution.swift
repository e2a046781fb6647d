import LPCore
import LPState
import LPModel
import LPIndex
import LPStage
import LPIncident

/// A read view at the end of a deploy pipe (`lp-apply ... | lp-query deploy`): the execution on
/// stdin names the deployment, and when that deployment ended badly the view is still printed but
/// its exit code is passed on, so a plain pipe without `pipefail` ends with it too.
enum PipedExecution {
    /// The execution on stdin when no flag names the target. Read before the index is opened: in
    /// a live pipe the upstream stages are still writing the state until their output is complete.
    static func read(_ ctx: StageContext) throws -> DeployExecution? {
        guard ctx.arguments.value("--app-id") == nil, ctx.arguments.value("--deployment-id") == nil else { return nil }
        return try ExecutionInput.load(ctx, catalog: try ContractCatalog.locate(environment: ctx.environment))
    }

    /// The code lp-apply ended a failed deployment with: a rollback (SLO or manual) 14, an
    /// exhausted retry budget 15; nil when it did not fail or has not ended.
    static func failureExitCode(_ execution: DeployExecution) -> ExitCode? {
        guard !execution.status.isLive else { return nil }
        return execution.localMeta?.outcome.failureExitCode
    }

    /// Gives `output` the failed deployment's exit code, with a diagnostic saying so.
    static func passOn(_ execution: DeployExecution?, to output: inout StageOutput) {
        guard let execution, let code = failureExitCode(execution) else { return }
        output.exitCode = code
        output.diagnostics = [Diagnostic(
            code: "LP_UPSTREAM_FAILED",
            message: "deployment \(execution.exec_id) ended \(execution.localMeta?.outcome.rawValue ?? execution.status.rawValue) "
                + "(exit \(code.rawValue)); the view is printed and the exit code passed on")]
    }
}
