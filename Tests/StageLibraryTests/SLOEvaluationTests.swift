@testable import LPCore
@testable import LPModel
@testable import LPApply
import XCTest

/// SLO evaluation (docs/deploy.md): error_rate ≤ max, availability ≥ min, latency_p95_ms ≤ max_ms;
/// any violation rolls back, otherwise a missing metric is inconclusive, otherwise promote.
final class SLOEvaluationTests: XCTestCase {
    static let profile: JSON = [
        "schema_version": "x07.slo.profile@0.1.0", "id": "t.slo", "v": 1, "service": "t",
        "indicators": [
            ["id": "err", "kind": "error_rate", "metric": "http_error_rate", "window_s": 60, "objective": ["max": 0.02]],
            ["id": "avail", "kind": "availability", "metric": "http_availability", "window_s": 60, "objective": ["min": 0.98]],
            ["id": "p95", "kind": "latency_p95_ms", "metric": "http_latency_p95_ms", "window_s": 60, "objective": ["max_ms": 250]],
        ],
    ]
    static let profileDigest = DigestRef(sha256: String(repeating: "a", count: 64), bytes_len: 111)
    static let snapshotDigest = DigestRef(sha256: String(repeating: "b", count: 64), bytes_len: 222)

    /// A metrics snapshot with the given metric values (a nil value leaves the metric out).
    static func snapshot(_ values: [(String, JSON)]) -> JSON {
        ["schema_version": "x07.metrics.snapshot@0.1.0", "v": 1, "taken_at_utc": "2026-01-01T00:01:00Z", "service": "t",
         "metrics": .array(values.map { ["name": .string($0.0), "unit": "x", "value": $0.1] })]
    }

    static func evaluate(error: JSON? = 0.004, availability: JSON? = 0.998, latency: JSON? = 141,
                         profile: JSON = profile) -> SLOEvaluation.Result {
        var values: [(String, JSON)] = []
        if let error { values.append(("http_error_rate", error)) }
        if let availability { values.append(("http_availability", availability)) }
        if let latency { values.append(("http_latency_p95_ms", latency)) }
        return SLOEvaluation.evaluate(profile: profile, profileDigest: profileDigest, snapshot: snapshot(values),
                                      snapshotDigest: snapshotDigest, snapshotName: "analysis.1.json")
    }

    func testHealthyMetricsPromote() {
        let result = Self.evaluate()
        XCTAssertEqual(result.decision, .promote)
        XCTAssertEqual(result.violations, 0)
        XCTAssertEqual(result.missing, [])
    }

    func testValuesEqualToTheObjectivePass() {
        let result = Self.evaluate(error: 0.02, availability: 0.98, latency: 250)
        XCTAssertEqual(result.decision, .promote)
        XCTAssertEqual(result.violations, 0)
        XCTAssertEqual(result.report["result"]?["indicators"]?.arrayValue?.map { $0["ok"] }, [true, true, true])
    }

    func testEachIndicatorKindRollsBackJustPastItsObjective() {
        let cases: [(name: String, result: SLOEvaluation.Result, failing: String)] = [
            ("error_rate above max", Self.evaluate(error: 0.0201), "err"),
            ("availability below min", Self.evaluate(availability: 0.9799), "avail"),
            ("latency above max_ms", Self.evaluate(latency: 250.5), "p95"),
        ]
        for (name, result, failing) in cases {
            XCTAssertEqual(result.decision, .rollback, name)
            XCTAssertEqual(result.violations, 1, name)
            let indicators = result.report["result"]?["indicators"]?.arrayValue ?? []
            XCTAssertEqual(indicators.filter { $0["ok"] == false }.map { $0["id"] }, [.string(failing)], name)
        }
        // The opposite direction is fine for every kind: low error rate and latency, full availability.
        XCTAssertEqual(Self.evaluate(error: 0, availability: 1, latency: 0).decision, .promote)
    }

    func testEveryViolationIsCounted() {
        let result = Self.evaluate(error: 0.5, availability: 0.5, latency: 900)
        XCTAssertEqual(result.decision, .rollback)
        XCTAssertEqual(result.violations, 3)
        XCTAssertEqual(result.report["result"]?["violations"], 3)
        XCTAssertEqual(result.report["result"]?["decision"], "rollback")
    }

    func testMissingMetricIsInconclusive() {
        let result = Self.evaluate(latency: nil)
        XCTAssertEqual(result.decision, .inconclusive)
        XCTAssertEqual(result.violations, 0)
        XCTAssertEqual(result.missing, ["http_latency_p95_ms"])
        // The missing indicator is not reported as observed.
        XCTAssertEqual(result.report["result"]?["indicators"]?.arrayValue?.compactMap { $0["id"]?.stringValue }, ["err", "avail"])
        XCTAssertEqual(result.report["result"]?["decision"], "inconclusive")

        // A metric whose value is not a number counts as missing.
        let text = Self.evaluate(error: "0.001")
        XCTAssertEqual(text.decision, .inconclusive)
        XCTAssertEqual(text.missing, ["http_error_rate"])

        XCTAssertEqual(Self.evaluate(error: nil, availability: nil, latency: nil).missing,
                       ["http_error_rate", "http_availability", "http_latency_p95_ms"])
    }

    func testViolationBeatsMissingMetric() {
        let result = Self.evaluate(error: 0.3, latency: nil)
        XCTAssertEqual(result.decision, .rollback)
        XCTAssertEqual(result.violations, 1)
        XCTAssertEqual(result.missing, ["http_latency_p95_ms"])
    }

    func testUnknownIndicatorKindIsAViolation() {
        let profile = Self.profile.setting("indicators", [
            ["id": "rps", "kind": "throughput_rps", "metric": "http_error_rate", "window_s": 60, "objective": ["min": 0]],
        ])
        let result = Self.evaluate(profile: profile)
        XCTAssertEqual(result.decision, .rollback)
        XCTAssertEqual(result.violations, 1)
        XCTAssertEqual(result.report["result"]?["indicators"]?[0]?["ok"], false)
        XCTAssertEqual(result.report["result"]?["indicators"]?[0]?["kind"], "throughput_rps")
    }

    func testReportRecordsEachIndicatorAndTheInputs() throws {
        let result = Self.evaluate(error: 0.004, availability: 0.97, latency: 141)
        let report = result.report
        XCTAssertEqual(report["schema_version"], "x07.wasm.slo.eval.report@0.1.0")
        let body = try XCTUnwrap(report["result"])
        XCTAssertEqual(body["decision"], "rollback")
        XCTAssertEqual(body["violations"], 1)
        XCTAssertEqual(body["indicators"], [
            ["id": "err", "kind": "error_rate", "metric": "http_error_rate", "observed": 0.004, "ok": true,
             "objective": ["max": 0.02]],
            ["id": "avail", "kind": "availability", "metric": "http_availability", "observed": 0.97, "ok": false,
             "objective": ["min": 0.98]],
            ["id": "p95", "kind": "latency_p95_ms", "metric": "http_latency_p95_ms", "observed": 141, "ok": true,
             "objective": ["max_ms": 250]],
        ])
        XCTAssertEqual(body["slo_profile"], ["path": "slo_profile.json", "sha256": .string(String(repeating: "a", count: 64)),
                                             "bytes_len": 111])
        XCTAssertEqual(body["metrics_snapshot"], ["path": "analysis.1.json", "sha256": .string(String(repeating: "b", count: 64)),
                                                  "bytes_len": 222])
    }
}

private extension JSON {
    subscript(index: Int) -> JSON? {
        guard let items = arrayValue, items.indices.contains(index) else { return nil }
        return items[index]
    }
}
