import LPCore
import LPState
import LPModel
import LPIndex
import LPStage
import LPValidate
import LPPlan
import LPIncident
import LPApply
import LPRegress
import LPQuery
import Foundation
import XCTest

/// kill -9 of lp-apply at every write point and at random moments: the state must always pass
/// `state verify`, and running the deployment again must finish it.
final class CrashSafetyTests: XCTestCase, ExampleDeploymentSupport {
    /// The process kills itself (SIGKILL) right after its N-th rename into the state, for every N
    /// until a run gets through: every write point of a run is a crash point once.
    func testKill9AtEveryWritePointOfARunLeavesAVerifiableStateThatReRunsToTheEnd() throws {
        let base = try accepted()
        let steps: [JSON] = [["set_weight": 50], ["pause_s": 0], ["analysis": ["kind": "slo.eval", "require_decision": "promote"]]]
        let plan = try plan(base, strategy: ["type": "canary", "blue_green": nil, "canary": ["steps": .array(steps)]])
        let metrics = try metrics(base, [Self.good])
        let planned = try StageProcess.run(StageProcess.binary("lp-plan"), ["--deployment-id", base.id, "--plan", plan,
                                                                           "--state-dir", base.state, "--now-unix-ms", time])
        XCTAssertEqual(planned.status, 0, planned.stderr)
        let run = ["--deployment-id", base.id, "--metrics-dir", metrics, "--pause-scale", "0", "--state-dir"]
        var crashPoints = 0
        for point in 1...400 {
            let state = StageProcess.temporaryDirectory() + "/state"
            try FileManager.default.copyItem(atPath: base.state, toPath: state)
            let crashed = try StageProcess.runUntilSignal(StageProcess.binary("lp-apply"), run + [state, "--now-unix-ms", time],
                                                          environment: ["X07LP_CRASH_AFTER_WRITES": String(point)])
            guard crashed else { break }
            crashPoints += 1
            let verify = try StageProcess.x07lp(["state", "verify", "--state-dir", state])
            XCTAssertEqual(verify.status, 0, "crash after write \(point): \(verify.stderr)")
            let again = try StageProcess.run(StageProcess.binary("lp-apply"), run + [state, "--now-unix-ms", time])
            if again.stderr.contains("LP_EXECUTION_FINISHED") {
                // The crash came after the execution was stored promoted (while its run record was written).
                let stored = try JSONParser.parse([UInt8](Data(contentsOf: URL(fileURLWithPath: "\(state)/deploy/\(base.id).json"))))
                XCTAssertEqual(stored["meta"]?["outcome"], "promoted", "crash after write \(point)")
            } else {
                XCTAssertEqual(again.status, 0, "re-run after a crash at write \(point): \(again.stderr)")
                XCTAssertEqual(try JSONParser.parse(again.stdout)["meta"]?["outcome"], "promoted", "crash after write \(point)")
            }
            XCTAssertEqual(try StageProcess.x07lp(["state", "verify", "--state-dir", state]).status, 0, "after the re-run \(point)")
        }
        // prepare, start, weight, pause, analysis (snapshot, report), promote: dozens of renames.
        XCTAssertGreaterThan(crashPoints, 20, "the hook should stop the run at every write until one gets through")
    }

    func testKill9AtRandomMomentsAlwaysLeavesAVerifiableState() throws {
        let base = try accepted()
        var steps: [JSON] = []
        for pct in [10, 30, 60, 100] {
            steps += [["set_weight": .number(Double(pct))], ["pause_s": 1], ["analysis": ["kind": "slo.eval", "require_decision": "promote"]]]
        }
        let plan = try plan(base, strategy: ["type": "canary", "blue_green": nil, "canary": ["steps": .array(steps)]])
        let metrics = try metrics(base, Array(repeating: Self.good, count: 8))
        let planned = try StageProcess.run(StageProcess.binary("lp-plan"), ["--deployment-id", base.id, "--plan", plan,
                                                                           "--state-dir", base.state, "--now-unix-ms", time])
        XCTAssertEqual(planned.status, 0, planned.stderr)
        XCTAssertEqual(try StageProcess.x07lp(["index", "rebuild", "--state-dir", base.state]).status, 0)

        var seed: UInt64 = 0x5EED
        var killedMidRun = 0
        for round in 0..<6 {
            let state = StageProcess.temporaryDirectory() + "/state"
            try FileManager.default.copyItem(atPath: base.state, toPath: state)
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            let killed = try StageProcess.runKilled(
                after: 5_000 + Int((seed >> 33) % 150_000), StageProcess.binary("lp-apply"),
                ["--deployment-id", base.id, "--metrics-dir", metrics, "--pause-scale", "0.01", "--state-dir", state,
                 "--now-unix-ms", time, "--quiet"])
            if killed { killedMidRun += 1 }
            let verify = try StageProcess.x07lp(["state", "verify", "--state-dir", state])
            XCTAssertEqual(verify.status, 0, "round \(round): \(verify.stderr)\(verify.stdoutText)")
            // The query index (built before the run, updated by it) still answers what the files say.
            let stored = try JSONParser.parse([UInt8](Data(contentsOf: URL(fileURLWithPath: "\(state)/deploy/\(base.id).json"))))
            let query = try StageProcess.x07lp(["deploy", "query", "--deployment-id", base.id, "--state-dir", state, "--json"])
            XCTAssertEqual(query.status, 0, "round \(round): \(query.stderr)")
            XCTAssertEqual(try JSONParser.parse(query.stdout)["result"]?["status"], stored["status"], "round \(round)")
            // The deployment can always be taken to its end afterwards.
            let again = try StageProcess.run(StageProcess.binary("lp-apply"),
                                             ["--deployment-id", base.id, "--metrics-dir", metrics, "--pause-scale", "0",
                                              "--state-dir", state, "--now-unix-ms", time])
            let outcome = try? JSONParser.parse(again.stdout)["meta"]?["outcome"]
            XCTAssertTrue(again.status == 0 || again.stderr.contains("LP_EXECUTION_FINISHED"), "round \(round): \(again.stderr)")
            if again.status == 0 { XCTAssertEqual(outcome, "promoted", "round \(round)") }
            let verifyAfter = try StageProcess.x07lp(["state", "verify", "--state-dir", state])
            XCTAssertEqual(verifyAfter.status, 0, "round \(round) after the rerun: \(verifyAfter.stderr)")
        }
        XCTAssertGreaterThanOrEqual(killedMidRun, 3, "most kills should land mid-run")
    }
}
