import LPCore
import LPState
import LPModel
import LPIndex
import LPStage

/// The deployment an incident is linked to, and what the incident records about it: its run,
/// its latest decision and signature status, the accepted pack, and the routing at capture time.
struct DeploymentLink {
    var execId: String
    var runId: String
    var appId: String
    var environment: String
    var latestDecisionId: String?
    var signatureStatus: RecordedSignatureStatus
    var packDigest: DigestRef?
    var candidateWeightPct: Int?
    var startedUnixMs: Int64?
    var status: ExecutionStatus

    /// From `--deployment-id`, `--app-id/--env` (the latest deployment there), or the
    /// deployment a piped document named.
    static func resolve(_ ctx: StageContext, deploymentId piped: String?) throws -> DeploymentLink {
        let args = ctx.arguments
        var execId = args.value("--deployment-id") ?? piped
        if let given = args.value("--deployment-id"), let piped, given != piped {
            throw LPError(.usage, code: "LP_USAGE", "--deployment-id \(given) disagrees with the piped deployment \(piped)")
        }
        if let app = args.value("--app-id") {
            guard let env = args.value("--env") else {
                throw LPError(.usage, code: "LP_USAGE", "--app-id needs --env: lp-incident capture --app-id \(app) --env staging ...")
            }
            if execId == nil {
                let (index, _) = try StateIndex.open(state: ctx.state)
                guard let row = try index.latestExecution(appId: app, environment: env) else {
                    throw LPError(.usage, code: "LP_NOT_FOUND",
                                  "no deployment of \(app) in \(env) to link the incident to; deploy first or pass --deployment-id")
                }
                execId = row.exec_id
            }
        }
        guard let execId else {
            throw LPError(.usage, code: "LP_USAGE",
                          "name the deployment: --deployment-id ID, or --app-id APP --env ENV, or pipe its execution into stdin")
        }
        let execution = try ExecutionStore(state: ctx.state).load(execId)
        let accepted = try AcceptedInputs.load(state: ctx.state, runId: execution.run_id)
        let meta = execution.localMeta
        if let app = args.value("--app-id"), let env = args.value("--env"), app != accepted.appId || env != accepted.environment {
            throw LPError(.usage, code: "LP_USAGE",
                          "deployment \(execId) is \(accepted.appId) in \(accepted.environment), not \(app) in \(env)")
        }
        return DeploymentLink(
            execId: execId, runId: execution.run_id, appId: accepted.appId, environment: accepted.environment,
            latestDecisionId: meta?.latest_decision_id, signatureStatus: meta?.signature_status ?? .notApplicable,
            packDigest: accepted.manifest, candidateWeightPct: meta?.routing.candidate_weight_pct,
            startedUnixMs: meta?.started_unix_ms, status: execution.status)
    }

    /// The slot that served a request: by the routing rule while the canary runs, the stable
    /// slot once the deployment completed, none before it started.
    func slot(routeKey: String?, path: String) -> String {
        switch status {
        case .started: return RoutingRule.slot(routeKey: routeKey, path: path, weightPct: candidateWeightPct ?? 0).rawValue
        case .completed: return "stable"
        default: return "none"
        }
    }
}
