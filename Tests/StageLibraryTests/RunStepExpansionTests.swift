@testable import LPCore
@testable import LPModel
@testable import LPApply
import XCTest

/// How lp-apply expands a stored plan into the steps it runs, and refuses steps it does not know
/// (exit 26, LP_PLAN_STEP_UNSUPPORTED).
final class RunStepExpansionTests: XCTestCase {
    static func canary(_ steps: [JSON]) -> JSON {
        ["schema_version": "x07.deploy.plan@0.2.0", "strategy": ["type": "canary", "canary": ["steps": .array(steps)], "blue_green": nil]]
    }

    static func blueGreen(_ block: JSON) -> JSON {
        ["schema_version": "x07.deploy.plan@0.2.0", "strategy": ["type": "blue_green", "canary": nil, "blue_green": block]]
    }

    func testCanaryPlanRunsItsStepsBetweenPreparationAndPromotion() throws {
        let plan = Self.canary([
            ["set_weight": 10], ["pause_s": 1], ["analysis": ["kind": "slo.eval", "require_decision": "promote"]],
            ["set_weight": 50], ["pause_s": 0], ["analysis": ["kind": "slo.eval", "require_decision": "rollback"]],
            ["set_weight": 0], ["set_weight": 100],
        ])
        XCTAssertEqual(try RunStep.expand(plan: plan), [
            .prepare, .startCandidate,
            .setWeight(10), .pause(seconds: 1), .analysis(require: .promote),
            .setWeight(50), .pause(seconds: 0), .analysis(require: .rollback),
            .setWeight(0), .setWeight(100),
            .promote,
        ])
    }

    func testBlueGreenIsOneAnalysisThenPromoteOrWait() throws {
        XCTAssertEqual(try RunStep.expand(plan: Self.blueGreen(["auto_promote": true])),
                       [.prepare, .startCandidate, .analysis(require: .promote), .promote])
        XCTAssertEqual(try RunStep.expand(plan: Self.blueGreen(["auto_promote": false])),
                       [.prepare, .startCandidate, .analysis(require: .promote), .awaitPromote])
        // Without the flag the switch waits for `deploy promote`.
        XCTAssertEqual(try RunStep.expand(plan: Self.blueGreen(nil)),
                       [.prepare, .startCandidate, .analysis(require: .promote), .awaitPromote])
    }

    func testUnknownOrOutOfRangeStepsAreRefused() {
        let refused: [(String, JSON)] = [
            ("unknown step", ["mirror_traffic": 5]),
            ("empty step", [:]),
            ("weight 101", ["set_weight": 101]),
            ("negative weight", ["set_weight": -1]),
            ("fractional weight", ["set_weight": 12.5]),
            ("weight as text", ["set_weight": "10"]),
            ("negative pause", ["pause_s": -1]),
            ("unknown require_decision", ["analysis": ["kind": "slo.eval", "require_decision": "maybe"]]),
            ("inconclusive is no requirement", ["analysis": ["kind": "slo.eval", "require_decision": "inconclusive"]]),
            ("missing require_decision", ["analysis": ["kind": "slo.eval"]]),
            ("unknown analysis kind", ["analysis": ["kind": "canary.judge", "require_decision": "promote"]]),
        ]
        for (name, step) in refused {
            // The bad step comes second, after a good one: the message names its index.
            XCTAssertThrowsError(try RunStep.expand(plan: Self.canary([["set_weight": 5], step])), name) { error in
                let lpError = error as? LPError
                XCTAssertEqual(lpError?.exitCode, .unsupportedPlanStep, name)
                XCTAssertEqual(lpError?.exitCode.rawValue, 26, name)
                XCTAssertEqual(lpError?.diagnostics.first?.code, "LP_PLAN_STEP_UNSUPPORTED", name)
                XCTAssertTrue(lpError?.diagnostics.first?.message.hasPrefix("plan step 1 ") == true,
                              "\(name): \(lpError?.diagnostics.first?.message ?? "-")")
            }
        }
    }

    func testKindsNamesAndPlanSteps() {
        let table: [(step: RunStep, kind: String, name: String, planStep: Bool)] = [
            (.prepare, "deploy.prepare", "prepare", false),
            (.startCandidate, "deploy.runtime.start_candidate", "start_candidate", false),
            (.setWeight(5), "deploy.route.set_weight", "set_weight_5", true),
            (.setWeight(100), "deploy.route.set_weight", "set_weight_100", true),
            (.pause(seconds: 10), "deploy.pause", "pause_10", true),
            (.analysis(require: .promote), "deploy.analysis.slo", "analysis_3", true),
            (.analysis(require: .rollback), "deploy.analysis.slo", "analysis_3", true),
            (.awaitPromote, "deploy.await_promote", "await_promote", false),
            (.promote, "deploy.promote", "promote", false),
        ]
        for row in table {
            XCTAssertEqual(row.step.kind, row.kind, "\(row.step)")
            XCTAssertEqual(row.step.name(analysisOrdinal: 3), row.name, "\(row.step)")
            XCTAssertEqual(row.step.isPlanStep, row.planStep, "\(row.step)")
        }
        // Only analysis steps take the ordinal.
        XCTAssertEqual(RunStep.analysis(require: .promote).name(analysisOrdinal: 1), "analysis_1")
        XCTAssertEqual(RunStep.setWeight(5).name(analysisOrdinal: 1), "set_weight_5")
    }
}
