import Foundation
import LPShared
import XCTest

/// The deploy loop on the project's own example pack: blue-green, retries, long canaries, unknown
/// steps, concurrent runs, and crashes.
final class DeployEngineTests: XCTestCase {
    let time = "1767225600000"

    struct Fixture {
        var state: String
        var work: String
        var id: String
    }

    /// A state with the example pack accepted (blue-green ops profile, so a plan can be generated).
    func accepted() throws -> Fixture {
        let hello = ExamplePacks.hello
        let fixture = Fixture(state: StageProcess.temporaryDirectory(), work: StageProcess.temporaryDirectory(), id: "")
        let result = try StageProcess.x07lp(["deploy", "accept", "--pack", hello + "/pack.tar.gz",
                                             "--change", hello + "/change_request.ops.json", "--ops", hello + "/ops.blue_green.json",
                                             "--slo", hello + "/slo.json", "--state-dir", fixture.state, "--now-unix-ms", time, "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        var copy = fixture
        copy.id = try JSONParser.parse(result.stdout)["result"]?["exec_id"]?.stringValue ?? ""
        try FileManager.default.copyItem(atPath: hello + "/slo.json", toPath: copy.work + "/slo.json")
        return copy
    }

    static func snapshot(errorRate: Double, availability: Double?, latency: Double) -> JSON {
        var metrics: [JSON] = [["name": "http_error_rate", "value": .number(errorRate)],
                               ["name": "http_latency_p95_ms", "value": .number(latency)]]
        if let availability { metrics.append(["name": "http_availability", "value": .number(availability)]) }
        return ["schema_version": "x07.metrics.snapshot@0.1.0", "v": 1, "taken_at_utc": "2026-01-01T00:00:00Z",
                "service": "example.hello.web", "metrics": .array(metrics)]
    }

    static let good = snapshot(errorRate: 0.001, availability: 0.999, latency: 120)
    static let incomplete = snapshot(errorRate: 0.001, availability: nil, latency: 120)

    func write(_ json: JSON, _ path: String) throws {
        try Data(json.canonicalBytes).write(to: URL(fileURLWithPath: path))
    }

    func plan(_ fixture: Fixture, strategy: JSON) throws -> String {
        let path = fixture.work + "/plan.json"
        let pin: JSON = ["path": "x.json", "sha256": .string(String(repeating: "0", count: 64)), "bytes_len": 0]
        try write(["schema_version": "x07.deploy.plan@0.2.0", "id": "test_plan", "v": 1, "pack_manifest": pin,
                   "ops_profile": pin, "policy_cards": [], "outputs": [],
                   "slo_profile": ["path": "slo.json", "sha256": .string(String(repeating: "0", count: 64)), "bytes_len": 0],
                   "strategy": strategy], path)
        return path
    }

    func metrics(_ fixture: Fixture, _ snapshots: [JSON]) throws -> String {
        let dir = fixture.work + "/metrics"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for (index, snapshot) in snapshots.enumerated() { try write(snapshot, "\(dir)/analysis.\(index + 1).json") }
        return dir
    }

    func run(_ fixture: Fixture, plan: String?, metricsDir: String, extra: [String] = []) throws -> StageResult {
        try StageProcess.x07lp(["deploy", "run", "--deployment-id", fixture.id, "--metrics-dir", metricsDir, "--pause-scale", "0",
                                "--state-dir", fixture.state, "--now-unix-ms", time, "--json"]
                               + (plan.map { ["--plan", $0] } ?? []) + extra)
    }

    func stored(_ fixture: Fixture, _ id: String? = nil) throws -> JSON {
        try JSONParser.parse([UInt8](Data(contentsOf: URL(fileURLWithPath: "\(fixture.state)/deploy/\(id ?? fixture.id).json"))))
    }

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
        let analysis = execution["steps"]?.arrayValue?.first { $0["kind"] == "analysis" }
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
        var statuses: [Int32] = []
        let lock = NSLock()
        for _ in 0..<2 {
            DispatchQueue.global().async(group: group) {
                let result = try? StageProcess.run(StageProcess.binary("lp-apply"), args)
                lock.lock(); statuses.append(result?.status ?? -1); lock.unlock()
            }
        }
        group.wait()
        XCTAssertEqual(statuses.sorted(), [0, 17])
    }
}
