import LPCore
import Foundation
import XCTest

/// The reference CI's device release walk-through (SPEC-device-ui-mcp §A.17,
/// `scripts/ci/device-release.sh`) run against `scripts/x07lp` directly, asserting what the
/// script asserts, then every document the device line wrote against the upstream 0.2.0
/// contracts and `state verify`. Left out: the script's MCP config check, its secret store
/// packing and its Command Center steps (other issues).
final class DeviceReleaseCITests: XCTestCase {
    func testTheReferenceWalkThrough() throws {
        let bench = try DeviceReleaseBench()

        // Beta: available at 100 %.
        let beta = try bench.create("mock_beta_ios", plan: "beta.plan.json")
        XCTAssertEqual(beta["result"]?["native_summary"]?["target_kind"], "ios")
        XCTAssertEqual(beta["result"]?["release_readiness"]?["status"], "ok")
        let betaId = try XCTUnwrap(try bench.run("beta.plan.json")["result"]?["exec_id"]?.stringValue)
        let betaView = try bench.query(betaId)
        XCTAssertEqual(betaView["current_state"], "available")
        XCTAssertEqual(betaView["current_rollout_percent"], 100)
        XCTAssertEqual(betaView["distribution_lane"], "beta")

        // Production: validate, run, pause, resume, complete.
        _ = try bench.create("mock_production_ios", plan: "promote.plan.json")
        let validated = try bench.x07lp(["device", "release-validate", "--plan", bench.root + "/promote.plan.json"]).report["result"]
        XCTAssertEqual(validated?["provider_kind"], "mock_v1")
        XCTAssertEqual(validated?["release_readiness"]?["status"], "ok")
        XCTAssertGreaterThanOrEqual(validated?["native_summary"]?["permission_declarations"]?.arrayValue?.count ?? 0, 1)
        let promoted = try bench.run("promote.plan.json")["result"]
        XCTAssertEqual(promoted?["status"], "completed")
        XCTAssertEqual(promoted?["decision_count"], 2)
        let promoteId = try XCTUnwrap(promoted?["exec_id"]?.stringValue)
        for verb in ["pause", "resume", "complete"] { _ = try bench.control(verb, promoteId, reason: "cli_" + verb) }
        let completed = try bench.query(promoteId)
        XCTAssertEqual(completed["current_state"], "completed")
        XCTAssertEqual(completed["current_rollout_percent"], 100)
        XCTAssertEqual(completed["provider_kind"], "mock_v1")

        // App Store Connect: the 0.1.0 plan of the fixtures is refused.
        let invalid = try bench.x07lp(["device", "release-validate",
                                       "--plan", bench.fixtures + "/../provider_validation_ios_invalid_percent/invalid.plan.json",
                                       "--provider-profile", bench.provider("appstoreconnect_production_ios")], expect: 10).report
        XCTAssertEqual(invalid["ok"], false)
        XCTAssertEqual(invalid["exit_code"], 10)
        XCTAssertEqual(invalid["diagnostics"]?.arrayValue?.first?["code"], "LP_DEVICE_RELEASE_PLAN_INVALID")

        // Live providers without X07LP_DEVICE_PROVIDER_LIVE=1: the run fails, saying why.
        for (provider, android, kind) in [("appstoreconnect_production_ios", false, "appstoreconnect_v1"),
                                          ("googleplay_production_android", true, "googleplay_v1")] {
            _ = try bench.create(provider, android: android, plan: provider + ".plan.json")
            let failed = try bench.run(provider + ".plan.json", expect: 18)
            XCTAssertEqual(failed["ok"], false)
            XCTAssertEqual(failed["exit_code"], 18)
            XCTAssertEqual(failed["result"]?["provider_kind"]?.stringValue, kind)
            XCTAssertEqual(failed["result"]?["status"], "failed")
            let stored = try bench.execution(try XCTUnwrap(failed["result"]?["exec_id"]?.stringValue))
            XCTAssertEqual(stored["status"], "failed")
            let reason = stored["meta"]?["decisions"]?.arrayValue?.first?["reasons"]?.arrayValue?.first?["message"]?.stringValue
            XCTAssertTrue(reason?.contains("X07LP_DEVICE_PROVIDER_LIVE=1") ?? false, reason ?? "no reason")
        }

        // Android: rollback to 0 %.
        _ = try bench.create("mock_production_android", android: true, plan: "android.plan.json")
        try bench.x07lp(["device", "release-validate", "--plan", bench.root + "/android.plan.json"])
        let androidId = try XCTUnwrap(try bench.run("android.plan.json")["result"]?["exec_id"]?.stringValue)
        _ = try bench.control("rollback", androidId, reason: "cli_rollback")
        let rolledBack = try bench.query(androidId)
        XCTAssertEqual(rolledBack["target"], "android")
        XCTAssertEqual(rolledBack["current_state"], "rolled_back")
        XCTAssertEqual(rolledBack["current_rollout_percent"], 0)
        let latest = try bench.x07lp(["device", "release-query", "--latest", "--provider-id", "mock_production_android",
                                      "--distribution-lane", "production", "--target-kind", "android"]).report["result"]
        XCTAssertEqual(latest?["exec_id"]?.stringValue, androidId, "the index answers --latest")
        XCTAssertEqual(latest?["index"]?["used"], true)

        // Metrics gate: healthy telemetry passes it.
        let gate = ["--slo-profile", bench.fixtures + "/slo_min.json", "--metrics-window-seconds", "300"]
        _ = try bench.create("mock_production_ios", plan: "gated.plan.json", extra: gate + ["--metrics-on-fail", "release.pause"])
        let waiting = try bench.run("gated.plan.json")["result"]
        XCTAssertEqual(waiting?["status"], "started")
        let okId = try XCTUnwrap(waiting?["exec_id"]?.stringValue)
        let before = try bench.query(okId)
        XCTAssertEqual(before["automation_state"], "waiting_for_observation")
        let staged = try XCTUnwrap(before["meta"]?["staged_package_manifest_path"]?.stringValue)
        XCTAssertNotEqual(before["meta"]?["source_package_manifest_path"]?.stringValue, staged)
        XCTAssertTrue(staged.hasSuffix("/device_release/packages/\(okId)/device.package.manifest.json"), staged)
        XCTAssertTrue(FileManager.default.fileExists(atPath: staged), staged)
        try bench.seedTelemetry(okId, scenario: DeviceReleaseBench.healthy)
        XCTAssertEqual(try bench.control("observe", okId, reason: "cli_observe")["result"]?["kind"], "device.release.observe.manual")
        let after = try bench.query(okId)
        XCTAssertEqual(after["status"], "completed")
        XCTAssertEqual(after["latest_eval_outcome"], "ok")
        XCTAssertNotEqual(after["latest_metrics_snapshot"], .null)
        XCTAssertNotEqual(after["latest_slo_eval_report"], .null)

        // A permission denied by policy fails the gate: paused, with a native incident.
        let badId = try XCTUnwrap(try bench.run("gated.plan.json")["result"]?["exec_id"]?.stringValue)
        XCTAssertNotEqual(badId, okId, "every run is a new execution")
        try bench.seedTelemetry(badId, scenario: DeviceReleaseBench.policyViolation)
        _ = try bench.control("observe", badId, reason: "cli_observe_bad")
        let paused = try bench.query(badId)
        XCTAssertEqual(paused["current_state"], "paused")
        XCTAssertEqual(paused["automation_state"], "paused")
        XCTAssertEqual(paused["latest_eval_outcome"], "fail")
        XCTAssertGreaterThanOrEqual(paused["latest_native_health_rollup"]?["native_permission_blocked_count"]?.intValue ?? 0, 1)
        XCTAssertTrue(paused["linked_incidents"]?.arrayValue?.contains { $0["native_classification"] == "native_permission_blocked" } ?? false)
        XCTAssertEqual(try bench.control("stop", badId, reason: "cli_stop")["result"]?["kind"], "device.release.stop.manual")
        let stopped = try bench.query(badId)
        XCTAssertEqual(stopped["automation_state"], "stopped")
        XCTAssertEqual(stopped["current_rollout_percent"], 25)
        let rerun = try bench.control("rerun", badId, reason: "cli_rerun")["result"]
        XCTAssertEqual(rerun?["kind"], "device.release.rerun.manual")
        let rerunId = try XCTUnwrap(rerun?["new_execution_id"]?.stringValue)
        let again = try bench.query(rerunId)
        XCTAssertEqual(again["automation_state"], "waiting_for_observation")
        XCTAssertEqual(again["meta"]?["parent_exec_id"]?.stringValue, badId)
        XCTAssertTrue(again["meta"]?["staged_package_manifest_path"]?.stringValue?
            .hasSuffix("/device_release/packages/\(rerunId)/device.package.manifest.json") ?? false)

        // A webview crash with on-fail release.halt halts the release.
        _ = try bench.create("mock_production_ios", plan: "halt.plan.json", extra: gate + ["--metrics-on-fail", "release.halt"])
        let haltId = try XCTUnwrap(try bench.run("halt.plan.json")["result"]?["exec_id"]?.stringValue)
        try bench.seedTelemetry(haltId, scenario: DeviceReleaseBench.webviewCrash)
        _ = try bench.control("observe", haltId, reason: "cli_observe_halt")
        let halted = try bench.query(haltId)
        XCTAssertEqual(halted["status"], "aborted")
        XCTAssertEqual(halted["current_state"], "halted")
        XCTAssertEqual(halted["automation_state"], "stopped")
        XCTAssertEqual(halted["latest_eval_outcome"], "fail")
        XCTAssertGreaterThanOrEqual(halted["latest_native_health_rollup"]?["native_host_crash_count"]?.intValue ?? 0, 1)
        XCTAssertTrue(halted["linked_incidents"]?.arrayValue?.contains { $0["native_classification"] == "native_host_crash" } ?? false)

        // An operator's incident with the device trace, its native regression fixtures.
        let incidentExec = try XCTUnwrap(try bench.run("promote.plan.json")["result"]?["exec_id"]?.stringValue)
        let capture = try bench.x07lp(["incident", "capture", "--release", incidentExec, "--reason", "device_trace_capture",
                                       "--classification", "device_js_unhandled", "--source", "device_host",
                                       "--trace", bench.fixtures + "/device.trace.json", "--target", "__local__"]).report["result"]
        XCTAssertEqual(capture?["release_exec_id"]?.stringValue, incidentExec)
        XCTAssertEqual(capture?["device_release"]?["release_exec_id"]?.stringValue, incidentExec)
        XCTAssertEqual(capture?["native_context"]?["kind"], "device_native")
        let incidentId = try XCTUnwrap(capture?["incident_id"]?.stringValue)
        let list = try bench.x07lp(["incident", "list", "--release", incidentExec, "--target", "__local__"]).report["result"]
        XCTAssertTrue(list?["items"]?.arrayValue?.contains { $0["incident_id"]?.stringValue == incidentId } ?? false)
        let regress = try bench.x07lp(["regress", "from-incident", "--incident-id", incidentId, "--out-dir", bench.root + "/regress",
                                       "--name", "device_incident", "--target", "__local__"]).report["result"]
        XCTAssertEqual(regress?["tool"]?["command"], "device regress from-incident")
        XCTAssertEqual(regress?["replay_target_kind"], "ios")
        XCTAssertEqual(regress?["incident_status_after"], "generated")
        XCTAssertGreaterThanOrEqual(regress?["generated"]?.arrayValue?.count ?? 0, 1)
        XCTAssertGreaterThanOrEqual(regress?["generated_report_artifact_refs"]?.arrayValue?.count ?? 0, 1)
        let linked = try bench.query(incidentExec)
        XCTAssertEqual(linked["latest_regression_status"], "generated")
        XCTAssertTrue(linked["linked_incidents"]?.arrayValue?.contains {
            $0["incident_id"]?.stringValue == incidentId && $0["regression_status"] == "generated"
        } ?? false)

        try DeviceReleaseConformance.checkStateAgainstUpstream(bench.state, fixtures: bench.fixtures)
        let verify = try StageProcess.x07lp(["state", "verify", "--state-dir", bench.state])
        XCTAssertEqual(verify.status, 0, verify.stderr)
    }
}
