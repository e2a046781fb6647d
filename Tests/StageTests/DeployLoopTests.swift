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

/// The deploy loop against the reference scenarios in ../shared/upstream/fixtures/deploy_loop and
/// control_plane (skipped when absent), through scripts/x07lp as an operator runs them.
final class DeployLoopTests: XCTestCase {
    static let time = "1762147200000"

    /// Accepts the reference pack with the deploy-loop change request; returns the deployment id.
    static func accept(state: String) throws -> String {
        let fixtures = try Upstream.require("fixtures")
        let result = try StageProcess.x07lp(["deploy", "accept", "--pack-dir", fixtures + "/baseline/pack_min",
                                             "--change", fixtures + "/deploy_loop/common/change_request.app_min.json",
                                             "--state-dir", state, "--now-unix-ms", time, "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        return try JSONParser.parse(result.stdout)["result"]?["exec_id"]?.stringValue ?? ""
    }

    static func run(_ scenario: String, state: String, id: String, pauseScale: String = "0") throws -> StageResult {
        let dir = try Upstream.require("fixtures/deploy_loop/" + scenario)
        return try StageProcess.x07lp(["deploy", "run", "--deployment-id", id, "--plan", dir + "/deploy.plan.json",
                                       "--metrics-dir", dir, "--pause-scale", pauseScale, "--state-dir", state,
                                       "--now-unix-ms", time, "--json"])
    }

    func check(_ result: StageResult, template: String, status: Int32, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(result.status, status, result.stderr, file: file, line: line)
        let expected = try TemplateMatch.load(try Upstream.require(template))
        XCTAssertEqual(TemplateMatch.mismatches(expected: expected, actual: try JSONParser.parse(result.stdout)), [],
                       result.stdoutText, file: file, line: line)
    }

    static func checkStoredExecution(state: String, id: String) throws {
        let contracts = try Upstream.require("lp-contracts")
        let execution = try JSONParser.parse([UInt8](Data(contentsOf: URL(fileURLWithPath: "\(state)/deploy/\(id).json"))))
        let meta = StageProcess.temporaryDirectory() + "/meta.json"
        try Data((execution["meta"] ?? .null).canonicalBytes).write(to: URL(fileURLWithPath: meta))
        for schema in ["\(contracts)/lp.deploy.execution.meta.local.schema.json", "lp.deploy.execution.meta.local@0.1.0"] {
            let check = try StageProcess.x07lp(["schema", "validate", "--schema", schema, "--in", meta])
            XCTAssertEqual(check.status, 0, "\(schema): \(check.stderr)")
        }
        for schema in ["\(contracts)/lp.deploy.execution.schema.json", "lp.deploy.execution@0.1.0"] {
            let check = try StageProcess.x07lp(["schema", "validate", "--schema", schema, "--in", "\(state)/deploy/\(id).json"])
            XCTAssertEqual(check.status, 0, "\(schema): \(check.stderr)")
        }
    }

    func testPromoteRollbackAndRetryExhaustedMatchTheirTemplates() throws {
        for (scenario, status) in [("promote", Int32(0)), ("rollback", 14), ("retry_exhausted", 15)] {
            let state = StageProcess.temporaryDirectory()
            let id = try Self.accept(state: state)
            let result = try Self.run(scenario, state: state, id: id)
            try check(result, template: "fixtures/deploy_loop/\(scenario)/expected/deploy.run.report.json", status: status)
            try Self.checkStoredExecution(state: state, id: id)
            if scenario == "rollback" {
                let incidents = FileManager.default.enumerator(atPath: state + "/incidents")?.allObjects as? [String] ?? []
                let bundles = incidents.filter { $0.hasSuffix("incident.bundle.json") }
                XCTAssertEqual(bundles.count, 1, "an slo_rollback incident is captured")
                for name in bundles {
                    let contracts = try Upstream.require("lp-contracts")
                    let check = try StageProcess.x07lp(["schema", "validate", "--schema", contracts + "/lp.incident.bundle.schema.json",
                                                        "--in", state + "/incidents/" + name])
                    XCTAssertEqual(check.status, 0, check.stderr)
                }
            }
        }
    }

    func testStopDuringPauseFromASecondProcess() throws {
        let state = StageProcess.temporaryDirectory()
        let id = try Self.accept(state: state)
        let dir = try Upstream.require("fixtures/deploy_loop/stop_during_pause")
        let runner = Process()
        runner.executableURL = URL(fileURLWithPath: StageProcess.x07lp)
        runner.arguments = ["deploy", "run", "--deployment-id", id, "--plan", dir + "/deploy.plan.json", "--metrics-dir", dir,
                            "--pause-scale", "0.05", "--state-dir", state, "--now-unix-ms", Self.time, "--json"]
        var env = ProcessInfo.processInfo.environment
        env["X07LP_BIN_DIR"] = StageProcess.binDir
        env["X07LP_CONTRACTS_DIR"] = StageProcess.repoRoot + "/contracts"
        runner.environment = env
        let output = Pipe()
        runner.standardOutput = output
        runner.standardError = FileHandle.nullDevice
        try runner.run()
        // Wait until the run is inside a pause step, then stop it from this (second) process.
        let deadline = Date().addingTimeInterval(20)
        var pausing = false
        while Date() < deadline && !pausing {
            if let doc = try? JSONParser.parse([UInt8](Data(contentsOf: URL(fileURLWithPath: "\(state)/deploy/\(id).json")))) {
                pausing = (doc["steps"]?.arrayValue ?? []).contains { $0["kind"] == "deploy.pause" && $0["status"] == "running" }
            }
            if !pausing { usleep(10_000) }
        }
        XCTAssertTrue(pausing, "the run never reached a pause")
        let stop = try StageProcess.x07lp(["deploy", "stop", "--deployment-id", id, "--reason", "manual_stop_during_pause",
                                           "--state-dir", state, "--now-unix-ms", "1762147205000", "--json"])
        try check(stop, template: "fixtures/deploy_loop/stop_during_pause/expected/deploy.stop.report.json", status: 0)
        let runOutput = output.fileHandleForReading.readDataToEndOfFile()
        runner.waitUntilExit()
        XCTAssertEqual(runner.terminationStatus, 0)
        let report = try JSONParser.parse([UInt8](runOutput))
        XCTAssertEqual(report["diagnostics"]?.arrayValue?.first?["code"], "LP_DEPLOY_STOPPED")
        let stored = try JSONParser.parse([UInt8](Data(contentsOf: URL(fileURLWithPath: "\(state)/deploy/\(id).json"))))
        XCTAssertEqual(stored["status"], "aborted")
        XCTAssertEqual(stored["meta"]?["outcome"], "aborted")
        try Self.checkStoredExecution(state: state, id: id)
    }

    func testPauseAndRerunMatchTheirTemplates() throws {
        let state = StageProcess.temporaryDirectory()
        let id = try Self.accept(state: state)
        let dir = try Upstream.require("fixtures/control_plane/pause_and_rerun")
        let pause = try StageProcess.x07lp(["deploy", "pause", "--deployment-id", id, "--reason", "hold", "--state-dir", state,
                                            "--now-unix-ms", Self.time, "--json"])
        try check(pause, template: "fixtures/control_plane/pause_and_rerun/expected/deploy.pause.report.json", status: 0)
        XCTAssertTrue(pause.stdoutText.contains("\"signature_status\":\"valid\""), pause.stdoutText)
        // A paused deployment does not run: lp-apply stops at once and says so.
        let held = try StageProcess.x07lp(["deploy", "run", "--deployment-id", id, "--plan", dir + "/deploy.plan.json",
                                           "--pause-scale", "0", "--state-dir", state, "--now-unix-ms", Self.time, "--json"])
        XCTAssertEqual(held.status, 0, held.stderr)
        XCTAssertTrue(held.stdoutText.contains("LP_DEPLOY_PAUSED"), held.stdoutText)
        let rerun = try StageProcess.x07lp(["deploy", "rerun", "--deployment-id", id, "--reason", "again", "--state-dir", state,
                                            "--now-unix-ms", Self.time, "--json"])
        try check(rerun, template: "fixtures/control_plane/pause_and_rerun/expected/deploy.rerun.report.json", status: 0)
        let newId = try JSONParser.parse(rerun.stdout)["result"]?["new_execution_id"]?.stringValue ?? ""
        XCTAssertNotEqual(newId, id)
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(state)/deploy/\(newId).json"))
        for file in try FileManager.default.contentsOfDirectory(atPath: state + "/control/actions") {
            let check = try StageProcess.x07lp(["schema", "validate", "--schema",
                                                try Upstream.require("lp-contracts") + "/lp.control.action.result.schema.json",
                                                "--in", state + "/control/actions/" + file])
            XCTAssertEqual(check.status, 0, check.stderr)
        }
    }

    func testKillSwitchesLatchAndMatchTheirTemplates() throws {
        let state = StageProcess.temporaryDirectory()
        let id = try Self.accept(state: state)
        let base = ["--state-dir", state, "--now-unix-ms", Self.time, "--json", "--reason", "drill"]
        let appKill = try StageProcess.x07lp(["app", "kill", "--app-id", "app_min", "--env", "staging"] + base)
        try check(appKill, template: "fixtures/control_plane/kill_switch/expected/app.kill.report.json", status: 0)
        let blocked = try Self.run("promote", state: state, id: id)
        XCTAssertEqual(blocked.status, 18, blocked.stderr)
        XCTAssertTrue(blocked.stderr.contains("LP_KILL_SWITCH_ENGAGED"), blocked.stderr)
        let appUnkill = try StageProcess.x07lp(["app", "unkill", "--app-id", "app_min", "--env", "staging"] + base)
        try check(appUnkill, template: "fixtures/control_plane/kill_switch/expected/app.unkill.report.json", status: 0)
        let platformKill = try StageProcess.x07lp(["platform", "kill"] + base)
        try check(platformKill, template: "fixtures/control_plane/kill_switch/expected/platform.kill.report.json", status: 0)
        XCTAssertEqual(try Self.run("promote", state: state, id: id).status, 18)
        let platformUnkill = try StageProcess.x07lp(["platform", "unkill"] + base)
        try check(platformUnkill, template: "fixtures/control_plane/kill_switch/expected/platform.unkill.report.json", status: 0)
        let promoted = try Self.run("promote", state: state, id: id)
        XCTAssertEqual(promoted.status, 0, promoted.stderr)
        for report in [appKill, appUnkill, platformKill, platformUnkill] {
            XCTAssertTrue(report.stdoutText.contains("\"signature_status\":\"valid\""), report.stdoutText)
        }
    }
}

/// The shape of the promoted execution's steps and decisions, as the reference query fixtures show
/// them (step names and kinds, decision kinds, reason codes, evidence roles).
final class DeployRecordShapeTests: XCTestCase {
    func testStepsAndDecisionsUseTheReferenceVocabulary() throws {
        let state = StageProcess.temporaryDirectory()
        let id = try DeployLoopTests.accept(state: state)
        XCTAssertEqual(try DeployLoopTests.run("promote", state: state, id: id).status, 0)
        let execution = try JSONParser.parse([UInt8](Data(contentsOf: URL(fileURLWithPath: "\(state)/deploy/\(id).json"))))
        let template = try TemplateMatch.load(try Upstream.require("fixtures/deploy_loop/query/expected/query.timeline.report.json"))
        let expectedSteps = template["result"]?["steps"] ?? []
        XCTAssertEqual(TemplateMatch.mismatches(expected: expectedSteps, actual: execution["steps"] ?? []), [])
        let ids = (execution["steps"]?.arrayValue ?? []).flatMap { $0["decisions"]?.arrayValue ?? [] }.compactMap(\.stringValue)
        var unique: [String] = []
        for id in ids where !unique.contains(id) { unique.append(id) }
        let decisions = try unique.map { id in
            try JSONParser.parse([UInt8](Data(contentsOf: URL(fileURLWithPath: "\(state)/decisions/\(id).json"))))
        }
        // Routing and pause steps link the gate decision that authorized them instead of deciding.
        let kinds = decisions.map { $0["kind"]?.stringValue ?? "?" }
        XCTAssertEqual(Array(kinds.prefix(3)), ["deploy.prepare.plan", "deploy.runtime.start_candidate", "deploy.analysis.slo"])
        XCTAssertEqual(decisions[0]["reasons"]?.arrayValue?.first?["code"], "LP_PLAN_READY")
        XCTAssertEqual(decisions[1]["reasons"]?.arrayValue?.first?["code"], "LP_RUNTIME_HEALTHCHECK_OK")
        XCTAssertEqual(decisions[2]["reasons"]?.arrayValue?.first?["code"], "LP_SLO_PROMOTE")
        XCTAssertEqual(decisions[2]["evidence"]?.arrayValue?.map { $0["label"] ?? .null }, ["metrics_snapshot", "slo_eval_report"])
    }
}

/// `x07lp route` answers from the router state the run left behind.
final class RouteTests: XCTestCase {
    func testRouteFollowsTheCandidateWeight() throws {
        let state = StageProcess.temporaryDirectory()
        let id = try DeployLoopTests.accept(state: state)
        XCTAssertEqual(try DeployLoopTests.run("retry_exhausted", state: state, id: id).status, 15)  // stays at weight 5
        // Buckets computed in the shell: `h=$(printf '%s' KEY | sha256sum | cut -c1-8); echo $(( 16#$h % 100 ))`
        // (see StageLibraryTests/RoutingBucketTests). Weight 5 sends buckets 0...4 to the candidate.
        let expected: [(key: String, bucket: Int, slot: String)] = [
            ("user-4", 1, "candidate"), ("key-30", 4, "candidate"), ("key-143", 5, "stable"), ("user-1", 52, "stable"),
        ]
        for (key, bucket, slot) in expected {
            let result = try StageProcess.x07lp(["route", "--deployment-id", id, "--route-key", key, "--state-dir", state])
            XCTAssertEqual(result.status, 0, result.stderr)
            let answer = try JSONParser.parse(result.stdout)
            XCTAssertEqual(answer["bucket"], .number(Double(bucket)), key)
            XCTAssertEqual(answer["weight_pct"], 5, key)
            XCTAssertEqual(answer["slot"], .string(slot), key)
        }
        let missing = try StageProcess.x07lp(["route", "--deployment-id", "lpexec_00000000000000000000000000", "--state-dir", state])
        XCTAssertEqual(missing.status, 2)
    }
}

/// `x07lp deploy`: accept + plan + run as one pipeline; a failed stage's exit code reaches the end.
final class OneShotDeployTests: XCTestCase {
    func testAcceptPlanAndRunInOneGoAndFailuresTravelDownThePipe() throws {
        let fixtures = try Upstream.require("fixtures")
        let state = StageProcess.temporaryDirectory()
        let promote = fixtures + "/deploy_loop/promote"
        let ok = try StageProcess.x07lp(["deploy", "--change", fixtures + "/deploy_loop/common/change_request.app_min.json",
                                         "--pack-dir", fixtures + "/baseline/pack_min", "--plan", promote + "/deploy.plan.json",
                                         "--metrics-dir", promote, "--pause-scale", "0", "--state-dir", state,
                                         "--now-unix-ms", DeployLoopTests.time, "--json"])
        let expected = try TemplateMatch.load(promote + "/expected/deploy.run.report.json")
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertEqual(TemplateMatch.mismatches(expected: expected, actual: try JSONParser.parse(ok.stdout)), [])
        let denied = try StageProcess.x07lp(["deploy", "--change", fixtures + "/baseline/change_request.ops_required.json",
                                             "--pack-dir", fixtures + "/baseline/pack_min", "--metrics-dir", promote,
                                             "--state-dir", state, "--now-unix-ms", DeployLoopTests.time, "--json"])
        XCTAssertEqual(denied.status, 13, denied.stderr)
        XCTAssertTrue(denied.stderr.contains("LP_GATE_REJECTED"), denied.stderr)
        let explained = try StageProcess.x07lp(["--explain", "deploy", "--change", "cr.json", "--pack", "p.tar.zst",
                                                "--metrics-dir", "m", "--state-dir", "s"])
        XCTAssertEqual(explained.stdoutText,
                       "lp-validate --in cr.json --pack p.tar.zst --state-dir s --report --quiet | lp-plan --state-dir s --report --quiet | lp-apply --metrics-dir m --state-dir s\n")
    }
}
