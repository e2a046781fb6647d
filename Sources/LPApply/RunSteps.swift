import LPCore
import LPState
import LPModel
import LPIndex

/// The steps lp-apply runs for a plan: the target's own preparation first, then the plan's
/// steps, then the switch to the candidate. Blue-green is one analysis, then an automatic
/// switch or a wait for `deploy promote`.
enum RunStep: Equatable {
    case prepare
    case startCandidate
    case setWeight(Int)
    case pause(seconds: Int)
    case analysis(require: SLODecision)
    case awaitPromote
    case promote

    /// The step kind as executions and decisions record it (the reference system's names).
    var kind: String {
        switch self {
        case .prepare: return "deploy.prepare"
        case .startCandidate: return "deploy.runtime.start_candidate"
        case .setWeight: return "deploy.route.set_weight"
        case .pause: return "deploy.pause"
        case .analysis: return "deploy.analysis.slo"
        case .awaitPromote: return "deploy.await_promote"
        case .promote: return "deploy.promote"
        }
    }

    var isAnalysis: Bool {
        if case .analysis = self { return true }
        return false
    }

    /// Steps that come from the plan (a rerun may skip them); the others are the target's own.
    var isPlanStep: Bool {
        switch self {
        case .setWeight, .pause, .analysis: return true
        case .prepare, .startCandidate, .awaitPromote, .promote: return false
        }
    }

    /// The step name: `set_weight_5`, `pause_10`, `analysis_1` (the n-th analysis of the plan).
    func name(analysisOrdinal: Int) -> String {
        switch self {
        case .prepare: return "prepare"
        case .startCandidate: return "start_candidate"
        case .setWeight(let pct): return "set_weight_\(pct)"
        case .pause(let seconds): return "pause_\(seconds)"
        case .analysis: return "analysis_\(analysisOrdinal)"
        case .awaitPromote: return "await_promote"
        case .promote: return "promote"
        }
    }

    /// Expands a stored `x07.deploy.plan@0.2.0`. Unknown steps are refused (exit 26): lp-plan
    /// checks too, but a plan may have been stored by another tool.
    static func expand(plan: JSON) throws -> [RunStep] {
        let strategy = plan["strategy"] ?? [:]
        if strategy["type"] == "blue_green" {
            let auto = strategy["blue_green"]?["auto_promote"]?.boolValue ?? false
            return [.prepare, .startCandidate, .analysis(require: .promote), auto ? .promote : .awaitPromote]
        }
        guard strategy["type"] == "canary", let canary = strategy["canary"]?["steps"]?.arrayValue, !canary.isEmpty else {
            throw LPError(.unsupportedPlanStep, code: "LP_PLAN_STEP_UNSUPPORTED",
                          "the plan's strategy \(strategy.canonicalString.prefix(120)) is neither blue_green nor a canary with steps")
        }
        var steps: [RunStep] = [.prepare, .startCandidate]
        for (index, step) in canary.enumerated() {
            if let pct = step["set_weight"]?.intValue, (0...100).contains(pct) {
                steps.append(.setWeight(pct))
            } else if let seconds = step["pause_s"]?.intValue, seconds >= 0 {
                steps.append(.pause(seconds: seconds))
            } else if let analysis = step["analysis"], analysis["kind"] == "slo.eval",
                      let require = analysis["require_decision"]?.stringValue.flatMap(SLODecision.init(rawValue:)),
                      require == .promote || require == .rollback {
                steps.append(.analysis(require: require))
            } else {
                throw LPError(.unsupportedPlanStep, code: "LP_PLAN_STEP_UNSUPPORTED",
                              "plan step \(index) (\(step.canonicalString.prefix(120))) is not one this engine runs")
            }
        }
        steps.append(.promote)
        return steps
    }
}
