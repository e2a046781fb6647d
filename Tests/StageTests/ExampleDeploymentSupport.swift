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

/// Deployments of the project's own example pack for engine tests: an accepted deployment,
/// plans and metrics snapshots written to a scratch directory, runs through scripts/x07lp.
protocol ExampleDeploymentSupport {}

struct ExampleDeploymentFixture {
    var state: String
    var work: String
    var id: String
}

extension ExampleDeploymentSupport {
    typealias Fixture = ExampleDeploymentFixture

    var time: String { "1767225600000" }

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

    static var good: JSON { snapshot(errorRate: 0.001, availability: 0.999, latency: 120) }
    static var incomplete: JSON { snapshot(errorRate: 0.001, availability: nil, latency: 120) }

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

}
