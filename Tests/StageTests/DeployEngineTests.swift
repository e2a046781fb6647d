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

/// The deploy loop on the project's own example pack: blue-green, retries, long canaries, unknown
/// steps, concurrent runs, and crashes.
final class DeployEngineTests: XCTestCase, ExampleDeploymentSupport {
    func testBlueGreenWithAutoPromoteFromTheGeneratedPlan() throws {
        let fixture = try accepted()
        let result = try run(fixture, plan: nil, metricsDir: try metrics(fixture, [Self.good]))
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdoutText.contains("\"outcome\":\"promoted\""), result.stdoutText)
        let router = try JSONParser.parse([UInt8](Data(contentsOf: URL(fileURLWithPath: "\(fixture.state)/router/\(fixture.id).json"))))
        XCTAssertEqual(router["stable"]?["status"], "healthy")
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(fixture.state)/runtime/\(fixture.id)/stable/index.html"))
    }

    func testBlueGreenWithoutAutoPromoteWaitsForDeployPromote() throws {
        let fixture = try accepted()
        let plan = try plan(fixture, strategy: ["type": "blue_green", "canary": nil, "blue_green": ["auto_promote": false]])
        let waiting = try run(fixture, plan: plan, metricsDir: try metrics(fixture, [Self.good]))
        XCTAssertEqual(waiting.status, 0, waiting.stderr)
        XCTAssertTrue(waiting.stdoutText.contains("LP_DEPLOY_AWAITING_PROMOTE"), waiting.stdoutText)
        XCTAssertEqual(try stored(fixture)["meta"]?["control_state"], "paused")
        let promote = try StageProcess.x07lp(["deploy", "promote", "--deployment-id", fixture.id, "--reason", "looks good",
                                              "--state-dir", fixture.state, "--now-unix-ms", time, "--json"])
        XCTAssertEqual(promote.status, 0, promote.stderr)
        XCTAssertTrue(promote.stdoutText.contains("\"signature_status\":\"valid\""))
        let after = try stored(fixture)
        XCTAssertEqual(after["status"], "completed")
        XCTAssertEqual(after["meta"]?["outcome"], "promoted")
    }

    func testInconclusiveAnalysisRetriesThenPromotes() throws {
        let fixture = try accepted()
        let plan = try plan(fixture, strategy: ["type": "canary", "blue_green": nil, "canary": ["steps": [
            ["set_weight": 20], ["analysis": ["kind": "slo.eval", "require_decision": "promote"]], ["set_weight": 100],
        ]]])
        let result = try run(fixture, plan: plan, metricsDir: try metrics(fixture, [Self.incomplete, Self.incomplete, Self.good]))
        XCTAssertEqual(result.status, 0, result.stderr)
        let execution = try stored(fixture)
        let analysis = execution["steps"]?.arrayValue?.first { $0["kind"] == "deploy.analysis.slo" }
        XCTAssertEqual(analysis?["attempt"], 3)
        XCTAssertEqual(analysis?["analysis_decision"], "promote")
        XCTAssertEqual(analysis?["decisions"]?.arrayValue?.count, 3)
        // With a budget of 2 the same snapshots exhaust it.
        let again = try accepted()
        let exhausted = try run(again, plan: try self.plan(again, strategy: try planStrategy(plan)),
                                metricsDir: try metrics(again, [Self.incomplete, Self.incomplete, Self.good]),
                                extra: ["--retry-budget", "2"])
        XCTAssertEqual(exhausted.status, 15, exhausted.stderr)
    }

    func planStrategy(_ path: String) throws -> JSON {
        try JSONParser.parse([UInt8](Data(contentsOf: URL(fileURLWithPath: path))))["strategy"] ?? .null
    }

    func testA64StepCanaryRunsToTheEnd() throws {
        let fixture = try accepted()
        var steps: [JSON] = []
        for round in 1...16 {
            steps += [["set_weight": .number(Double(round * 6))], ["pause_s": 1],
                      ["analysis": ["kind": "slo.eval", "require_decision": "promote"]], ["pause_s": 1]]
        }
        XCTAssertEqual(steps.count, 64)
        let plan = try plan(fixture, strategy: ["type": "canary", "blue_green": nil, "canary": ["steps": .array(steps)]])
        let result = try run(fixture, plan: plan, metricsDir: try metrics(fixture, Array(repeating: Self.good, count: 16)))
        XCTAssertEqual(result.status, 0, result.stderr)
        let execution = try stored(fixture)
        XCTAssertEqual(execution["steps"]?.arrayValue?.count, 64 + 3)  // prepare, start_candidate, 64 plan steps, promote
        XCTAssertEqual(execution["meta"]?["outcome"], "promoted")
    }

    func testAPlanStepTheEngineDoesNotKnowExits26() throws {
        let fixture = try accepted()
        let plan = try plan(fixture, strategy: ["type": "canary", "blue_green": nil, "canary": ["steps": [
            ["set_weight": 10], ["shadow_traffic": ["pct": 5]],
        ]]])
        let result = try run(fixture, plan: plan, metricsDir: try metrics(fixture, [Self.good]))
        XCTAssertEqual(result.status, 26, result.stderr)
        XCTAssertTrue(result.stderr.contains("LP_PLAN_STEP_UNSUPPORTED"), result.stderr)
        XCTAssertEqual(try stored(fixture)["status"], "planned", "nothing ran")
    }

    func testMissingSnapshotsExit16AndTheRunResumesWithMore() throws {
        let fixture = try accepted()
        let plan = try plan(fixture, strategy: ["type": "canary", "blue_green": nil, "canary": ["steps": [
            ["set_weight": 10], ["analysis": ["kind": "slo.eval", "require_decision": "promote"]],
            ["set_weight": 50], ["analysis": ["kind": "slo.eval", "require_decision": "promote"]],
        ]]])
        let first = try run(fixture, plan: plan, metricsDir: try metrics(fixture, [Self.good]))
        XCTAssertEqual(first.status, 16, first.stderr)
        // More metrics arrive; `deploy resume` then `deploy run` continues from the waiting step.
        let more = fixture.work + "/more"
        try FileManager.default.createDirectory(atPath: more, withIntermediateDirectories: true)
        try write(Self.good, more + "/analysis.1.json")
        let resume = try StageProcess.x07lp(["deploy", "resume", "--deployment-id", fixture.id, "--reason", "metrics arrived",
                                             "--state-dir", fixture.state, "--now-unix-ms", time])
        XCTAssertEqual(resume.status, 0, resume.stderr)
        let second = try run(fixture, plan: nil, metricsDir: more)
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertEqual(try stored(fixture)["meta"]?["outcome"], "promoted")
    }

    func testTwoRunsOfOneDeploymentAtOnceOneWinsTheOtherExits17() throws {
        let fixture = try accepted()
        let plan = try plan(fixture, strategy: ["type": "canary", "blue_green": nil, "canary": ["steps": [
            ["set_weight": 10], ["pause_s": 2], ["set_weight": 100],
        ]]])
        let planned = try StageProcess.run(StageProcess.binary("lp-plan"), ["--deployment-id", fixture.id, "--plan", plan,
                                                                           "--state-dir", fixture.state, "--now-unix-ms", time])
        XCTAssertEqual(planned.status, 0, planned.stderr)
        let args = ["--deployment-id", fixture.id, "--pause-scale", "1", "--state-dir", fixture.state, "--now-unix-ms", time]
        let group = DispatchGroup()
        let statuses = Locked([Int32]())
        for _ in 0..<2 {
            DispatchQueue.global().async(group: group) {
                let result = try? StageProcess.run(StageProcess.binary("lp-apply"), args)
                statuses.update { $0.append(result?.status ?? -1) }
            }
        }
        group.wait()
        XCTAssertEqual(statuses.value.sorted(), [0, 17])
    }
}

