import LPCore
import LPModel
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// `deploy run --metrics-from prometheus=URL --metrics-queries FILE` against a real Prometheus
/// (Debian `prometheus`), started by the test with a one-second scrape of its own /metrics:
/// the queries are real PromQL over real series, evaluated by the server.
final class PrometheusMetricsTests: XCTestCase, ExampleDeploymentSupport {
    var prometheus: String = ""

    override func setUpWithError() throws {
        guard access("/usr/bin/prometheus", X_OK) == 0 else {
            XCTFail("prometheus is not installed (scripts/bootstrap installs the Debian package)")
            throw XCTSkip("prometheus missing")
        }
        let dir = StageProcess.temporaryDirectory()
        let port = 39_000 + Int.random(in: 900..<999)
        try """
        global: {scrape_interval: 1s, evaluation_interval: 1s}
        scrape_configs:
          - job_name: self
            static_configs: [{targets: ["127.0.0.1:\(port)"]}]

        """.write(toFile: dir + "/prometheus.yml", atomically: true, encoding: .utf8)
        let pid = try ChildProcess.start("/usr/bin/prometheus", ["--config.file=\(dir)/prometheus.yml", "--storage.tsdb.path=\(dir)/data",
                                                                 "--web.listen-address=127.0.0.1:\(port)"],
                                         environment: ["PATH": "/usr/bin:/bin"], log: dir + "/prometheus.log", newSession: false)
        addTeardownBlock {
            kill(pid, SIGTERM)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
        prometheus = "http://127.0.0.1:\(port)"
        // Ready once its own series are scraped (the healthy queries need one sample).
        for _ in 0..<200 {
            let answer = try StageProcess.run("/usr/bin/curl", ["-s", prometheus + "/api/v1/query?query=prometheus_http_requests_total"])
            if answer.stdoutText.contains("\"__name__\":\"prometheus_http_requests_total\"") { return }
            usleep(100_000)
        }
        XCTFail("prometheus did not scrape itself within 20 s: \((try? String(contentsOfFile: dir + "/prometheus.log", encoding: .utf8)) ?? "")")
    }

    func queries(_ fixture: Fixture, errorRate: String) throws -> String {
        let errors = #"(sum(prometheus_http_requests_total{code=~"5.."}) or vector(0))"#
        let path = fixture.work + "/queries.json"
        try write(["schema_version": "x07lp.metrics.queries@0.1.0", "queries": [
            "error_rate": .string(errorRate.isEmpty ? "\(errors) / sum(prometheus_http_requests_total)" : errorRate),
            "availability": .string("1 - \(errors) / sum(prometheus_http_requests_total)"),
            "latency_p95_ms": "histogram_quantile(0.95, sum by (le) (prometheus_http_request_duration_seconds_bucket)) * 1000"]], path)
        return path
    }

    func runCanary(_ fixture: Fixture, queries: String, source: String? = nil) throws -> StageResult {
        let plan = try plan(fixture, strategy: ["type": "canary", "canary": ["steps": [
            ["set_weight": 50], ["analysis": ["kind": "slo.eval", "require_decision": "promote"]]]]])
        return try StageProcess.x07lp(["deploy", "run", "--deployment-id", fixture.id, "--plan", plan, "--pause-scale", "0",
                                       "--metrics-from", source ?? "prometheus=\(prometheus)", "--metrics-queries", queries,
                                       "--state-dir", fixture.state, "--json"])
    }

    func snapshot(_ fixture: Fixture) throws -> JSON {
        let stored = try stored(fixture)
        let last = try XCTUnwrap(stored["meta"]?["analysis"]?["last_snapshot"])
        XCTAssertEqual(last["label"], "prometheus.1.json")
        let sha = try XCTUnwrap(last["digest"]?["sha256"]?.stringValue)
        return try JSONParser.parse([UInt8](Data(contentsOf: URL(fileURLWithPath: "\(fixture.state)/store/blobs/sha256/\(sha.prefix(2))/\(sha)"))))
    }

    func value(_ snapshot: JSON, _ name: String) -> Double? {
        snapshot["metrics"]?.arrayValue?.first { $0["name"] == .string(name) }?["value"]?.doubleValue
    }

    func testHealthySeriesPromoteTheCanary() throws {
        let fixture = try accepted()
        let run = try runCanary(fixture, queries: try queries(fixture, errorRate: ""))
        XCTAssertEqual(run.status, 0, run.stdoutText)
        let snapshot = try snapshot(fixture)
        XCTAssertEqual(snapshot["labels"]?["source"], "prometheus")
        XCTAssertEqual(value(snapshot, "http_error_rate"), 0)
        XCTAssertEqual(value(snapshot, "http_availability"), 1)
        let latency = try XCTUnwrap(value(snapshot, "http_latency_p95_ms"))
        XCTAssertTrue(latency > 0 && latency <= 250, "\(latency)")
    }

    func testAnErrorRateOverTheObjectiveRollsBack() throws {
        let fixture = try accepted()
        let run = try runCanary(fixture, queries: try queries(fixture, errorRate: "vector(0.25)"))
        XCTAssertEqual(run.status, 14, run.stdoutText)
        XCTAssertEqual(value(try snapshot(fixture), "http_error_rate"), 0.25)
        let incidents = try StageProcess.x07lp(["incident", "list", "--state-dir", fixture.state, "--json"])
        XCTAssertEqual(try JSONParser.parse(incidents.stdout)["result"]?["items"]?.arrayValue?.first?["classification"], "slo_rollback")
    }

    func testBrokenQueriesAndUnreachableServersAreRefusedBeforeTrafficMoves() throws {
        let cases: [(String, String?, String, Int32)] = [
            ("sum((", nil, "LP_METRICS_QUERY_FAILED", 3),
            // Two series, whatever the server has scraped so far: not one value.
            (#"label_replace(vector(1), "k", "a", "", "") or label_replace(vector(2), "k", "b", "", "")"#, nil, "LP_METRICS_QUERY_FAILED", 3),
            ("", "prometheus=http://127.0.0.1:1", "LP_METRICS_SOURCE_UNREACHABLE", 16),
            ("", "prometheus=ftp://example", "LP_METRICS_SOURCE_UNKNOWN", 2),
        ]
        for (errorRate, source, code, status) in cases {
            let fixture = try accepted()
            let run = try runCanary(fixture, queries: try queries(fixture, errorRate: errorRate), source: source)
            XCTAssertEqual(run.status, status, "\(code): \(run.stdoutText)")
            XCTAssertEqual(try JSONParser.parse(run.stdout)["diagnostics"]?.arrayValue?.first?["code"]?.stringValue, code, run.stdoutText)
            XCTAssertNil(try stored(fixture)["meta"]?["routing"]?["candidate_weight_pct"]?.intValue.flatMap { $0 > 0 ? $0 : nil },
                         "no traffic moved")
        }
        let fixture = try accepted()
        let alone = try StageProcess.x07lp(["deploy", "run", "--deployment-id", fixture.id, "--metrics-from", "prometheus=\(prometheus)",
                                            "--state-dir", fixture.state, "--json"])
        XCTAssertEqual(alone.status, 2)
        XCTAssertEqual(try JSONParser.parse(alone.stdout)["diagnostics"]?.arrayValue?.first?["code"], "LP_USAGE")
    }
}
