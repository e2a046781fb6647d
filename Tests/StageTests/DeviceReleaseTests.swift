import LPCore
import LPVerbs
import Foundation
import XCTest

/// Device releases beyond the reference walk-through: reproducible bytes, plans a store cannot
/// run, hostile inputs (clear code, documented exit, nothing written), the in-process verbs.
final class DeviceReleaseTests: XCTestCase {
    /// The same commands from an empty state at a pinned time write the same bytes and print
    /// the same reports (the signing key is given, so signatures are the same too).
    func testAReleaseIsReproducibleByteForByte() throws {
        let bench = try DeviceReleaseBench()
        let key = bench.root + "/signer.pem"
        XCTAssertEqual(try PeerProcessRun.openssl(["genpkey", "-algorithm", "ed25519", "-out", key]), 0)
        let gate = ["--slo-profile", bench.fixtures + "/slo_min.json", "--metrics-on-fail", "release.pause"]
        func flow() throws -> (state: [String: [UInt8]], reports: [JSON]) {
            try? FileManager.default.removeItem(atPath: bench.state)
            var reports: [JSON] = []
            reports.append(try bench.create("mock_production_ios", plan: "gated.plan.json", extra: gate))
            let run = try bench.run("gated.plan.json")
            reports.append(run)
            let execId = try XCTUnwrap(run["result"]?["exec_id"]?.stringValue)
            try bench.seedTelemetry(execId, scenario: DeviceReleaseBench.bridgeError)
            reports.append(try bench.control("observe", execId, reason: "watch", extra: ["--signing-key", key]))
            reports.append(try bench.control("resume", execId, reason: "fixed", extra: ["--signing-key", key]))
            let capture = try bench.x07lp(["incident", "capture", "--release", execId, "--classification", "native_runtime_error",
                                           "--source", "device_host", "--reason", "seen on a device",
                                           "--trace", bench.fixtures + "/device.trace.json"]).report
            reports.append(capture)
            reports.append(try bench.x07lp(["regress", "from-incident", "--incident-id", capture["result"]?["incident_id"]?.stringValue ?? "",
                                            "--out-dir", bench.root + "/regress", "--name", "native"]).report)
            reports.append(try bench.x07lp(["device", "release-query", "--release", execId, "--view", "full"]).report)
            let state = StateFiles.written(bench.state).filter { !$0.key.hasPrefix("index/") }
            return (state, reports)
        }
        let first = try flow()
        let second = try flow()
        XCTAssertEqual(first.reports, second.reports)
        XCTAssertEqual(Set(first.state.keys), Set(second.state.keys))
        for (path, bytes) in first.state where second.state[path] != bytes { XCTFail("\(path) differs between two runs") }
        XCTAssertGreaterThan(first.state.count, 40)
        // The bridge error scenario: two 5xx and a bridge runtime error, a native incident.
        let query = first.reports.last?["result"]
        XCTAssertEqual(query?["latest_native_health_rollup"]?["native_bridge_timeout_count"], 1)
        XCTAssertEqual(query?["latest_eval_outcome"], "fail")
    }

    /// App Store Connect's phased release has no percentages: a 0.2.0 plan that sets one is
    /// refused with the provider's reason (the fixture's own plan is refused earlier, as 0.1.0).
    func testAnAppStorePlanWithAPercentStepIsRefused() throws {
        let bench = try DeviceReleaseBench()
        let created = try bench.create("appstoreconnect_production_ios", plan: "appstore.plan.json")
        XCTAssertEqual(created["result"]?["capabilities"]?["supports_weighted_canary"], false)
        var plan = try JSONParser.parse([UInt8](Data(contentsOf: URL(fileURLWithPath: bench.root + "/appstore.plan.json"))))
        XCTAssertEqual(plan["steps"]?.arrayValue?.count, 1, "no percent step for App Store production")
        plan = plan.setting("steps", .array((plan["steps"]?.arrayValue ?? []) + [["id": "rollout_25", "op": "rollout.set_percent", "percent": 25]]))
        // Re-derive the id so only the step is wrong.
        let id = Identifier.make(.devicePlan, parts: [SHA256.hex(plan.setting("plan_id", "").canonicalBytes)])
        try Data(plan.setting("plan_id", .string(id)).canonicalBytes).write(to: URL(fileURLWithPath: bench.root + "/percent.plan.json"))
        let refused = try bench.x07lp(["device", "release-validate", "--plan", bench.root + "/percent.plan.json"], expect: 10)
        let message = refused.report["diagnostics"]?.arrayValue?.first?["message"]?.stringValue ?? ""
        XCTAssertEqual(refused.report["diagnostics"]?.arrayValue?.first?["code"], "LP_DEVICE_RELEASE_PLAN_INVALID")
        XCTAssertTrue(message.contains("does not support device release op=rollout.set_percent"), message)
        let run = try bench.x07lp(["device", "release-run", "--plan", bench.root + "/percent.plan.json"], expect: 10)
        XCTAssertEqual(run.report["result"], [:])
        XCTAssertFalse(FileManager.default.fileExists(atPath: bench.state + "/device_release/executions"))
    }

