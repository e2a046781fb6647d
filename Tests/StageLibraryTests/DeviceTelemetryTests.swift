@testable import LPCore
@testable import LPModel
@testable import LPRelease
import XCTest

/// Reading device telemetry (docs/device-release.md#observe): OTLP/JSON records, the HTTP
/// metrics, the native incident classes and the sanitized device context.
final class DeviceTelemetryTests: XCTestCase {
    static let correlation = OTLPExport.Correlation(execId: "lpdrexec_a", planId: "lpdrplan_a", appId: "io.x", packageSHA256: "ab")

    static func line(_ records: [JSON], resource: [(String, String)] = [("x07.release.exec_id", "lpdrexec_a")]) -> [UInt8] {
        let attributes = JSON.array(resource.map { ["key": .string($0.0), "value": ["stringValue": .string($0.1)]] })
        let doc: JSON = ["resourceLogs": [["resource": ["attributes": attributes], "scopeLogs": [["logRecords": .array(records)]]]]]
        return doc.canonicalBytes + [0x0A]
    }

    static func record(_ eventClass: String?, _ attributes: [String: JSON], body: String? = nil) -> JSON {
        var list: [JSON] = attributes.sorted { $0.key < $1.key }.map { ["key": .string($0.key), "value": $0.value] }
        if let eventClass { list.append(["key": "x07.event.class", "value": ["stringValue": .string(eventClass)]]) }
        return body.map { ["attributes": .array(list), "body": ["stringValue": .string($0)]] } ?? ["attributes": .array(list)]
    }

    func read(_ bytes: [UInt8]) throws -> [TelemetryRecord] {
        try OTLPExport.read(bytes, source: "t.jsonl", correlation: Self.correlation)
    }

    func testRecordsOfOtherReleasesAndWithoutAClassAreLeftOut() throws {
        let mine = Self.record("app.http", ["status": ["intValue": "503"], "ok": ["boolValue": true], "ratio": ["doubleValue": 0.5]])
        let bytes = Self.line([mine, Self.record(nil, ["status": ["intValue": 200]])])
            + Self.line([mine], resource: [("x07.release.exec_id", "lpdrexec_other")])
            + Self.line([mine], resource: [("x07.app_id", "io.x"), ("x07.release.plan_id", "lpdrplan_a")]) + Array("\n  \n".utf8)
        let records = try read(bytes)
        XCTAssertEqual(records.count, 2)
        XCTAssertEqual(records[0].attributes["status"], 503)
        XCTAssertEqual(records[0].attributes["ok"], true)
        XCTAssertEqual(records[0].attributes["ratio"], 0.5)
        XCTAssertEqual(records[0].eventName, "app.http")
        XCTAssertThrowsError(try read(Array("{\"resourceLogs\": 3}\n".utf8))) {
            XCTAssertEqual(($0 as? LPError)?.diagnostics.first?.code, "LP_DEVICE_TELEMETRY_INVALID")
        }
        XCTAssertThrowsError(try read(Self.line([mine]) + Array("not json\n".utf8))) {
            XCTAssertTrue(($0 as? LPError)?.diagnostics.first?.message.contains("line 2") ?? false)
        }
    }

    func testHTTPMetricsUseNearestRankP95AndCountMissingStatusesAsFailures() throws {
        var records = (1...20).map { Self.record("app.http", ["status": ["intValue": 200], "duration_ms": ["doubleValue": .number(Double($0))]]) }
        records.append(Self.record("app.http", [:]))
        let metrics = try XCTUnwrap(TelemetryMetrics.of(try read(Self.line(records))))
        XCTAssertEqual(metrics.latencyP95Ms, 19, "nearest rank: the ceil(0.95 × 20) = 19th of the sorted durations")
        XCTAssertEqual(metrics.errorRate, 1.0 / 21.0, accuracy: 1e-12)
        XCTAssertEqual(metrics.availability, 20.0 / 21.0, accuracy: 1e-12)
        XCTAssertNil(TelemetryMetrics.of(try read(Self.line([Self.record("bridge.timing", [:])]))))
        let snapshot = metrics.snapshot(takenAtUnixMs: 0, labels: ["app": "io.x"])
        XCTAssertEqual(snapshot["taken_at_utc"], "1970-01-01T00:00:00.000Z")
        XCTAssertEqual(snapshot["metrics"]?.arrayValue?.count, 3)
    }

