/// The reason codes decision records carry (`reasons[].code`), named once. Diagnostics of failed
/// commands keep their codes next to their messages; these are the codes of recorded decisions,
/// which queries, the index and other tools read back.
public enum ReasonCode {
    // intake and planning
    public static let intakeAllowed = "LP_INTAKE_ALLOWED"
    public static let intentValidateOnly = "LP_INTENT_VALIDATE_ONLY"
    public static let intentUnsupported = "LP_INTENT_UNSUPPORTED"
    public static let rollbackTargetKnown = "LP_ROLLBACK_TARGET_KNOWN"
    public static let rollbackTargetUnknown = "LP_ROLLBACK_TARGET_UNKNOWN"
    public static let planGenerated = "LP_PLAN_GENERATED"
    public static let planAdopted = "LP_PLAN_ADOPTED"

    // the step machine
    public static let planReady = "LP_PLAN_READY"
    public static let runtimeHealthcheckOK = "LP_RUNTIME_HEALTHCHECK_OK"
    public static let sloInconclusive = "LP_SLO_INCONCLUSIVE"
    public static let sloRollback = "LP_SLO_ROLLBACK"
    public static let metricsSnapshotMissing = "LP_METRICS_SNAPSHOT_MISSING"
    public static let retryBudgetExhausted = "LP_RETRY_BUDGET_EXHAUSTED"
    public static let deployAwaitingPromote = "LP_DEPLOY_AWAITING_PROMOTE"
    public static let deployPromoted = "LP_DEPLOY_PROMOTED"

    /// An analysis that decided what its step required: `LP_SLO_PROMOTE`, `LP_SLO_ROLLBACK`.
    public static func sloDecided(_ decision: SLODecision) -> String { "LP_SLO_" + decision.rawValue.uppercased() }

    // incidents
    public static let incidentCaptured = "LP_INCIDENT_CAPTURED"
    public static let incidentRegressionGenerated = "LP_INCIDENT_REGRESSION_GENERATED"
    public static let incidentResolved = "LP_INCIDENT_RESOLVED"

    /// A signed control action of `kind` (`deploy.pause.manual` → `LP_CONTROL_DEPLOY_PAUSE_MANUAL`).
    public static func control(_ kind: String) -> String {
        "LP_CONTROL_" + kind.uppercased().replacingOccurrences(of: ".", with: "_")
    }
}
