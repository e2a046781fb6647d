/// The single exit-code table. Numbers follow the reference system where it has one; a number is
/// never reused for a second meaning. `x07lp help exit-codes` and the README print this table.
public enum ExitCode: Int32, CaseIterable, Sendable {
    case ok = 0
    case usage = 2
    case invalidInput = 3
    case httpNotFound = 4
    case releaseNotReady = 10
    case digestMismatch = 12
    case gateRejected = 13
    case sloRollback = 14
    case retryBudgetExhausted = 15
    case metricsMissing = 16
    case stateLocked = 17
    case killSwitchEngaged = 18
    case stateCorrupt = 19
    case unsupportedPlanStep = 26
    case remoteTransport = 32
    case remoteAuth = 41
    case remoteUnreachable = 42
    case internalError = 50
    case invalidHTTPRequest = 64

    public var meaning: String {
        switch self {
        case .ok: return "success; a deploy run also exits 0 when it ends paused, stopped or awaiting `deploy promote` (see `x07lp help exit-codes`)"
        case .usage: return "usage error, or a named file, record or id was not found"
        case .invalidInput: return "invalid input document (JSON, UTF-8, size, schema or schema_version)"
        case .httpNotFound: return "x07lpd: no such endpoint"
        case .releaseNotReady: return "a device release plan is invalid for its provider, or its package is not ready for release"
        case .digestMismatch: return "digest mismatch or broken pack seal"
        case .gateRejected: return "an intake gate rejected the change; on x07lpd: the app/env lease is held, or a required secret is missing"
        case .sloRollback: return "SLO analysis rolled the deployment back"
        case .retryBudgetExhausted: return "analysis stayed inconclusive until the retry budget ran out"
        case .metricsMissing: return "no metrics snapshot left for an analysis step"
        case .stateLocked: return "state directory locked by another writer, or a concurrent change; `adapter conformance`: a scenario failed (LP_REMOTE_ADAPTER_CONFORMANCE_FAILED); x07lpd could not publish the component to the OCI registry (LP_RUNTIME_START_FAILED)"
        case .killSwitchEngaged: return "a run was stopped from outside: an app or platform kill switch blocks it, or a device release failed at the store or its automation is stopped"
        case .stateCorrupt: return "state verification found a damaged or inconsistent record"
        case .unsupportedPlanStep: return "the plan has a step this engine does not know"
        case .remoteTransport: return "the x07lpd request could not be made or answered (transport, TLS, or a response that is not a report): LP_REMOTE_UPLOAD_FAILED, LP_REMOTE_ACCEPT_FAILED, LP_REMOTE_QUERY_FAILED"
        case .remoteAuth: return "x07lpd refused the bearer token (missing, unknown, or without the scope the route needs)"
        case .remoteUnreachable: return "the remote target did not answer its health probe"
        case .internalError: return "internal error (a bug: please report it)"
        case .invalidHTTPRequest: return "x07lpd: the HTTP request is malformed (body size, JSON, path or a parameter); on the client, an invalid target profile (LP_TARGET_PROFILE_INVALID)"
        }
    }

    /// The table as text, one `code  meaning` line each.
    public static var table: String {
        allCases.map { code in
            let number = String(code.rawValue)
            return String(repeating: " ", count: 3 - number.count) + number + "  " + code.meaning
        }.joined(separator: "\n")
    }
}
