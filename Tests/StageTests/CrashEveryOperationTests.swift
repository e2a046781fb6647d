import LPCore
import Foundation
import XCTest

/// Every writing operation, killed (SIGKILL) right after each of its renames into the state in
/// turn (`X07LP_CRASH_AFTER_WRITES=N`), leaves a state that `state verify` accepts, and running
/// the operation again finishes it: intake, planning, every control action, incident capture,
/// regression generation and index rebuild. (lp-apply's run: CrashSafetyTests.)
final class CrashEveryOperationTests: XCTestCase, ExampleDeploymentSupport {
    struct Operation {
        var name: String
        var executable: String
        var arguments: [String]
        /// Re-running an operation that had already taken effect may be refused as done.
        var doneCodes: [String] = []
        /// What the finished operation left, checked after the re-run.
        var effect: (String) throws -> Void
    }

    /// Crashes `operation` at write 1, 2, … on copies of `base` until a run gets through; returns
    /// how many crash points there were.
    @discardableResult
    func crashAtEveryWrite(_ operation: Operation, base: String, file: StaticString = #filePath, line: UInt = #line) throws -> Int {
        var points = 0
        for point in 1...200 {
            let state = StageProcess.temporaryDirectory() + "/state"
            try FileManager.default.copyItem(atPath: base, toPath: state)
            let arguments = operation.arguments.map { $0 == "STATE" ? state : $0 }
            let crashed = try StageProcess.runUntilSignal(operation.executable, arguments,
                                                          environment: ["X07LP_CRASH_AFTER_WRITES": String(point)])
            guard crashed else {
                if point == 1 {
                    let run = try StageProcess.run(operation.executable, arguments)
                    XCTFail("\(operation.name) wrote nothing to crash at: exit \(run.status) \(run.stderr)", file: file, line: line)
                }
                break
            }
            points += 1
            let label = "\(operation.name), crash after write \(point)"
            let verify = try StageProcess.x07lp(["state", "verify", "--state-dir", state])
            XCTAssertEqual(verify.status, 0, "\(label): \(verify.stderr)", file: file, line: line)
            let again = try StageProcess.run(operation.executable, arguments)
            let done = operation.doneCodes.contains { again.stderr.contains($0) }
            XCTAssertTrue(again.status == 0 || done, "\(label), re-run: \(again.stderr)", file: file, line: line)
            try operation.effect(state)
            let after = try StageProcess.x07lp(["state", "verify", "--state-dir", state])
            XCTAssertEqual(after.status, 0, "\(label), after the re-run: \(after.stderr)", file: file, line: line)
        }
        return points
    }

    func json(_ path: String) throws -> JSON { try JSONParser.parse([UInt8](Data(contentsOf: URL(fileURLWithPath: path)))) }

    func testIntakeAndPlanning() throws {
        let hello = ExamplePacks.hello
        let empty = StageProcess.temporaryDirectory()
        let accept = Operation(
            name: "deploy accept", executable: StageProcess.binary("lp-validate"),
            arguments: ["--pack", hello + "/pack.tar.gz", "--in", hello + "/change_request.ops.json", "--ops", hello + "/ops.blue_green.json",
                        "--slo", hello + "/slo.json", "--state-dir", "STATE", "--now-unix-ms", time]) { state in
            let executions = try FileManager.default.contentsOfDirectory(atPath: state + "/deploy")
            XCTAssertEqual(executions.count, 1)
        }
        let intakePoints = try crashAtEveryWrite(accept, base: empty)
        XCTAssertGreaterThan(intakePoints, 10, "every pack file and record is a crash point")

        let fixture = try accepted()
        let plan = Operation(name: "lp-plan", executable: StageProcess.binary("lp-plan"),
                             arguments: ["--deployment-id", fixture.id, "--state-dir", "STATE", "--now-unix-ms", time]) { state in
            XCTAssertNotEqual(try self.json("\(state)/deploy/\(fixture.id).json")["plan"], .null)
        }
        try crashAtEveryWrite(plan, base: fixture.state)
    }

