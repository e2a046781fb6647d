import LPCore
import Foundation
import XCTest

/// Bad input never moves traffic, and every way a run ends leaves the state consistent
/// (issue 12's integrity and safety bugs, each reproduced as it was found).
final class RunSafetyTests: XCTestCase, ExampleDeploymentSupport {
    static let canary: JSON = ["type": "canary", "blue_green": nil,
                               "canary": ["steps": [["set_weight": 10], ["pause_s": 0],
                                                    ["analysis": ["kind": "slo.eval", "require_decision": "promote"]]]]]

    func verify(_ fixture: Fixture, file: StaticString = #filePath, line: UInt = #line) throws {
        let verify = try StageProcess.x07lp(["state", "verify", "--state-dir", fixture.state])
        XCTAssertEqual(verify.status, 0, verify.stderr + verify.stdoutText, file: file, line: line)
    }

    /// The run was refused before it wrote: the deployment is still planned, at weight 0, with no runtime.
    func assertUntouched(_ fixture: Fixture, _ result: StageResult, code: String, exit: Int32,
                         file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(result.status, exit, result.stderr, file: file, line: line)
        XCTAssertTrue(result.stderr.contains(code), "expected \(code): \(result.stderr)", file: file, line: line)
        let stored = try stored(fixture)
        XCTAssertEqual(stored["status"], "planned", file: file, line: line)
        XCTAssertNil(stored["meta"]?["routing"], "no weight was ever set", file: file, line: line)
        XCTAssertFalse(FileManager.default.fileExists(atPath: fixture.state + "/router/\(fixture.id).json"), file: file, line: line)
    }

    func planned(_ strategy: JSON = RunSafetyTests.canary) throws -> Fixture {
        let fixture = try accepted()
        let planned = try StageProcess.run(StageProcess.binary("lp-plan"),
                                           ["--deployment-id", fixture.id, "--plan", try plan(fixture, strategy: strategy),
                                            "--state-dir", fixture.state, "--now-unix-ms", time])
        XCTAssertEqual(planned.status, 0, planned.stderr)
        return fixture
    }

    func runApply(_ fixture: Fixture, _ extra: [String]) throws -> StageResult {
        try StageProcess.run(StageProcess.binary("lp-apply"),
                             ["--deployment-id", fixture.id, "--pause-scale", "0", "--state-dir", fixture.state,
                              "--now-unix-ms", time] + extra)
    }

    func testAMissingMetricsSourceIsRefusedBeforeTrafficMoves() throws {
        let fixture = try planned()
        try assertUntouched(fixture, try runApply(fixture, ["--metrics", fixture.work + "/nope.json"]), code: "LP_NOT_FOUND", exit: 2)
        try assertUntouched(fixture, try runApply(fixture, ["--metrics-dir", fixture.work + "/no-such-dir"]),
                            code: "LP_METRICS_DIR_NOT_FOUND", exit: 2)
        try verify(fixture)
    }

    func testASnapshotThatIsNotASnapshotIsRefusedBeforeTrafficMoves() throws {
        let fixture = try planned()
        let dir = fixture.work + "/bad"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try Data("not json".utf8).write(to: URL(fileURLWithPath: dir + "/analysis.1.json"))
        try assertUntouched(fixture, try runApply(fixture, ["--metrics-dir", dir]), code: "LP_JSON", exit: 3)
        // An SLO profile saved under a snapshot's name.
        try FileManager.default.removeItem(atPath: dir + "/analysis.1.json")
        try FileManager.default.copyItem(atPath: ExamplePacks.hello + "/slo.json", toPath: dir + "/analysis.1.json")
        try assertUntouched(fixture, try runApply(fixture, ["--metrics-dir", dir]), code: "LP_SCHEMA", exit: 3)
        try verify(fixture)
    }

