import LPCore

/// The vocabularies of the device release contracts (`x07lp.device.defs`), as enums.

/// The store platform of a release.
public enum ReleaseTarget: String, Codable, Sendable, CaseIterable {
    case ios, android
}

public enum DistributionLane: String, Codable, Sendable, CaseIterable {
    case beta, production
}

/// Which store a provider profile talks to.
public enum StoreProviderKind: String, Codable, Sendable, CaseIterable {
    case mock = "mock_v1", appStoreConnect = "appstoreconnect_v1", googlePlay = "googleplay_v1"
}

/// The operations a plan step can ask for.
public enum ReleaseOp: String, Codable, Sendable, CaseIterable {
    case start = "release.start", setPercent = "rollout.set_percent", pause = "release.pause", resume = "release.resume"
    case complete = "release.complete", rollbackPrevious = "rollback.previous", metricsEval = "metrics.eval"

    /// Every op except the metrics gate is a call to the store.
    public var isStoreOp: Bool { self != .metricsEval }
}

/// `current_state`: where the store rollout stands (`review` is in the contract, never produced).
public enum StoreState: String, Codable, Sendable, CaseIterable {
    case draft, review, available, inProgress = "in_progress", paused, halted, completed, rolledBack = "rolled_back"
}

/// Where the release engine's automation stands.
public enum AutomationState: String, Codable, Sendable, CaseIterable {
    case active, waitingForObservation = "waiting_for_observation", paused, waitingForHuman = "waiting_for_human", stopped, terminal

    /// The three values the control-action contract knows: a paused or waiting automation is
    /// still `active` there (it resumes without a new execution).
    public var controlActionValue: String {
        switch self {
        case .stopped: return "stopped"
        case .terminal: return "terminal"
        case .active, .waitingForObservation, .paused, .waitingForHuman: return "active"
        }
    }
}

/// `latest_eval_outcome` of a release's metrics gate.
public enum EvalOutcome: String, Codable, Sendable, CaseIterable {
    case ok, fail, inconclusive, none
}

/// What a failed metrics gate does (`metrics_on_fail` / a `metrics.eval` step's `on_fail`).
public enum MetricsOnFail: String, Codable, Sendable, CaseIterable {
    case pause = "release.pause", halt = "release.halt", requireHuman = "require_human"
}

public enum ReadinessStatus: String, Codable, Sendable, CaseIterable {
    case ok, warn, blocked
}

/// The five native incident classes of device releases, and how other classifications map to them.
public enum NativeClassification: String, Codable, Sendable, CaseIterable {
    case runtimeError = "native_runtime_error", policyViolation = "native_policy_violation"
    case bridgeTimeout = "native_bridge_timeout", hostCrash = "native_host_crash"
    case permissionBlocked = "native_permission_blocked"

    /// The native class of an incident classification: the five native names map to themselves,
    /// the legacy device names to their native class; any other classification whose reason
    /// says a permission was denied is a blocked permission; otherwise none.
    public static func canonical(_ classification: String, reason: String?) -> NativeClassification? {
        if let native = NativeClassification(rawValue: classification) { return native }
        switch classification {
        case "device_policy_violation": return .policyViolation
        case "device_webview_crash": return .hostCrash
        case "device_bridge_parse": return .bridgeTimeout
        case "device_js_unhandled", "device_crash_spike": return .runtimeError
        default:
            let text = (reason ?? "").lowercased()
            return text.contains("permission") && text.contains("denied") ? .permissionBlocked : nil
        }
    }

    /// The diagnostic code an incident of this class carries.
    public var diagCode: String { "LP_" + rawValue.uppercased() }
}

/// The reason codes of device release decisions, named once.
extension ReasonCode {
    public static let deviceStepOK = "LP_DEVICE_RELEASE_STEP_OK"
    public static let deviceStepFailed = "LP_DEVICE_RELEASE_STEP_FAILED"
    public static let deviceTelemetryIncident = "LP_DEVICE_RELEASE_TELEMETRY_INCIDENT"
    public static let deviceSLOPromote = "LP_DEVICE_RELEASE_SLO_PROMOTE"
    public static let deviceSLOFail = "LP_DEVICE_RELEASE_SLO_FAIL"
    public static let deviceSLOInconclusive = "LP_DEVICE_RELEASE_SLO_INCONCLUSIVE"
    public static let deviceControlOK = "LP_DEVICE_RELEASE_CONTROL_OK"
    public static let deviceObserved = "LP_DEVICE_RELEASE_OBSERVED"
    public static let deviceStopped = "LP_DEVICE_RELEASE_STOPPED"
    public static let deviceRerun = "LP_DEVICE_RELEASE_RERUN"
    public static let deviceGateFailed = "LP_DEVICE_RELEASE_GATE_FAILED"
    public static let deviceProviderFailed = "LP_DEVICE_RELEASE_PROVIDER_FAILED"
}

/// The decision kinds of device releases.
public enum DeviceDecisionKind {
    public static let step = "device.release.step"
    public static let metricsEval = "device.release.metrics.eval"
    /// Signed: pause, resume, halt, complete and rollback.
    public static let control = "device.release.control"
    /// Signed: observe, stop and rerun.
    public static func manual(_ action: String) -> String { "device.release.\(action).manual" }

    /// True for the kinds of signed device control decisions (each has its control receipt).
    public static func isControl(_ kind: String) -> Bool {
        kind == control || (kind.hasPrefix("device.release.") && kind.hasSuffix(".manual"))
    }
}
