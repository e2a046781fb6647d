import LPCore
import LPModel

/// How a run of the deploy step machine can end, documented for `x07lp help exit-codes` and
/// `lp-apply --help`: each `RunEnding` with the exit code and report diagnostic it gives (read
/// from `RunEnding` itself, the one place they are decided) and what it leaves behind. Four of
/// them exit 0 without a promotion, so a CI step that only looks at the exit code cannot tell
/// them from a promotion: it must read the report's diagnostic or the execution's status.
/// `explanation` has no `default:`, so a new ending cannot be added undocumented.
extension RunEnding {
    /// The ending's name in tables: `promoted`, `rolled_back`, ...
    public var label: String {
        switch self {
        case .promoted: return "promoted"
        case .rolledBack: return "rolled_back"
        case .retryExhausted: return "retry_exhausted"
        case .metricsMissing: return "metrics_missing"
        case .paused: return "paused"
        case .stopped: return "stopped"
        case .awaitingPromote: return "awaiting_promote"
        case .killed: return "killed"
        }
    }

    public var explanation: String {
        switch self {
        case .promoted:
            return "the candidate serves all traffic (status completed, outcome promoted)"
        case .rolledBack:
            return "SLO analysis rolled the candidate back (status completed, outcome rolled_back, weight 0; an slo_rollback incident is captured)"
        case .retryExhausted:
            return "analysis stayed inconclusive past the retry budget (status failed, outcome failed)"
        case .metricsMissing:
            return "no metrics snapshot left for an analysis step; the deployment waits (still live): run it again with more snapshots"
        case .paused:
            return "NOT promoted: a `deploy pause` took effect; the deployment waits (control_state paused) for `deploy resume` and another run"
        case .stopped:
            return "NOT promoted: a `deploy stop` ended the deployment (status aborted, outcome aborted, candidate out of service)"
        case .awaitingPromote:
            return "NOT promoted yet: blue-green without auto_promote; the candidate runs and waits for `deploy promote`"
        case .killed:
            return "an app or platform kill switch ended the run (control_state killed)"
        }
    }

    /// Does this ending exit 0 without the deployment having been promoted?
    public var exitsZeroWithoutPromotion: Bool { exitCode == .ok && self != .promoted }

    /// One line per ending: exit code, name, report diagnostic, meaning.
    public static var table: String {
        allCases.map { ending in
            let number = String(ending.exitCode.rawValue)
            let name = ending.label + String(repeating: " ", count: max(1, 18 - ending.label.count))
            let code = ending.diagnosticCode ?? "(none)"
            return String(repeating: " ", count: 3 - number.count) + number + "  " + name
                + code + String(repeating: " ", count: max(1, 28 - code.count)) + ending.explanation
        }.joined(separator: "\n")
    }

    /// The same as JSON rows, for `help exit-codes --report`.
    public static var rows: [JSON] {
        allCases.map { ending in
            ["ending": .string(ending.label), "exit_code": .number(Double(ending.exitCode.rawValue)),
             "diagnostic_code": ending.diagnosticCode.map(JSON.string) ?? .null,
             "promoted": .bool(ending == .promoted), "meaning": .string(ending.explanation)]
        }
    }
}