    /// Each hostile input: its code and exit, and the state as it was.
    func testHostileInputsAreRefusedWithoutWriting() throws {
        let bench = try DeviceReleaseBench()
        _ = try bench.create("mock_production_ios", plan: "ok.plan.json")
        let execId = try XCTUnwrap(try bench.run("ok.plan.json")["result"]?["exec_id"]?.stringValue)
        let dir = bench.root
        func write(_ name: String, _ text: String) -> String {
            XCTAssertTrue(FileManager.default.createFile(atPath: dir + "/" + name, contents: Data(text.utf8)))
            return dir + "/" + name
        }
        let providerText = try String(contentsOfFile: bench.provider("mock_production_ios"), encoding: .utf8)
        let badPercent = write("percent.json", providerText.replacingOccurrences(of: "\"initial_percent\": 25", with: "\"initial_percent\": \"all\""))
        let wrongVersion = write("version.json", providerText.replacingOccurrences(of: "profile@0.1.0", with: "profile@9.0.0"))
        let notJSON = write("garbage.json", "{\"schema_version\": ")
        // A package whose payload holds a symlink.
        let linked = dir + "/linked_package"
        try FileManager.default.copyItem(atPath: bench.fixtures + "/package_ios_demo", toPath: linked)
        try FileManager.default.createSymbolicLink(atPath: linked + "/payload/secret", withDestinationPath: "/etc/passwd")
        var edited = try JSONParser.parse([UInt8](Data(contentsOf: URL(fileURLWithPath: dir + "/ok.plan.json"))))
        edited = edited.setting("steps", .array([["id": "start", "op": "release.start"]]))
        let editedPlan = write("edited.plan.json", String(decoding: edited.canonicalBytes, as: UTF8.self))

        func create(_ provider: String, package: String, report: String) -> [String] {
            ["device", "release-create", "--provider-profile", provider, "--package-manifest", package, "--package-report", report,
             "--out", dir + "/never.plan.json"]
        }
        let cases: [(args: [String], status: Int32, code: String)] = [
            (create(notJSON, package: bench.iosPackage, report: bench.iosReport), 3, "LP_JSON_"),
            (create(wrongVersion, package: bench.iosPackage, report: bench.iosReport), 3, "LP_SCHEMA_VERSION_MISMATCH"),
            (create(badPercent, package: bench.iosPackage, report: bench.iosReport), 3, "LP_DEVICE_PROVIDER_PROFILE_INVALID"),
            (create(bench.provider("mock_production_ios"), package: dir + "/absent.json", report: bench.iosReport), 2, "LP_NOT_FOUND"),
            (create(bench.provider("mock_production_ios"), package: linked + "/device.package.manifest.json", report: bench.iosReport),
             3, "LP_DEVICE_PACKAGE_UNSAFE"),
            (create(bench.provider("mock_production_ios"), package: bench.iosPackage, report: bench.androidReport), 10,
             "LP_DEVICE_RELEASE_PACKAGE_REPORT_MISMATCH"),
            (create(bench.provider("mock_production_android"), package: bench.iosPackage, report: bench.iosReport), 10,
             "LP_DEVICE_RELEASE_TARGET_MISMATCH"),
            (create(bench.provider("mock_production_ios"), package: bench.iosPackage, report: bench.iosReport)
                + ["--metrics-on-fail", "release.explode"], 2, "LP_USAGE"),
            (["device", "release-validate", "--plan", editedPlan], 10, "LP_DEVICE_RELEASE_PLAN_INVALID"),
            (["device", "release-run", "--plan", dir + "/ok.plan.json", "--package-manifest", bench.androidPackage], 10,
             "LP_DEVICE_RELEASE_PLAN_INVALID"),
            (["device", "release-query", "--release", "lpdrexec_nothere"], 2, "LP_NOT_FOUND"),
            (["device", "release-query", "--release", execId, "--view", "everything"], 2, "LP_USAGE"),
            (["device", "release-query"], 2, "LP_USAGE"),
            (["device", "release-pause", "--release", "../../etc", "--reason", "x"], 3, "LP_UNSAFE_NAME"),
            (["device", "release-observe", "--release", execId, "--reason", "x"], 18, "LP_DEVICE_RELEASE_ENDED"),
            (["incident", "capture", "--release", execId, "--deployment-id", "lpexec_x", "--reason", "x"], 2, "LP_USAGE"),
            (["incident", "capture", "--release", execId, "--classification", "http_5xx_maybe"], 2, "LP_USAGE"),
        ]
        let before = StateFiles.written(bench.state)
        for (args, status, code) in cases {
            let refused = try bench.x07lp(args, expect: status)
            let codes = refused.report["diagnostics"]?.arrayValue?.compactMap { $0["code"]?.stringValue } ?? []
            XCTAssertTrue(codes.contains { $0.hasPrefix(code) }, "\(args.prefix(2)) \(args.dropFirst(2).prefix(4)): \(codes) \(refused.stderr)")
            XCTAssertEqual(StateFiles.written(bench.state).filter { !$0.key.hasPrefix("index/") }, before.filter { !$0.key.hasPrefix("index/") },
                           "\(args.prefix(2)) wrote to the state")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/never.plan.json"))
    }

    /// Observation inputs that cannot be judged leave the release waiting at its gate.
    func testBadTelemetryLeavesTheGateWaiting() throws {
        let bench = try DeviceReleaseBench()
        _ = try bench.create("mock_production_ios", plan: "gated.plan.json", extra: ["--slo-profile", bench.fixtures + "/slo_min.json"])
        let execId = try XCTUnwrap(try bench.run("gated.plan.json")["result"]?["exec_id"]?.stringValue)
        let before = StateFiles.written(bench.state).filter { !$0.key.hasPrefix("index/") && !$0.key.contains("/telemetry/") }
        func observe(_ status: Int32, _ code: String, file: StaticString = #filePath, line: UInt = #line) throws {
            let refused = try bench.x07lp(["device", "release-observe", "--release", execId, "--reason", "look"], expect: status,
                                          file: file, line: line)
            XCTAssertEqual(refused.report["diagnostics"]?.arrayValue?.first?["code"]?.stringValue, code, refused.stderr, file: file, line: line)
            XCTAssertEqual(StateFiles.written(bench.state).filter { !$0.key.hasPrefix("index/") && !$0.key.contains("/telemetry/") },
                           before, file: file, line: line)
        }
        try observe(16, "LP_METRICS_SNAPSHOT_MISSING")
        let telemetry = bench.state + "/device_release/telemetry/\(execId)"
        try FileManager.default.createDirectory(atPath: telemetry, withIntermediateDirectories: true)
        try Data("{\"resourceLogs\": [\n".utf8).write(to: URL(fileURLWithPath: telemetry + "/analysis.1.jsonl"))
        try observe(3, "LP_DEVICE_TELEMETRY_INVALID")
        let foreign: JSON = ["resourceLogs": [["resource": ["attributes": [["key": "x07.release.exec_id", "value": ["stringValue": "lpdrexec_other"]]]],
                                               "scopeLogs": [["logRecords": .array(DeviceReleaseBench.healthy)]]]]]
        try Data(foreign.canonicalBytes).write(to: URL(fileURLWithPath: telemetry + "/analysis.1.jsonl"))
        try observe(3, "LP_DEVICE_TELEMETRY_UNCORRELATED")
        try bench.seedTelemetry(execId, scenario: [DeviceReleaseBench.record("bridge.timing", [("duration_ms", ["intValue": "12"])])])
        try observe(16, "LP_METRICS_SNAPSHOT_MISSING")
        XCTAssertEqual(try bench.query(execId)["automation_state"], "waiting_for_observation")
    }

    /// The package report's diagnostics and readiness become the plan's: warnings let the release
    /// through as `warn`, errors block it (exit 10), codes that do not fit get the default.
    func testThePackageReportDecidesReadiness() throws {
        let bench = try DeviceReleaseBench()
        let report = try JSONParser.parse([UInt8](Data(contentsOf: URL(fileURLWithPath: bench.iosReport))))
        func write(_ name: String, diagnostics: [JSON], errors: [JSON] = []) throws -> String {
            let readiness: JSON = ["status": errors.isEmpty ? "warning" : "error",
                                   "warnings": [["code": .string("X07WASM_" + String(repeating: "LONG_", count: 14)), "message": "too long a code",
                                                 "field": .null]],
                                   "errors": .array(errors)]
            let doc = report.setting("diagnostics", .array(diagnostics))
                .setting("result", (report["result"] ?? [:]).setting("release_readiness", readiness))
            let path = bench.root + "/" + name
            try Data(doc.canonicalBytes).write(to: URL(fileURLWithPath: path))
            return path
        }
        let warning: JSON = ["code": "X07WASM_ICON_SMALL", "severity": "warning", "stage": "run", "message": "icon below 1024px"]
        let warned = try bench.x07lp(["device", "release-create", "--provider-profile", bench.provider("mock_production_ios"),
                                      "--package-manifest", bench.iosPackage, "--package-report", try write("warn.json", diagnostics: [warning]),
                                      "--out", bench.root + "/warn.plan.json"])
        let readiness = warned.report["result"]?["release_readiness"]
        XCTAssertEqual(readiness?["status"], "warn")
        XCTAssertEqual(readiness?["warnings"]?.arrayValue?.compactMap { $0["code"]?.stringValue }, ["X07WASM_ICON_SMALL", "X07WASM_DEVICE_REPORT"])
        XCTAssertTrue(warned.stderr.contains("warning[X07WASM_ICON_SMALL]"), warned.stderr)
        let blocked = try bench.x07lp(["device", "release-create", "--provider-profile", bench.provider("mock_production_ios"),
                                       "--package-manifest", bench.iosPackage, "--package-report",
                                       try write("error.json", diagnostics: [], errors: [["code": "X07WASM_SIGNING_MISSING", "message": "no signing identity", "field": "ios"]]),
                                       "--out", bench.root + "/error.plan.json"], expect: 10)
        XCTAssertEqual(blocked.report["diagnostics"]?.arrayValue?.first?["code"], "X07WASM_SIGNING_MISSING")
        XCTAssertEqual(blocked.report["result"]?["release_readiness"]?["status"], "blocked")
        XCTAssertFalse(FileManager.default.fileExists(atPath: bench.root + "/error.plan.json"))
    }

    /// An observed native incident becomes native replay fixtures: the request's hints replay the
    /// device's lifecycle and calls, each file satisfies its contract; a dry run writes nothing.
    func testObservedIncidentsBecomeNativeReplayFixtures() throws {
        let bench = try DeviceReleaseBench()
        _ = try bench.create("mock_production_android", android: true, plan: "p.json",
                             extra: ["--slo-profile", bench.fixtures + "/slo_min.json", "--metrics-on-fail", "require_human"])
        let execId = try XCTUnwrap(try bench.run("p.json")["result"]?["exec_id"]?.stringValue)
        let lifecycle = DeviceReleaseBench.record("app.lifecycle", [("state", ["stringValue": "background"])])
        let denied = DeviceReleaseBench.record("runtime.error", [("permission", ["stringValue": "camera"]), ("status", ["stringValue": "denied"]),
                                                                 ("op", ["stringValue": "camera.capture"]), ("request_id", ["stringValue": "req_9"]),
                                                                 ("network_state", ["stringValue": "offline"])])
        try bench.seedTelemetry(execId, scenario: [lifecycle, DeviceReleaseBench.http(200, 30), denied])
        _ = try bench.control("observe", execId, reason: "look")
        let view = try bench.query(execId)
        XCTAssertEqual(view["automation_state"], "waiting_for_human")
        XCTAssertEqual(view["current_state"], "paused")
        let incidents = try bench.x07lp(["incident", "list", "--release", execId, "--native-only"]).report["result"]?["items"]?.arrayValue ?? []
        XCTAssertEqual(incidents.compactMap { $0["native_classification"]?.stringValue }, ["native_permission_blocked"])
        let all = try bench.x07lp(["incident", "list", "--release", execId]).report["result"]?["items"]?.arrayValue ?? []
        XCTAssertEqual(Set(all.compactMap { $0["classification"]?.stringValue }), ["native_permission_blocked", "device_release_gate_failed"])
        XCTAssertEqual(try bench.x07lp(["incident", "list", "--native-classification", "native_host_crash"]).report["result"]?["items"], [])
        let incidentId = try XCTUnwrap(incidents.first?["incident_id"]?.stringValue)

        let out = bench.root + "/regress"
        let dry = try bench.x07lp(["regress", "from-incident", "--incident-id", incidentId, "--out-dir", out, "--name", "cam", "--dry-run"])
        XCTAssertEqual(dry.report["result"]?["replay_synthesis_status"], "planned")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        let result = try bench.x07lp(["regress", "from-incident", "--incident-id", incidentId, "--out-dir", out, "--name", "cam"]).report["result"]
        XCTAssertEqual(result?["replay_mode"], "device_native")
        XCTAssertEqual(result?["replay_target_kind"], "android")
        XCTAssertEqual(result?["target_artifact"]?["kind"], "x07.device.package.manifest@0.1.0")
        let request = try JSONParser.parse([UInt8](Data(contentsOf: URL(fileURLWithPath: out + "/cam/regression.request.json"))))
        let hints = request["native_replay_hints"]
        XCTAssertEqual(hints?["host_target"], "android")
        XCTAssertEqual(hints?["prelude"], [["kind": "lifecycle.background"], ["kind": "connectivity.offline"]])
        let call = hints?["native_sequence"]?.arrayValue?.last
        XCTAssertEqual(call?["op"], "camera.capture")
        XCTAssertEqual(call?["request_id"], "req_9")
        XCTAssertEqual(call?["result"], ["status": "denied", "permission": "camera", "permission_state": "denied"])
        for (file, schema) in [("regression.request.json", "lp.regression.request@0.2.0"), ("device.replay.json", "x07lp.device.replay@0.1.0")] {
            let check = try StageProcess.x07lp(["schema", "validate", "--schema", schema, "--in", out + "/cam/" + file])
            XCTAssertEqual(check.status, 0, "\(file): \(check.stderr)")
        }
        XCTAssertEqual(try bench.query(execId)["latest_regression_status"], "generated")
        let verify = try StageProcess.x07lp(["state", "verify", "--state-dir", bench.state])
        XCTAssertEqual(verify.status, 0, verify.stderr)
    }

    /// A server runs the device verbs in-process and answers what the CLI prints.
    func testDeviceVerbsRunInProcessLikeTheCLI() throws {
        let cli = try DeviceReleaseBench(), inProcess = try DeviceReleaseBench()
        let pinned = ["X07LP_NOW_UNIX_MS": DeviceReleaseBench.now]
        for bench in [cli, inProcess] { _ = try bench.create("mock_production_android", android: true, plan: "p.json") }
        let viaCLI = try StageProcess.x07lp(["device", "release-run", "--plan", cli.root + "/p.json", "--state-dir", cli.state, "--json"],
                                            environment: pinned)
        let viaVerbs = VerbRunner.run(["device", "release-run"], ["--plan", inProcess.root + "/p.json", "--state-dir", inProcess.state],
                                      environment: pinned.merging(["X07LP_CONTRACTS_DIR": StageProcess.repoRoot + "/contracts"]) { $1 })
        XCTAssertEqual(viaVerbs.exitCode.rawValue, viaCLI.status)
        XCTAssertEqual(viaVerbs.report, try JSONParser.parse(viaCLI.stdout))
        let execId = viaVerbs.report["result"]?["exec_id"]?.stringValue ?? ""
        let query = VerbRunner.run(["device", "release-query"], ["--release", execId, "--state-dir", inProcess.state], environment: pinned)
        XCTAssertEqual(query.report["result"]?["current_state"], "in_progress")
        XCTAssertEqual(VerbRunner.run(["device", "release-fly"], [], environment: [:]).exitCode, .usage)
    }
}

/// The openssl CLI, for test keys.
enum PeerProcessRun {
    static func openssl(_ arguments: [String]) throws -> Int32 {
        try StageProcess.run("/usr/bin/env", ["openssl"] + arguments).status
    }
}