    func testMisnumberedSnapshotFilesAreRefused() throws {
        let fixture = try planned()
        let dir = try metrics(fixture, [Self.good])
        try FileManager.default.moveItem(atPath: dir + "/analysis.1.json", toPath: dir + "/analysis.01.json")
        try assertUntouched(fixture, try runApply(fixture, ["--metrics-dir", dir]), code: "LP_METRICS_SNAPSHOT_NAME", exit: 3)
        try FileManager.default.moveItem(atPath: dir + "/analysis.01.json", toPath: dir + "/analysis.2.json")
        try assertUntouched(fixture, try runApply(fixture, ["--metrics-dir", dir]), code: "LP_METRICS_SNAPSHOT_NAME", exit: 3)
    }

    func testSnapshotsOfAnotherServiceAreRefused() throws {
        let fixture = try planned()
        let dir = try metrics(fixture, [Self.good.setting("service", "someone.else")])
        try assertUntouched(fixture, try runApply(fixture, ["--metrics-dir", dir]), code: "LP_METRICS_SERVICE_MISMATCH", exit: 3)
    }

    func testAPlanWithAnalysisButNoSLOProfileIsRefusedAtPlanning() throws {
        // Intake with an ops profile but no SLO profile, then `lp-plan` from it.
        let hello = ExamplePacks.hello
        let state = StageProcess.temporaryDirectory()
        let accepted = try StageProcess.x07lp(["deploy", "accept", "--pack", hello + "/pack.tar.gz",
                                               "--change", hello + "/change_request.min.json", "--state-dir", state,
                                               "--now-unix-ms", time, "--json"])
        XCTAssertEqual(accepted.status, 0, accepted.stderr)
        let id = try JSONParser.parse(accepted.stdout)["result"]?["exec_id"]?.stringValue ?? ""
        let before = StateFiles.written(state).keys.filter { !$0.hasPrefix("index") }
        let planned = try StageProcess.run(StageProcess.binary("lp-plan"),
                                           ["--deployment-id", id, "--ops", hello + "/ops.canary.json", "--state-dir", state,
                                            "--now-unix-ms", time])
        XCTAssertEqual(planned.status, 3, planned.stderr)
        XCTAssertTrue(planned.stderr.contains("LP_PLAN_SLO_MISSING"), planned.stderr)
        XCTAssertEqual(Set(StateFiles.written(state).keys.filter { !$0.hasPrefix("index") }), Set(before), "nothing written")
    }

    func testExhaustedRetriesLeaveAStateThatVerifiesWithUniqueDecisions() throws {
        let fixture = try planned()
        let dir = try metrics(fixture, Array(repeating: Self.incomplete, count: 3))
        let result = try runApply(fixture, ["--metrics-dir", dir])
        XCTAssertEqual(result.status, 15, result.stderr)
        try verify(fixture)
        let stored = try stored(fixture)
        XCTAssertEqual(stored["status"], "failed")
        XCTAssertEqual(stored["meta"]?["outcome"], "failed")
        XCTAssertEqual(stored["meta"]?["routing"]?["candidate_weight_pct"], 10, "an exhausted budget keeps the weight")
        // The analysis step lists its three attempts and the exhausted budget: four decisions, four files.
        let analysis = try XCTUnwrap(stored["steps"]?.arrayValue?.first { $0["kind"] == "deploy.analysis.slo" })
        let decisions = (analysis["decisions"]?.arrayValue ?? []).compactMap(\.stringValue)
        XCTAssertEqual(decisions.count, 4, "\(decisions)")
        XCTAssertEqual(Set(decisions).count, 4, "a decision id is never reused: \(decisions)")
        for id in decisions {
            XCTAssertTrue(FileManager.default.fileExists(atPath: fixture.state + "/decisions/\(id).json"), id)
        }
    }

    func testRollbackCompletesTheDeploymentAtWeightZero() throws {
        let fixture = try planned()
        let bad = Self.snapshot(errorRate: 0.5, availability: 0.5, latency: 900)
        let result = try runApply(fixture, ["--metrics-dir", try metrics(fixture, [bad])])
        XCTAssertEqual(result.status, 14, result.stderr)
        let stored = try stored(fixture)
        XCTAssertEqual(stored["status"], "completed")
        XCTAssertEqual(stored["meta"]?["outcome"], "rolled_back")
        XCTAssertEqual(stored["meta"]?["routing"]?["candidate_weight_pct"], 0)
        XCTAssertEqual(stored["meta"]?["runtime"]?["candidate"]?["status"], "stopped")
        try verify(fixture)
    }