    func testNativeIncidentClassesOnePerClassFirstReasonWins() throws {
        let records = try read(Self.line([
            Self.record("runtime.error", ["stage": ["stringValue": "bridge_parse"]], body: "payload invalid"),
            Self.record("runtime.error", ["message": ["stringValue": "second bridge error"], "stage": ["stringValue": "bridge"]]),
            Self.record("runtime.error", [:], body: "null deref"),
            Self.record("policy.violation", ["permission": ["stringValue": "camera"]], body: "Permission DENIED by user"),
            Self.record("policy.violation", [:], body: "network host not allowed"),
            Self.record("host.webview_crash", [:]),
            Self.record("runtime.error", ["permission": ["stringValue": "files_pick"], "result": ["stringValue": "denied"]]),
        ]))
        let found = TelemetryIncidents.classify(records)
        XCTAssertEqual(found.map(\.classification), [.bridgeTimeout, .runtimeError, .permissionBlocked, .policyViolation, .hostCrash])
        XCTAssertEqual(found.first?.reason, "payload invalid")
        XCTAssertEqual(found.last?.reason, "device telemetry incident: host.webview_crash")
    }

    func testTheDeviceContextIsReducedToTheContractsVocabulary() throws {
        let records = try read(Self.line([
            Self.record("app.lifecycle", ["state": ["stringValue": "Foreground"]]),
            Self.record("app.http", ["status": ["intValue": 502], "duration_ms": ["doubleValue": 9999999], "op": ["stringValue": "GET /api/x"],
                                     "request_id": ["stringValue": "req 1"], "connectivity_state": ["stringValue": "wifi"]]),
            Self.record("policy.violation", ["permission": ["stringValue": "location_foreground"], "status": ["stringValue": "denied"],
                                             "request_id": ["stringValue": "req_2"], "unix_ms": ["intValue": "1700000000000"]]),
        ]))
        let base = NativeContext(Self.execution())
        let context = TelemetryIncidents.context(records, base: base)
        XCTAssertEqual(context.lifecycle_state, "foreground")
        XCTAssertEqual(context.connectivity_state, "unknown")
        XCTAssertEqual(context.permission_state_snapshot, ["location_foreground": "denied"])
        XCTAssertEqual(context.breadcrumbs.map(\.status), ["unknown", "http_502", "denied"])
        XCTAssertEqual(context.breadcrumbs[1].op, "get__api_x")
        XCTAssertNil(context.breadcrumbs[1].request_id, "an id with a space is left out")
        XCTAssertNil(context.breadcrumbs[1].duration_ms, "durations above an hour are left out")
        XCTAssertEqual(context.breadcrumbs[2].request_id, "req_2")
        XCTAssertEqual(context.breadcrumbs[2].unix_ms, 1_700_000_000_000)
        XCTAssertEqual(TelemetryIncidents.token("9lives", max: 64), "x9lives")
    }

    static func execution() -> DeviceReleaseExecution {
        let summary = NativeSummary(target_kind: .ios, provider_kind: .mock, package_manifest_sha256: String(repeating: "a", count: 64),
                                    capabilities: .init(camera_photo: true, files_pick: false, blob_store: .init(enabled: false, max_total_bytes: 1, max_item_bytes: 1),
                                                        location_foreground: true, notifications_local: false, notifications_push: false),
                                    permission_declarations: ["camera"], telemetry_classes: NativeSummary.standardTelemetryClasses)
        let plan = DeviceReleasePlan(plan_id: "lpdrplan_a", created_unix_ms: 1, provider_profile: .init(digest: DigestRef(of: [1]), provider_id: "p"),
                                     target: .ios, app: .init(app_id: "io.x", track_or_lane: "production", version: "1.0.0", build: "1"),
                                     package: .init(digest: DigestRef(of: [2]), label: nil), native_summary: summary,
                                     release_readiness: ReleaseReadiness(warnings: [], errors: []), steps: [])
        let meta = DeviceReleaseExecution.Meta(plan: plan, providerKind: .mock, lane: .production, capabilities: [:], sourceManifest: "s",
                                               stagedRoot: "r", stagedManifest: "m", nowUnixMs: 1)
        return DeviceReleaseExecution(exec_id: "lpdrexec_a", plan_id: "lpdrplan_a", run_id: "lpdrrun_a", created_unix_ms: 1,
                                      plan: .init(digest: DigestRef(of: [3])), meta: meta)
    }