/// Manual controls on the example pack, each followed by `state verify`.
final class ControlActionTests: XCTestCase, ExampleDeploymentSupport {
    func control(_ fixture: Fixture, _ verb: String, _ extra: [String] = []) throws -> StageResult {
        try StageProcess.x07lp(["deploy", verb, "--deployment-id", fixture.id, "--reason", "test \(verb)",
                                "--state-dir", fixture.state, "--now-unix-ms", time, "--json"] + extra)
    }

    func verify(_ fixture: Fixture, file: StaticString = #filePath, line: UInt = #line) throws {
        let result = try StageProcess.x07lp(["state", "verify", "--state-dir", fixture.state])
        XCTAssertEqual(result.status, 0, result.stderr + result.stdoutText, file: file, line: line)
    }

    func canaryPlan(_ fixture: Fixture) throws -> String {
        try plan(fixture, strategy: ["type": "canary", "blue_green": nil, "canary": ["steps": [
            ["set_weight": 10], ["analysis": ["kind": "slo.eval", "require_decision": "promote"]],
            ["set_weight": 50], ["analysis": ["kind": "slo.eval", "require_decision": "promote"]],
        ]]])
    }

    func testManualRollbackTakesTheCandidateOutOfService() throws {
        let fixture = try accepted()
        let waiting = try run(fixture, plan: try canaryPlan(fixture), metricsDir: try metrics(fixture, [Self.good]))
        XCTAssertEqual(waiting.status, 16, waiting.stderr)
        let rollback = try control(fixture, "rollback")
        XCTAssertEqual(rollback.status, 0, rollback.stderr)
        XCTAssertTrue(rollback.stdoutText.contains("\"kind\":\"deploy.rollback.manual\""))
        let execution = try stored(fixture)
        XCTAssertEqual(execution["status"], "completed")
        XCTAssertEqual(execution["meta"]?["outcome"], "rolled_back")
        XCTAssertEqual(execution["meta"]?["routing"]?["candidate_weight_pct"], 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(fixture.state)/runtime/\(fixture.id)/candidate"))
        let same = try control(fixture, "rollback")
        XCTAssertEqual(same.status, 0, "the same action again answers with its receipt: \(same.stderr)")
        XCTAssertTrue(same.stderr.contains("LP_CONTROL_ALREADY_RECORDED"), same.stderr)
        let again = try StageProcess.x07lp(["deploy", "rollback", "--deployment-id", fixture.id, "--reason", "again",
                                            "--state-dir", fixture.state, "--now-unix-ms", "1767225700000"])
        XCTAssertEqual(again.status, 2, "a finished deployment cannot be rolled back twice")
        try verify(fixture)
    }

    func testRerunFromAStepSkipsTheStepsBeforeIt() throws {
        let fixture = try accepted()
        let first = try run(fixture, plan: try canaryPlan(fixture), metricsDir: try metrics(fixture, [Self.good]))
        XCTAssertEqual(first.status, 16)
        let stop = try control(fixture, "stop")
        XCTAssertEqual(stop.status, 0, stop.stderr)
        let rerun = try control(fixture, "rerun", ["--from-step", "4"])
        XCTAssertEqual(rerun.status, 0, rerun.stderr)
        let newId = try JSONParser.parse(rerun.stdout)["result"]?["new_execution_id"]?.stringValue ?? ""
        var child = fixture
        child.id = newId
        let second = try run(child, plan: nil, metricsDir: try metrics(fixture, [Self.good]))
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertTrue(second.stdoutText.contains("\"outcome\":\"promoted\""), second.stdoutText + second.stderr)
        let execution = try stored(child)
        let statuses = execution["steps"]?.arrayValue?.map { $0["status"]?.stringValue ?? "?" } ?? []
        XCTAssertEqual(statuses, ["ok", "ok", "skipped", "skipped", "ok", "ok", "ok"])
        XCTAssertEqual(execution["meta"]?["parent_exec_id"], .string(fixture.id))
        XCTAssertEqual(execution["meta"]?["outcome"], "promoted")
        try verify(fixture)
    }

    func testResumeAndPromoteAreSignedAndVerifiable() throws {
        let fixture = try accepted()
        let pause = try control(fixture, "pause")
        XCTAssertEqual(pause.status, 0, pause.stderr)
        let twice = try StageProcess.x07lp(["deploy", "pause", "--deployment-id", fixture.id, "--reason", "again",
                                            "--state-dir", fixture.state, "--now-unix-ms", "1767225700000"])
        XCTAssertEqual(twice.status, 2, "pausing twice is refused")
        let resume = try control(fixture, "resume")
        XCTAssertEqual(resume.status, 0, resume.stderr)
        XCTAssertTrue(resume.stdoutText.contains("\"signature_status\":\"valid\""))
        let bluegreen = try plan(fixture, strategy: ["type": "blue_green", "canary": nil, "blue_green": ["auto_promote": false]])
        XCTAssertEqual(try run(fixture, plan: bluegreen, metricsDir: try metrics(fixture, [Self.good])).status, 0)
        XCTAssertEqual(try control(fixture, "promote").status, 0)
        try verify(fixture)
        // Any changed byte in a signed control decision is caught.
        let decisions = try FileManager.default.contentsOfDirectory(atPath: fixture.state + "/decisions")
        let signed = try decisions.first { name in
            try JSONParser.parse([UInt8](Data(contentsOf: URL(fileURLWithPath: "\(fixture.state)/decisions/\(name)"))))["kind"] == "control.deploy.promote.manual"
        }
        let path = "\(fixture.state)/decisions/\(try XCTUnwrap(signed))"
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let index = try XCTUnwrap(bytes.firstIndex(of: UInt8(ascii: "m")))
        bytes[index] = UInt8(ascii: "n")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let broken = try StageProcess.x07lp(["state", "verify", "--state-dir", fixture.state])
        XCTAssertEqual(broken.status, 19)
        XCTAssertTrue(broken.stderr.contains(try XCTUnwrap(signed)), broken.stderr)
    }
}

/// A second deployment of an app keeps the first one's release in its stable slot until promote.
final class ReleaseHistoryTests: XCTestCase, ExampleDeploymentSupport {
    func testTheStableSlotServesThePreviousReleaseDuringACanary() throws {
        let fixture = try accepted()
        XCTAssertEqual(try run(fixture, plan: nil, metricsDir: try metrics(fixture, [Self.good])).status, 0)
        let first = try stored(fixture)
        let firstRevision = first["meta"]?["runtime"]?["candidate"]?["revision_digest"]
        // The same app again, with another pack revision (a changed change request does not change
        // the pack, so reuse the first pack: the previous release is then that revision).
        let again = try StageProcess.x07lp(["deploy", "accept", "--pack", ExamplePacks.hello + "/pack.zip",
                                            "--change", ExamplePacks.hello + "/change_request.ops.json",
                                            "--ops", ExamplePacks.hello + "/ops.blue_green.json", "--slo", ExamplePacks.hello + "/slo.json",
                                            "--state-dir", fixture.state, "--now-unix-ms", "1767225700000", "--json"])
        XCTAssertEqual(again.status, 0, again.stderr)
        var second = fixture
        second.id = try JSONParser.parse(again.stdout)["result"]?["exec_id"]?.stringValue ?? ""
        XCTAssertNotEqual(second.id, fixture.id)
        let plan = try plan(second, strategy: ["type": "blue_green", "canary": nil, "blue_green": ["auto_promote": false]])
        XCTAssertEqual(try run(second, plan: plan, metricsDir: try metrics(second, [Self.good])).status, 0)
        let waiting = try stored(second)
        XCTAssertEqual(waiting["meta"]?["runtime"]?["stable"]?["revision_digest"], firstRevision)
        XCTAssertEqual(waiting["meta"]?["runtime"]?["stable"]?["status"], "healthy")
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(fixture.state)/runtime/\(second.id)/stable/index.html"))
    }
}