    func testStopDuringAPauseLeavesWeightZeroAndTheCandidateStopped() throws {
        let fixture = try planned(["type": "canary", "blue_green": nil,
                                   "canary": ["steps": [["set_weight": 10], ["pause_s": 30],
                                                        ["analysis": ["kind": "slo.eval", "require_decision": "promote"]]]]])
        let dir = try metrics(fixture, [Self.good])
        let apply = Process()
        apply.executableURL = URL(fileURLWithPath: StageProcess.binary("lp-apply"))
        apply.arguments = ["--deployment-id", fixture.id, "--metrics-dir", dir, "--pause-scale", "1", "--state-dir", fixture.state,
                           "--now-unix-ms", time, "--quiet"]
        apply.environment = ["X07LP_CONTRACTS_DIR": StageProcess.repoRoot + "/contracts"]
        apply.standardOutput = FileHandle.nullDevice
        apply.standardError = FileHandle.nullDevice
        try apply.run()
        defer { if apply.isRunning { apply.terminate() } }
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let steps = (try? stored(fixture)["steps"]?.arrayValue) ?? []
            if steps.contains(where: { $0["name"] == "pause_30" && $0["status"] == "running" }) { break }
            usleep(20_000)
        }
        let stop = try StageProcess.x07lp(["deploy", "stop", "--deployment-id", fixture.id, "--reason", "test",
                                           "--state-dir", fixture.state, "--now-unix-ms", "1767225700000", "--json"])
        XCTAssertEqual(stop.status, 0, stop.stderr)
        apply.waitUntilExit()
        let stored = try stored(fixture)
        XCTAssertEqual(stored["status"], "aborted")
        XCTAssertEqual(stored["meta"]?["outcome"], "aborted")
        XCTAssertEqual(stored["meta"]?["routing"]?["candidate_weight_pct"], 0, "the run's last write must not bring the weight back")
        XCTAssertEqual(stored["meta"]?["runtime"]?["candidate"]?["status"], "stopped")
        let status = try StageProcess.x07lp(["deploy", "query", "--deployment-id", fixture.id, "--view", "summary",
                                             "--state-dir", fixture.state, "--json"])
        XCTAssertEqual(try JSONParser.parse(status.stdout)["result"]?["latest_weight_pct"] ?? 0, 0, status.stdoutText)
        try verify(fixture)
    }

    func testASecondDeploymentOfTheSameAppWaitsForTheStartedOne() throws {
        let first = try planned()
        // No snapshot: the first run pauses started at weight 10 (exit 16).
        let empty = first.work + "/empty"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        XCTAssertEqual(try runApply(first, ["--metrics-dir", empty]).status, 16)
        // A second deployment of the same pack, app and environment.
        let hello = ExamplePacks.hello
        let again = try StageProcess.x07lp(["deploy", "accept", "--pack", hello + "/pack.tar.gz",
                                            "--change", hello + "/change_request.ops.json", "--ops", hello + "/ops.blue_green.json",
                                            "--slo", hello + "/slo.json", "--state-dir", first.state, "--now-unix-ms", "1767225900000",
                                            "--json"])
        XCTAssertEqual(again.status, 0, again.stderr)
        var second = first
        second.id = try JSONParser.parse(again.stdout)["result"]?["exec_id"]?.stringValue ?? ""
        XCTAssertNotEqual(second.id, first.id)
        let planned = try StageProcess.run(StageProcess.binary("lp-plan"), ["--deployment-id", second.id, "--state-dir", second.state])
        XCTAssertEqual(planned.status, 0, planned.stderr)
        let refused = try runApply(second, ["--metrics-dir", try metrics(second, [Self.good])])
        XCTAssertEqual(refused.status, 17, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("LP_DEPLOYMENT_IN_PROGRESS") && refused.stderr.contains(first.id), refused.stderr)
        XCTAssertEqual(try stored(second)["status"], "planned")
        // Once the first is stopped, the second runs.
        XCTAssertEqual(try StageProcess.x07lp(["deploy", "stop", "--deployment-id", first.id, "--reason", "superseded",
                                               "--state-dir", first.state]).status, 0)
        XCTAssertEqual(try runApply(second, ["--metrics-dir", try metrics(second, [Self.good])]).status, 0)
    }

    func testAcceptingTheSameInputsAgainNeverRewritesADeploymentThatMovedOn() throws {
        let fixture = try planned()
        XCTAssertEqual(try runApply(fixture, ["--metrics-dir", try metrics(fixture, [Self.good])]).status, 0)
        let promoted = try stored(fixture)
        XCTAssertEqual(promoted["meta"]?["outcome"], "promoted")
        let hello = ExamplePacks.hello
        let again = try StageProcess.x07lp(["deploy", "accept", "--pack", hello + "/pack.tar.gz",
                                            "--change", hello + "/change_request.ops.json", "--ops", hello + "/ops.blue_green.json",
                                            "--slo", hello + "/slo.json", "--state-dir", fixture.state, "--now-unix-ms", time, "--json"])
        XCTAssertEqual(again.status, 2, again.stderr)
        XCTAssertTrue(again.stderr.contains("LP_DEPLOYMENT_EXISTS"), again.stderr)
        XCTAssertEqual(try stored(fixture), promoted)
        try verify(fixture)
    }

    func testTheOneShotDeployRefusesAMistypedFlagBeforeIntakeWrites() throws {
        let hello = ExamplePacks.hello
        let state = StageProcess.temporaryDirectory()
        let result = try StageProcess.x07lp(["deploy", "--pack", hello + "/pack.tar.gz", "--change", hello + "/change_request.ops.json",
                                             "--ops", hello + "/ops.canary.json", "--slo", hello + "/slo.json",
                                             "--metrics-dri", "examples/hello/metrics", "--state-dir", state])
        XCTAssertEqual(result.status, 2, result.stderr)
        XCTAssertTrue(result.stderr.contains("--metrics-dri"), result.stderr)
        XCTAssertEqual(Array(StateFiles.written(state).keys), [], "nothing may be written")
    }

    func testKillingAnAppNeverDeployedNeedsAllowUnknown() throws {
        let fixture = try accepted()
        let typo = try StageProcess.x07lp(["app", "kill", "--app-id", "example.helo.web", "--env", "staging", "--reason", "r",
                                           "--state-dir", fixture.state])
        XCTAssertEqual(typo.status, 2, typo.stderr)
        XCTAssertTrue(typo.stderr.contains("LP_APP_UNKNOWN"), typo.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: fixture.state + "/control/kill"))
        let preemptive = try StageProcess.x07lp(["app", "kill", "--app-id", "example.helo.web", "--env", "staging", "--reason", "r",
                                                 "--allow-unknown", "--state-dir", fixture.state])
        XCTAssertEqual(preemptive.status, 0, preemptive.stderr)
        let known = try StageProcess.x07lp(["app", "kill", "--app-id", "example.hello.web", "--env", "staging", "--reason", "r",
                                            "--state-dir", fixture.state])
        XCTAssertEqual(known.status, 0, known.stderr)
    }

    func testAnUnreadableKillSwitchBlocksTheRun() throws {
        let fixture = try planned()
        try FileManager.default.createDirectory(atPath: fixture.state + "/control/kill", withIntermediateDirectories: true)
        try Data("{not json".utf8).write(to: URL(fileURLWithPath: fixture.state + "/control/kill/platform.json"))
        let result = try runApply(fixture, ["--metrics-dir", try metrics(fixture, [Self.good])])
        XCTAssertEqual(result.status, 18, result.stderr)
        XCTAssertTrue(result.stderr.contains("LP_KILL_SWITCH_UNREADABLE"), result.stderr)
        XCTAssertEqual(try stored(fixture)["status"], "planned")
    }
}
