import LPCore
import LPState
import LPModel
import LPIndex

/// The step vocabulary of `x07.deploy.plan@0.2.0`. A step with any other key is one this engine
/// cannot run: refused with exit 26 before the plan is stored.
enum PlanSteps {
    static let known: Set<String> = ["set_weight", "pause_s", "analysis"]

    static func checkKnown(_ plan: JSON, source: String) throws {
        let steps = plan["strategy"]?["canary"]?["steps"]?.arrayValue ?? []
        for (index, step) in steps.enumerated() {
            let keys = step.objectValue.map { Array($0.keys) } ?? []
            if keys.count != 1 || !known.contains(keys[0]) {
                throw LPError(.unsupportedPlanStep, code: "LP_PLAN_STEP_UNSUPPORTED",
                              "\(source): step \(index) (\(step.canonicalString.prefix(120))) is not one this engine runs (set_weight, pause_s, analysis)",
                              data: ["pointer": .string("/strategy/canary/steps/\(index)")])
            }
        }
    }

    /// The plan analyses SLOs somewhere: every blue-green plan, a canary with an analysis step.
    static func hasAnalysis(_ plan: JSON) -> Bool {
        let strategy = plan["strategy"] ?? [:]
        if strategy["type"] == "blue_green" { return true }
        return (strategy["canary"]?["steps"]?.arrayValue ?? []).contains { $0["analysis"] != nil }
    }
}