    func testEveryControlAction() throws {
        let fixture = try accepted()
        let key = StageProcess.repoRoot + "/examples/hello/keys/test-signing.key.pem"
        func control(_ words: [String], _ extra: [String] = [], done: [String] = ["LP_CONTROL_NOT_APPLICABLE"],
                     effect: @escaping (JSON) -> Void) -> Operation {
            Operation(name: words.joined(separator: " "), executable: StageProcess.binary("lp-apply"),
                      arguments: ["control"] + words + extra + ["--reason", "crash test", "--signing-key", key,
                                                                "--state-dir", "STATE", "--now-unix-ms", "1767225700000"],
                      doneCodes: done) { state in
                effect(try self.json("\(state)/deploy/\(fixture.id).json"))
            }
        }
        let deployment = ["--deployment-id", fixture.id]
        try crashAtEveryWrite(control(["deploy", "pause"], deployment) { XCTAssertEqual($0["meta"]?["control_state"], "paused") },
                              base: fixture.state)
        try crashAtEveryWrite(control(["deploy", "stop"], deployment) { XCTAssertEqual($0["status"], "aborted") }, base: fixture.state)
        try crashAtEveryWrite(control(["deploy", "rollback"], deployment) { XCTAssertEqual($0["meta"]?["outcome"], "rolled_back") },
                              base: fixture.state)
        try crashAtEveryWrite(control(["deploy", "rerun"], deployment, done: []) { XCTAssertEqual($0["status"], "planned") },
                              base: fixture.state)
        let kill = Operation(name: "app kill", executable: StageProcess.binary("lp-apply"),
                             arguments: ["control", "app", "kill", "--app-id", "example.hello.web", "--env", "staging",
                                         "--reason", "crash test", "--signing-key", key, "--state-dir", "STATE",
                                         "--now-unix-ms", "1767225700000"]) { state in
            XCTAssertEqual(try self.json(state + "/control/kill/app:example.hello.web/staging.json")["engaged"], true)
        }
        try crashAtEveryWrite(kill, base: fixture.state)

        // resume and unkill act on a paused and a killed deployment; promote on one awaiting it.
        let paused = StageProcess.temporaryDirectory() + "/paused"
        try FileManager.default.copyItem(atPath: fixture.state, toPath: paused)
        let pause = try StageProcess.x07lp(["deploy", "pause", "--deployment-id", fixture.id, "--reason", "r", "--state-dir", paused])
        XCTAssertEqual(pause.status, 0, pause.stderr)
        try crashAtEveryWrite(control(["deploy", "resume"], deployment) { XCTAssertEqual($0["meta"]?["control_state"], "active") },
                              base: paused)
        let awaiting = try accepted()
        let bluegreen = try plan(awaiting, strategy: ["type": "blue_green", "canary": nil, "blue_green": ["auto_promote": false]])
        XCTAssertEqual(try run(awaiting, plan: bluegreen, metricsDir: try metrics(awaiting, [Self.good])).status, 0)
        let promote = Operation(name: "deploy promote", executable: StageProcess.binary("lp-apply"),
                                arguments: ["control", "deploy", "promote", "--deployment-id", awaiting.id, "--reason", "crash test",
                                            "--signing-key", key, "--state-dir", "STATE", "--now-unix-ms", "1767225700000"],
                                doneCodes: ["LP_CONTROL_NOT_APPLICABLE"]) { state in
            XCTAssertEqual(try self.json("\(state)/deploy/\(awaiting.id).json")["meta"]?["outcome"], "promoted")
        }
        try crashAtEveryWrite(promote, base: awaiting.state)
        let killed = StageProcess.temporaryDirectory() + "/killed"
        try FileManager.default.copyItem(atPath: awaiting.state, toPath: killed)
        XCTAssertEqual(try StageProcess.x07lp(["app", "kill", "--app-id", "example.hello.web", "--env", "staging", "--reason", "r",
                                               "--state-dir", killed]).status, 0)
        let unkill = Operation(name: "app unkill", executable: StageProcess.binary("lp-apply"),
                               arguments: ["control", "app", "unkill", "--app-id", "example.hello.web", "--env", "staging",
                                           "--reason", "crash test", "--signing-key", key, "--state-dir", "STATE",
                                           "--now-unix-ms", "1767225700000"]) { state in
            XCTAssertEqual(try self.json(state + "/control/kill/app:example.hello.web/staging.json")["engaged"], false)
        }
        try crashAtEveryWrite(unkill, base: killed)
    }

    func testIncidentCaptureRegressionAndIndexRebuild() throws {
        let setup = try IncidentTests.promoted()
        let capture = Operation(
            name: "incident capture", executable: StageProcess.binary("lp-incident"),
            arguments: ["capture", "--deployment-id", setup.deployment, "--request", setup.work + "/request.json",
                        "--response", setup.work + "/response.json", "--trace", setup.work + "/trace.json", "--reason", "502",
                        "--state-dir", "STATE", "--now-unix-ms", IncidentTests.time]) { state in
            // The deployment counts the incident exactly once, however the capture was interrupted.
            let execution = try self.json("\(state)/deploy/\(setup.deployment).json")
            XCTAssertEqual(execution["meta"]?["incident_count_total"], 1)
            XCTAssertNotEqual(execution["meta"]?["last_incident_id"], .null)
        }
        try crashAtEveryWrite(capture, base: setup.state)

        let captured = try IncidentTests.capture(setup)
        XCTAssertEqual(captured.status, 0, captured.stderr)
        let incident = try IncidentTests.incidentId(captured)
        let out = StageProcess.temporaryDirectory()
        let regress = Operation(
            name: "regress from-incident", executable: StageProcess.binary("lp-regress"),
            arguments: ["from-incident", "--incident-id", incident, "--name", "crash_502", "--out-dir", out,
                        "--state-dir", "STATE", "--now-unix-ms", IncidentTests.time]) { state in
            let locations = try FileManager.default.contentsOfDirectory(atPath: state + "/incidents/example.hello.web/staging")
            let meta = try self.json("\(state)/incidents/example.hello.web/staging/\(locations[0])/incident.meta.local.json")
            XCTAssertEqual(meta["regression_status"], "generated")
        }
        try crashAtEveryWrite(regress, base: setup.state)

        // An index rebuild writes the derived index, not state records: killed at moments spread
        // over its run instead, it leaves the state valid and the next rebuild or query works.
        var seed: UInt64 = 0x1DE7
        for round in 0..<6 {
            let state = StageProcess.temporaryDirectory() + "/state"
            try FileManager.default.copyItem(atPath: setup.state, toPath: state)
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            _ = try StageProcess.runKilled(after: 1_000 + Int((seed >> 33) % 40_000), StageProcess.binary("lp-query"),
                                           ["index", "rebuild", "--state-dir", state])
            XCTAssertEqual(try StageProcess.x07lp(["state", "verify", "--state-dir", state]).status, 0, "round \(round)")
            let query = try StageProcess.run(StageProcess.binary("lp-query"), ["deploy", "--deployment-id", setup.deployment,
                                                                              "--state-dir", state, "--json"])
            XCTAssertEqual(query.status, 0, "round \(round): \(query.stderr)")
            XCTAssertEqual(try JSONParser.parse(query.stdout)["result"]?["outcome"], "promoted", "round \(round)")
        }
    }
}
