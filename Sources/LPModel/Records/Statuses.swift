import LPCore

/// The vocabularies of the x07lp contracts (`x07lp.defs.schema.json`) as enums: statuses and
/// outcomes are compared and assigned through these, never as strings.

/// `exec_status`: where a deploy execution is in its lifecycle.
public enum ExecutionStatus: String, Codable, Sendable, CaseIterable {
    case planned, started, completed, failed, aborted

    /// Planned or started: a run or a control action can still change it.
    public var isLive: Bool { self == .planned || self == .started }
}

/// `deploy_outcome`: how a deployment ended (`unknown` while it runs).
public enum DeployOutcome: String, Codable, Sendable, CaseIterable {
    case unknown, promoted, rolledBack = "rolled_back", aborted, failed

    /// The exit code of a deployment that ended this way, when that is a failure: a rollback
    /// (automatic or manual) 14, an exhausted retry budget 15.
    public var failureExitCode: ExitCode? {
        switch self {
        case .rolledBack: return .sloRollback
        case .failed: return .retryBudgetExhausted
        case .unknown, .promoted, .aborted: return nil
        }
    }
}

/// `control_state`: what operators did to an execution.
public enum ControlState: String, Codable, Sendable, CaseIterable {
    case active, paused, stopping, killed, terminal
}

/// `kill_scope`: which kill switch latched an execution.
public enum KillScope: String, Codable, Sendable, CaseIterable {
    case none, app, platform
}

/// `step_status` of execution steps.
public enum StepStatus: String, Codable, Sendable, CaseIterable {
    case ok, error, skipped, running

    /// Done, so a run continues after it.
    public var isDone: Bool { self == .ok || self == .skipped }
}

/// `decision_outcome` of decision records.
public enum DecisionOutcome: String, Codable, Sendable, CaseIterable {
    case allow, deny, error
}

/// The decision of an SLO analysis (`last_slo_decision` adds `none` before the first one).
public enum SLODecision: String, Codable, Sendable, CaseIterable {
    case none, promote, rollback, inconclusive
}

/// The `signature_status` an execution or incident records for its latest control decision.
public enum RecordedSignatureStatus: String, Codable, Sendable, CaseIterable {
    case valid, missing, invalid, notApplicable = "not_applicable"
}

/// How a run of the step machine ended. Each ending knows its exit code and the diagnostic code
/// a report gives it: this is the one place that decision is made.
public enum RunEnding: Equatable, Sendable, CaseIterable {
    case promoted, rolledBack, retryExhausted, metricsMissing, paused, stopped, awaitingPromote, killed

    public var exitCode: ExitCode {
        switch self {
        case .promoted, .paused, .stopped, .awaitingPromote: return .ok
        case .rolledBack: return .sloRollback
        case .retryExhausted: return .retryBudgetExhausted
        case .metricsMissing: return .metricsMissing
        case .killed: return .killSwitchEngaged
        }
    }

    /// The report's diagnostic code; nil for a plain promotion.
    public var diagnosticCode: String? {
        switch self {
        case .promoted: return nil
        case .rolledBack: return "LP_SLO_DECISION_ROLLBACK"
        case .retryExhausted: return ReasonCode.retryBudgetExhausted
        case .metricsMissing: return ReasonCode.metricsSnapshotMissing
        case .paused: return "LP_DEPLOY_PAUSED"
        case .stopped: return "LP_DEPLOY_STOPPED"
        case .awaitingPromote: return ReasonCode.deployAwaitingPromote
        case .killed: return "LP_KILL_SWITCH_ENGAGED"
        }
    }
}