    func testLinkedIncidentsDeriveCountsAndNativeHealth() {
        var meta = Self.execution().meta
        meta.recount()
        XCTAssertEqual(meta.latest_native_health_rollup?.status, .unknown)
        meta.latest_eval_outcome = .ok
        meta.recount()
        XCTAssertEqual(meta.latest_native_health_rollup?.status, .healthy)
        func incident(_ id: String, _ native: NativeClassification?, at time: Int64, status: String = "open") -> DeviceReleaseExecution.LinkedIncident {
            .init(incident_id: id, classification: native?.rawValue ?? "device_release_gate_failed", native_classification: native,
                  reason: "r", source: "device_host", incident_status: status, captured_unix_ms: time, regression_status: "not_requested",
                  regression_id: nil)
        }
        meta.link(incident("i1", .permissionBlocked, at: 5))
        meta.link(incident("i2", nil, at: 9))
        meta.link(incident("i3", .runtimeError, at: 5))
        XCTAssertEqual(meta.latest_native_health_rollup?.status, .degraded)
        XCTAssertEqual(meta.latest_native_incident_id, "i3", "a tie goes to the later entry")
        XCTAssertEqual(meta.native_incident_count, 2)
        XCTAssertEqual(meta.incident_count_total, 3)
        meta.link(incident("i1", .permissionBlocked, at: 5, status: "resolved"))
        XCTAssertEqual(meta.incident_count_open, 2)
        XCTAssertEqual(meta.incident_count_total, 3, "updating an entry does not add one")
        meta.link(incident("i4", .hostCrash, at: 7))
        XCTAssertEqual(meta.latest_native_health_rollup?.status, .failed)
        XCTAssertEqual(meta.latest_native_health_rollup?.last_native_event_unix_ms, 7)
    }

    func testClassificationsMapToTheirNativeClass() {
        XCTAssertEqual(NativeClassification.canonical("device_js_unhandled", reason: nil), .runtimeError)
        XCTAssertEqual(NativeClassification.canonical("device_crash_spike", reason: nil), .runtimeError)
        XCTAssertEqual(NativeClassification.canonical("device_bridge_parse", reason: nil), .bridgeTimeout)
        XCTAssertEqual(NativeClassification.canonical("device_webview_crash", reason: nil), .hostCrash)
        XCTAssertEqual(NativeClassification.canonical("device_policy_violation", reason: nil), .policyViolation)
        XCTAssertEqual(NativeClassification.canonical("manual_capture", reason: "Camera permission was DENIED"), .permissionBlocked)
        XCTAssertNil(NativeClassification.canonical("device_release_gate_failed", reason: "metrics"))
        XCTAssertEqual(NativeClassification.permissionBlocked.diagCode, "LP_NATIVE_PERMISSION_BLOCKED")
    }

    func testTheMockStoreFollowsTheCapabilityMatrix() throws {
        let mock = MockStoreProvider()
        var context = StoreContext(execId: "lpdrexec_a", state: .draft, percent: nil, storeReleaseId: nil, lane: .production,
                                   initialPercent: 15, app: .init(app_id: "a", track_or_lane: "t", version: "1", build: "1"))
        let started = try mock.perform(.start, percent: nil, at: context)
        XCTAssertEqual([started.state.rawValue, String(started.percent ?? -1), started.storeReleaseId ?? ""],
                       ["in_progress", "15", "store-lpdrexec_a"])
        context.state = .available
        XCTAssertEqual(try mock.perform(.resume, percent: nil, at: context).state, .available)
        XCTAssertEqual(try mock.perform(.setPercent, percent: 250, at: context).percent, 100)
        XCTAssertEqual(try mock.perform(.rollbackPrevious, percent: nil, at: context).percent, 0)
        context.lane = .beta
        XCTAssertEqual(try mock.perform(.start, percent: nil, at: context).percent, 100)
        XCTAssertThrowsError(try mock.perform(.metricsEval, percent: nil, at: context))
        XCTAssertEqual(ProviderCapabilities(kind: .appStoreConnect, lane: .production).ops, [.start, .pause, .resume, .complete])
        XCTAssertEqual(ProviderCapabilities(kind: .googlePlay, lane: .beta).ops, [.start])
        XCTAssertThrowsError(try GatedStoreProvider(kind: .googlePlay).perform(.start, percent: nil, at: context)) {
            XCTAssertTrue("\($0)".contains("X07LP_DEVICE_PROVIDER_LIVE=1"))
        }
    }
}
