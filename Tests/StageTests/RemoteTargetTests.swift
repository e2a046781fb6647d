import LPCore
import Foundation
import XCTest

/// `x07lp target …` and the verbs sent to a target, against a real x07lpd (TLS from its dev CA):
/// each TLS mode, the refusals (bad CA, bad pin, bad profiles, bad token), accept with its push,
/// a detached run followed with --wait to promoted, query; no token anywhere in what was printed
/// or stored on the client.
final class RemoteTargetTests: XCTestCase {
    struct Client {
        let config: String
        let token: String
        var outputs: [String] = []

        mutating func x07lp(_ arguments: [String], env: [String: String] = [:]) throws -> StageResult {
            let result = try StageProcess.x07lp(arguments, environment: ["X07LP_CONFIG_DIR": config, "LP_TEST_TOKEN": token].merging(env) { $1 })
            outputs.append(result.stdoutText + result.stderr)
            return result
        }
    }

    static func json(_ result: StageResult) throws -> JSON { try JSONParser.parse(result.stdout) }
    /// The outcome of a run followed with --wait (its own result rides in LP_DEPLOY_RUN_ENDED).
    static func outcome(_ result: StageResult) -> JSON? {
        (try? json(result))?["diagnostics"]?.arrayValue?.first { $0["code"] == "LP_DEPLOY_RUN_ENDED" }?["data"]?["run_result"]?["outcome"]
    }

    static func codes(_ result: StageResult) -> [String] {
        ((try? json(result))?["diagnostics"]?.arrayValue ?? []).compactMap { $0["code"]?.stringValue }
    }

    /// `document` is valid under the upstream contract (when the upstream contracts are present).
    func validate(_ document: JSON?, _ contract: String) throws {
        guard let root = Upstream.root else { return }
        let file = StageProcess.temporaryDirectory() + "/doc.json"
        try Data((document ?? .null).canonicalBytes).write(to: URL(fileURLWithPath: file))
        let check = try StageProcess.x07lp(["schema", "validate", "--schema", "\(root)/lp-contracts/\(contract).schema.json", "--in", file])
        XCTAssertEqual(check.status, 0, "not a valid \(contract): \(check.stderr)")
    }

    func write(_ path: String, _ text: String, mode: mode_t = 0o600) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        chmod(path, mode)
    }

    func profile(_ dir: String, _ name: String, url: String, tls: JSON?, tokenRef: String, extra: [String: JSON] = [:]) throws -> String {
        var document: JSON = ["schema_version": "lp.target.profile@0.1.0", "name": .string(name), "kind": "oss_remote",
                              "base_url": .string(url), "api_version": "v1",
                              "auth": ["kind": "static_bearer", "token_ref": .string(tokenRef)],
                              "runtime_provider": "wasmcloud", "routing_provider": "edge_http_v1"]
        if let tls { document = document.setting("tls", tls) }
        for (key, value) in extra { document = document.setting(key, value) }
        let path = dir + "/\(name).json"
        if extra.isEmpty, url.hasPrefix("https"), !name.hasPrefix("-") { try validate(document, "lp.target.profile") }
        try write(path, document.canonicalString, mode: 0o644)
        return path
    }

    /// The SPKI pin of the daemon's certificate, as the openssl CLI computes it.
    func pin(of cert: String) throws -> String {
        let script = "openssl x509 -in '\(cert)' -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -r"
        let out = try StageProcess.run("/bin/sh", ["-c", script])
        return "sha256:" + String(out.stdoutText.prefix(64))
    }

    func testTargetProfilesEachTLSModeAndTheRefusals() throws {
        let daemon = try DaemonHarness.start(trustedKey: ExamplePacks.hello + "/keys/test-signing.pub.pem")
        defer { daemon.stop() }
        let dir = StageProcess.temporaryDirectory()
        var client = Client(config: dir + "/config", token: daemon.deployToken)
        try write(dir + "/token", daemon.deployToken + "\n")
        let caTLS: JSON = ["mode": "ca_bundle", "ca_bundle_path": .string(daemon.ca)]

        let added = try client.x07lp(["target", "add", "--profile", try profile(dir, "prod", url: daemon.url, tls: caTLS, tokenRef: "file://" + dir + "/token"), "--json"])
        XCTAssertEqual(added.status, 0, added.stderr)
        XCTAssertEqual(try Self.json(added)["result"]?["reachable"], true)
        let stored = dir + "/config/targets/prod.json"
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: stored)[.posixPermissions] as? Int, 0o600)

        let pinned: JSON = ["mode": "pinned_spki", "ca_bundle_path": .string(daemon.ca),
                            "pinned_spki_sha256": .string(try pin(of: daemon.state + "/.x07lpd/tls/server.pem"))]
        let pinnedAdd = try client.x07lp(["target", "add", "--profile", try profile(dir, "pinned", url: daemon.url, tls: pinned, tokenRef: "env:LP_TEST_TOKEN")])
        XCTAssertEqual(pinnedAdd.status, 0, pinnedAdd.stderr)

        // A CA that did not sign the daemon's certificate, and a pin of another key: 42, nothing stored.
        let other = dir + "/other"
        try FileManager.default.createDirectory(atPath: other, withIntermediateDirectories: true)
        let made = try StageProcess.run("/usr/bin/openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                                                             "-keyout", other + "/ca.key", "-out", other + "/ca.pem", "-days", "1", "-subj", "/CN=other"])
        XCTAssertEqual(made.status, 0, made.stderr)
        let badPin: JSON = ["mode": "pinned_spki", "ca_bundle_path": .string(daemon.ca), "pinned_spki_sha256": .string("sha256:" + String(repeating: "f", count: 64))]
        let badCA: JSON = ["mode": "ca_bundle", "ca_bundle_path": .string(other + "/ca.pem")]
        let system: JSON = ["mode": "system"]
        for (name, tls) in [("badca", badCA), ("badpin", badPin), ("system", system)] {
            let refused = try client.x07lp(["target", "add", "--profile", try profile(dir, name, url: daemon.url, tls: tls, tokenRef: "env:LP_TEST_TOKEN"), "--json"])
            XCTAssertEqual(refused.status, 42, "\(name): \(refused.stderr)")
            XCTAssertEqual(Self.codes(refused), ["LP_REMOTE_TARGET_UNREACHABLE"], name)
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/config/targets/\(name).json"), name)
        }

        // Profiles refused before any request: 64, nothing stored.
        try write(dir + "/open-token", daemon.deployToken, mode: 0o644)
        let invalid: [(String, String, JSON?, String, [String: JSON])] = [
            ("plain", "http://example.com", nil, "env:LP_TEST_TOKEN", [:]),
            ("openfile", daemon.url, caTLS, "file://" + dir + "/open-token", [:]),
            ("unset", daemon.url, caTLS, "env:LP_NO_SUCH_VARIABLE", [:]),
            ("extra", daemon.url, caTLS, "env:LP_TEST_TOKEN", ["surprise": true]),
            ("plaintls", "http://127.0.0.1:1", caTLS, "env:LP_TEST_TOKEN", [:]),
            ("oci", daemon.url, caTLS, "env:LP_TEST_TOKEN", ["oci_registry": "127.0.0.1:5000"]),
            ("-dash", daemon.url, caTLS, "env:LP_TEST_TOKEN", [:]),
        ]
        for (name, url, tls, ref, extra) in invalid {
            let refused = try client.x07lp(["target", "add", "--profile", try profile(dir, name, url: url, tls: tls, tokenRef: ref, extra: extra), "--json"])
            XCTAssertEqual(refused.status, 64, "\(name): \(refused.stderr)")
            XCTAssertEqual(Self.codes(refused), ["LP_TARGET_PROFILE_INVALID"], name)
        }
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: dir + "/config/targets")), ["prod.json", "pinned.json"])

        XCTAssertEqual(try client.x07lp(["target", "use", "--name", "pinned"]).status, 0)
        let listed = try Self.json(try client.x07lp(["target", "ls", "--json"]))
        try validate(listed["result"], "lp.target.list.result")
        try validate(listed, "lp.cli.report")
        let items = listed["result"]?["items"]?.arrayValue ?? []
        XCTAssertEqual(items.map { $0["name"] }, ["pinned", "prod"])
        XCTAssertEqual(items.map { $0["active"] }, [true, false])
        XCTAssertEqual(items.map { $0["reachable"] }, [true, true])
        XCTAssertTrue(items.allSatisfy { ($0["target_id"]?.stringValue ?? "").hasPrefix("lptgt_") })
        let inspected = try Self.json(try client.x07lp(["target", "inspect", "--name", "prod", "--json"]))
        XCTAssertEqual(inspected["result"]?["capabilities"]?["schema_version"], "lp.remote.capabilities.response@0.1.0")
        if let root = Upstream.root {
            let expected = try TemplateMatch.load(root + "/fixtures/remote-oss/remote_capabilities/expected/v1.capabilities.json")
            // x07lpd says it has no OTLP export (the reference stack has a collector).
            XCTAssertEqual(TemplateMatch.mismatches(expected: expected, actual: inspected["result"]?["capabilities"] ?? .null, wildcardKeys: ["otlp"]), [])
        }
        XCTAssertEqual(try client.x07lp(["target", "rm", "--name", "pinned"]).status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/config/current_target"))

        // A token the daemon does not know: 41 from the daemon, relayed.
        try write(dir + "/wrong", "not-a-token")
        XCTAssertEqual(try client.x07lp(["target", "add", "--profile", try profile(dir, "wrong", url: daemon.url, tls: caTLS, tokenRef: "file://" + dir + "/wrong")]).status, 0)
        let refused = try client.x07lp(["deploy", "status", "--target", "wrong", "--deployment-id", "lpexec_x", "--json"])
        XCTAssertEqual(refused.status, 41, refused.stderr)
        XCTAssertEqual(Self.codes(refused), ["LP_REMOTE_AUTH_FAILED"])
        try assertNoToken(client, daemon)
    }

    func testAcceptPushRunWaitAndQueryOnTheCurrentTarget() throws {
        let daemon = try DaemonHarness.start(trustedKey: ExamplePacks.hello + "/keys/test-signing.pub.pem")
        defer { daemon.stop() }
        let dir = StageProcess.temporaryDirectory()
        var client = Client(config: dir + "/config", token: daemon.deployToken)
        try write(dir + "/token", daemon.deployToken)
        let path = try profile(dir, "prod", url: daemon.url, tls: ["mode": "ca_bundle", "ca_bundle_path": .string(daemon.ca)],
                               tokenRef: "file://" + dir + "/token")
        XCTAssertEqual(try client.x07lp(["target", "add", "--profile", path]).status, 0)
        XCTAssertEqual(try client.x07lp(["target", "use", "--name", "prod"]).status, 0)

        let hello = ExamplePacks.hello
        let accept = ["deploy", "accept", "--pack", hello + "/pack.tar.zst", "--change", hello + "/change_request.ops.json",
                      "--ops", hello + "/ops.canary.json", "--slo", hello + "/slo.json", "--policy", hello + "/policy.baseline.json",
                      "--provenance", hello + "/provenance.dsse.json", "--json"]
        func push(_ result: StageResult) throws -> JSON {
            try XCTUnwrap(Self.json(result)["diagnostics"]?.arrayValue?.first { $0["code"] == "LP_REMOTE_PUSHED" }?["data"]?["push"])
        }
        let first = try client.x07lp(accept)
        XCTAssertEqual(first.status, 0, first.stderr + first.stdoutText)
        let result = try Self.json(first)["result"] ?? .null
        XCTAssertEqual(result["schema_version"], "lp.deploy.remote.result@0.1.0")
        XCTAssertEqual(result["target"], "prod")
        XCTAssertEqual(try push(first)["uploaded_count"], 6)
        try validate(try push(first), "lp.deploy.push.result")
        try validate(result, "lp.deploy.remote.result")
        try validate(try Self.json(first), "lp.cli.report")
        let id = try XCTUnwrap(result["deployment_id"]?.stringValue)
        // The same inputs again: presence finds them all, nothing is uploaded.
        let again = try client.x07lp(accept)
        XCTAssertEqual(try push(again)["uploaded_count"], 0)
        XCTAssertEqual(try push(again)["skipped_count"], 6)

        // --accepted-run names the deployment by the accept's run (the reference's way); a run the
        // daemon did not accept, or no deployment at all, is exit 2.
        let acceptedRun = try XCTUnwrap(result["run_id"]?.stringValue)
        let unknownRun = try client.x07lp(["deploy", "run", "--accepted-run", "lprun_none", "--json"])
        XCTAssertEqual(unknownRun.status, 2, unknownRun.stderr + unknownRun.stdoutText)
        XCTAssertEqual(Self.codes(unknownRun), ["LP_DEPLOYMENT_NOT_FOUND"])
        XCTAssertEqual(try client.x07lp(["deploy", "run", "--wait"]).status, 2)
        let ran = try client.x07lp(["deploy", "run", "--accepted-run", acceptedRun, "--metrics-dir", StageProcess.repoRoot + "/examples/hello/metrics",
                                    "--pause-scale", "0", "--wait", "--json"])
        XCTAssertEqual(ran.status, 0, ran.stderr + ran.stdoutText)
        XCTAssertEqual(try Self.json(ran)["result"]?["deployment_id"], .string(id))
        XCTAssertEqual(Self.outcome(ran), "promoted")
        XCTAssertEqual(try Self.json(ran)["result"]?["current_weight_pct"], 100)
        try validate(try Self.json(ran)["result"], "lp.deploy.remote.result")
        let full = try client.x07lp(["deploy", "query", "--deployment-id", id, "--view", "full", "--json"])
        XCTAssertEqual(full.status, 0, full.stderr)
        XCTAssertEqual(try Self.json(full)["result"]?["outcome"], "promoted")
        XCTAssertEqual(try Self.json(full)["command"], "deploy query")
        try validate(try Self.json(full)["result"], "lp.deploy.query.result")
        // The full view shows the remote meta: the client's profile, the daemon, the lease of the run.
        let remoteMeta = try Self.json(full)["result"]?["execution"]?["meta"]
        try validate(remoteMeta, "lp.deploy.execution.meta.remote")
        XCTAssertEqual(remoteMeta?["target_profile"]?["name"], "prod")
        XCTAssertEqual(remoteMeta?["target_profile"]?["runtime_provider"], "lp.impl.runtime.wasmcloud_v1")
        XCTAssertEqual(remoteMeta?["control"]?["lock_id"], .string("lplock_" + id))
        XCTAssertEqual(remoteMeta?["publish"]?["registry"], "registry.invalid", "no registry in this profile")
        if let root = Upstream.root {
            for name in ["remote_promote", "remote_query"] {
                let expected = try TemplateMatch.load(root + "/fixtures/remote-oss/\(name)/expected/query.full.report.json")
                // The fixture's app is app_min; this one's is the example's.
                XCTAssertEqual(TemplateMatch.mismatches(expected: expected, actual: try Self.json(full), wildcardKeys: ["target"]), [], name)
            }
        }
        XCTAssertEqual(try client.x07lp(["deploy", "status", "--deployment-id", id]).status, 0)
        for view in ["summary", "timeline", "decisions", "artifacts"] {
            let viewed = try client.x07lp(["deploy", "query", "--deployment-id", id, "--view", view, "--json"])
            try assertTemplate("remote_query/expected/query.\(view).report.json", viewed)
            if view == "summary" { try assertTemplate("remote_promote/expected/query.summary.report.json", viewed) }
        }
        let rebuilt = try client.x07lp(["deploy", "query", "--deployment-id", id, "--view", "summary", "--rebuild-index", "--json"])
        try assertTemplate("remote_query_index_rebuild/expected/query.summary.report.json", rebuilt)

        // Query parity: the same inputs run locally give the same normalized full query.
        let localState = ["--target", "__local__", "--state-dir", dir + "/parity"]
        let localAccept = try client.x07lp(Array(accept.dropLast()) + ["--trusted-key", hello + "/keys/test-signing.pub.pem", "--json"] + localState)
        let localId = try XCTUnwrap(Self.json(localAccept)["result"]?["exec_id"]?.stringValue, localAccept.stderr)
        XCTAssertEqual(try client.x07lp(["deploy", "run", "--deployment-id", localId, "--metrics-dir", StageProcess.repoRoot + "/examples/hello/metrics",
                                         "--pause-scale", "0"] + localState).status, 0)
        let localFull = try Self.json(try client.x07lp(["deploy", "query", "--deployment-id", localId, "--view", "full", "--json"] + localState))
        let normalized = Self.normalized(try Self.json(full))
        XCTAssertEqual(normalized, Self.normalized(localFull))
        if let root = Upstream.root {
            let expected = try TemplateMatch.load(root + "/fixtures/remote-oss/remote_parity/expected/query.full.normalized.json")
            // The reference aliases remote reason codes (LP_PLAN_READY as LP-INTAKE-OK); x07lpd's are the local ones.
            XCTAssertEqual(TemplateMatch.mismatches(expected: expected, actual: normalized, wildcardKeys: ["target", "decision_reason_codes"]), [])
        }

        // Metrics the SLO refuses: the run rolls back, exit 14 with the remote result at weight 0.
        var unhealthy = try JSONParser.parse(try InputDocument.readFile(StageProcess.repoRoot + "/examples/hello/metrics/analysis.1.json", limit: 1 << 20))
        unhealthy = unhealthy.setting("metrics", [["name": "http_error_rate", "unit": "ratio", "value": 0.3],
                                                  ["name": "http_availability", "unit": "ratio", "value": 0.7],
                                                  ["name": "http_latency_p95_ms", "unit": "ms", "value": 900]])
        try FileManager.default.createDirectory(atPath: dir + "/unhealthy", withIntermediateDirectories: true)
        try write(dir + "/unhealthy/analysis.1.json", unhealthy.canonicalString)
        let rollbackId = try XCTUnwrap(Self.json(again)["result"]?["deployment_id"]?.stringValue)
        let rolledBack = try client.x07lp(["deploy", "run", "--deployment-id", rollbackId, "--metrics-dir", dir + "/unhealthy",
                                           "--pause-scale", "0", "--wait", "--json"])
        XCTAssertEqual(rolledBack.status, 14, rolledBack.stderr + rolledBack.stdoutText)
        XCTAssertEqual(Self.outcome(rolledBack), "rolled_back")
        try validate(try Self.json(rolledBack)["result"], "lp.deploy.remote.result")
        try assertTemplate("remote_rollback/expected/deploy.run.report.json", rolledBack)
        try assertTemplate("remote_rollback/expected/query.summary.report.json",
                           try client.x07lp(["deploy", "query", "--deployment-id", rollbackId, "--view", "summary", "--json"]))

        // --target __local__ keeps the local stages: the deployment is not in a fresh local state.
        let local = try client.x07lp(["deploy", "query", "--target", "__local__", "--deployment-id", id, "--state-dir", dir + "/local", "--json"])
        XCTAssertNotEqual(local.status, 0)
        XCTAssertFalse(local.stdoutText.contains("promoted"))
        try assertNoToken(client, daemon)
    }

    func testControlsLeaseConflictIncidentsAndRegressOnATarget() throws {
        let daemon = try DaemonHarness.start(trustedKey: ExamplePacks.hello + "/keys/test-signing.pub.pem")
        defer { daemon.stop() }
        var (dir, path, client) = try prodTarget(daemon)
        let hello = ExamplePacks.hello
        let accept = ["deploy", "accept", "--target", "prod", "--pack", hello + "/pack.tar.zst", "--change", hello + "/change_request.ops.json",
                      "--ops", hello + "/ops.canary.json", "--slo", hello + "/slo.json", "--policy", hello + "/policy.baseline.json",
                      "--provenance", hello + "/provenance.dsse.json", "--json"]
        func accepted() throws -> String {
            try XCTUnwrap(Self.json(try client.x07lp(accept))["result"]?["deployment_id"]?.stringValue)
        }
        let metrics = StageProcess.repoRoot + "/examples/hello/metrics"
        let a = try accepted(), b = try accepted()
        let started = try client.x07lp(["deploy", "run", "--target", "prod", "--deployment-id", a, "--metrics-dir", metrics,
                                        "--pause-scale", "30", "--json"])
        XCTAssertEqual(started.status, 0, started.stderr)
        try validate(try Self.json(started)["result"], "lp.deploy.remote.result")
        usleep(1_500_000)
        // A second CI runner, with its own configuration, on the same app/env: the lease is held.
        var runner = Client(config: dir + "/runner2", token: daemon.deployToken)
        XCTAssertEqual(try runner.x07lp(["target", "add", "--profile", path]).status, 0)
        let conflict = try runner.x07lp(["deploy", "run", "--target", "prod", "--deployment-id", b, "--pause-scale", "0", "--json"])
        XCTAssertEqual(conflict.status, 13, conflict.stderr)
        XCTAssertEqual(Self.codes(conflict), ["LP_REMOTE_LEASE_CONFLICT"])
        try assertTemplate("remote_lease_conflict/expected/deploy.run.report.json", conflict)
        XCTAssertEqual(try Self.json(conflict)["result"], ["op": "run", "ok": false])
        let paused = try client.x07lp(["deploy", "pause", "--target", "prod", "--deployment-id", a, "--reason", "hold", "--json"])
        XCTAssertEqual(paused.status, 0, paused.stderr + paused.stdoutText)
        try assertTemplate("remote_pause_rerun/expected/pause.report.json", paused)
        XCTAssertEqual(try client.x07lp(["deploy", "rollback", "--target", "prod", "--deployment-id", a, "--reason", "bad"]).status, 0)
        let rerun = try client.x07lp(["deploy", "rerun", "--target", "prod", "--deployment-id", a, "--reason", "again", "--json"])
        XCTAssertEqual(rerun.status, 0, rerun.stderr + rerun.stdoutText)
        try assertTemplate("remote_pause_rerun/expected/rerun.report.json", rerun)

        for (name, document) in [("request", IncidentTests.request), ("response", IncidentTests.response), ("trace", IncidentTests.trace)] {
            try write(dir + "/\(name).json", document.canonicalString)
        }
        // The paused run's worker records the remote meta when it lets the lease go.
        let lease = daemon.state + "/.x07lpd/leases/example.hello.web__staging.json"
        for _ in 0..<100 where FileManager.default.fileExists(atPath: lease) { usleep(100_000) }
        let captured = try client.x07lp(["incident", "capture", "--target", "prod", "--deployment-id", a, "--reason", "502",
                                         "--request", dir + "/request.json", "--response", dir + "/response.json", "--trace", dir + "/trace.json", "--json"])
        XCTAssertEqual(captured.status, 0, captured.stderr + captured.stdoutText)
        // This test's response is a 502 (the fixture's a 500).
        try assertTemplate("remote_incident_capture/expected/incident.capture.report.json", captured, wildcardKeys: ["target", "status_code"])
        let incident = try XCTUnwrap(Self.json(captured)["result"]?["incident_id"]?.stringValue)
        let listed = try client.x07lp(["incident", "list", "--target", "prod", "--deployment-id", a, "--json"])
        XCTAssertEqual(try Self.json(listed)["result"]?["items"]?.arrayValue?.count, 1)
        XCTAssertEqual(try client.x07lp(["incident", "get", "--target", "prod", "--incident-id", incident]).status, 0)
        let regressed = try client.x07lp(["regress", "from-incident", "--target", "prod", "--incident-id", incident, "--name", "greet_502", "--json"])
        XCTAssertEqual(regressed.status, 0, regressed.stderr + regressed.stdoutText)
        try assertTemplate("remote_regression_from_incident/expected/regress.report.json", regressed)
        // The incident's remote meta beside its local one, following its lifecycle.
        let remoteMeta = try JSONParser.parse(try InputDocument.readFile(
            daemon.state + "/incidents/example.hello.web/staging/\(incident)/incident.meta.remote.json", limit: 1 << 20))
        try validate(remoteMeta, "lp.incident.bundle.meta.remote")
        XCTAssertEqual(remoteMeta["incident_status"], "open", "a regression leaves the incident open")
        XCTAssertNotEqual(remoteMeta["regression_id"] ?? .null, .null, "it names the regression")
        XCTAssertEqual(remoteMeta["deployment_id"], .string(a))
        XCTAssertEqual(remoteMeta["provider"]?["server_id"], "x07lpd-self-hosted")
        XCTAssertEqual(try client.x07lp(["incident", "get", "--target", "prod", "--incident-id", "lpinc_none"]).status, 2)
        // An incident captured without a trace makes no fixtures: 13 on a target.
        let traceless = try client.x07lp(["incident", "capture", "--target", "prod", "--deployment-id", a, "--reason", "no trace",
                                          "--request", dir + "/request.json", "--response", dir + "/response.json", "--json"])
        let tracelessId = try XCTUnwrap(Self.json(traceless)["result"]?["incident_id"]?.stringValue, traceless.stderr)
        let noTrace = try client.x07lp(["regress", "from-incident", "--target", "prod", "--incident-id", tracelessId, "--json"])
        XCTAssertEqual(noTrace.status, 13, noTrace.stderr + noTrace.stdoutText)
        try assertTemplate("remote_incident_trace_missing/expected/regress.report.json", noTrace)

        // A profile pinned to other capabilities runs nothing; a secret the daemon lacks refuses the accept.
        let pinned = try profile(dir, "pinned", url: daemon.url, tls: ["mode": "ca_bundle", "ca_bundle_path": .string(daemon.ca)],
                                 tokenRef: "env:LP_TEST_TOKEN", extra: ["expect_capabilities_digest": .string("sha256:" + String(repeating: "f", count: 64))])
        XCTAssertEqual(try client.x07lp(["target", "add", "--profile", pinned]).status, 0)
        let mismatch = try client.x07lp(["deploy", "run", "--target", "pinned", "--deployment-id", b, "--json"])
        XCTAssertEqual(mismatch.status, 13, mismatch.stderr)
        XCTAssertEqual(Self.codes(mismatch), ["LP_REMOTE_CAPABILITIES_UNSUPPORTED"])
        XCTAssertEqual(try Self.json(mismatch)["result"], ["op": "run", "ok": false])
        try assertTemplate("remote_capabilities_mismatch/expected/deploy.run.report.json", mismatch)
        let secret = try client.x07lp(Array(accept.dropLast()) + ["--require-secret", "api_key", "--json"])
        XCTAssertEqual(secret.status, 13, secret.stderr)
        XCTAssertTrue(Self.codes(secret).contains("LP_REMOTE_SECRET_NOT_FOUND"), secret.stdoutText)
        try assertTemplate("remote_missing_secret/expected/deploy.accept.report.json", secret)

        // A daemon that does not answer: 32 for a read, 13 for a run, nothing hangs.
        let closed = try profile(dir, "closed", url: "https://127.0.0.1:\(try DaemonHarness.freePort())",
                                 tls: ["mode": "ca_bundle", "ca_bundle_path": .string(daemon.ca)], tokenRef: "env:LP_TEST_TOKEN")
        try FileManager.default.createDirectory(atPath: dir + "/config/targets", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: closed, toPath: dir + "/config/targets/closed.json")
        let down = try client.x07lp(["deploy", "status", "--target", "closed", "--deployment-id", a, "--json"])
        XCTAssertEqual(down.status, 32, down.stderr)
        XCTAssertEqual(Self.codes(down), ["LP_REMOTE_QUERY_FAILED"])
        XCTAssertEqual(try client.x07lp(["deploy", "run", "--target", "closed", "--deployment-id", a]).status, 13)
        try assertNoToken(client, daemon)
        try assertNoToken(runner, daemon)
    }

    /// A scratch directory and a client of `daemon` with its target `prod` added (CA-bundle TLS,
    /// the token from the environment).
    func prodTarget(_ daemon: DaemonHarness) throws -> (dir: String, profile: String, client: Client) {
        let dir = StageProcess.temporaryDirectory()
        var client = Client(config: dir + "/config", token: daemon.deployToken)
        let path = try profile(dir, "prod", url: daemon.url, tls: ["mode": "ca_bundle", "ca_bundle_path": .string(daemon.ca)],
                               tokenRef: "env:LP_TEST_TOKEN")
        XCTAssertEqual(try client.x07lp(["target", "add", "--profile", path]).status, 0)
        return (dir, path, client)
    }

    func testAdapterCapabilitiesAndConformanceTenOfTen() throws {
        let daemon = try DaemonHarness.start(trustedKey: ExamplePacks.hello + "/keys/test-signing.pub.pem")
        defer { daemon.stop() }
        var (dir, _, client) = try prodTarget(daemon)
        let capabilities = try client.x07lp(["adapter", "capabilities", "--target", "prod", "--json"])
        XCTAssertEqual(capabilities.status, 0, capabilities.stderr)
        try validate(try Self.json(capabilities)["result"], "lp.adapter.capabilities")

        // The fixture: the example pack and inputs, its metrics, an incident.
        let fixture = dir + "/fixture", hello = ExamplePacks.hello
        for sub in ["", "/metrics", "/incident"] { try FileManager.default.createDirectory(atPath: fixture + sub, withIntermediateDirectories: true) }
        for (from, to) in [("pack.tar.zst", "pack.tar.zst"), ("change_request.ops.json", "change_request.json"), ("ops.canary.json", "ops.json"),
                           ("slo.json", "slo.json"), ("policy.baseline.json", "policy.json"), ("provenance.dsse.json", "provenance.dsse.json")] {
            try FileManager.default.createSymbolicLink(atPath: fixture + "/" + to, withDestinationPath: hello + "/" + from)
        }
        for n in [1, 2] {
            try FileManager.default.createSymbolicLink(atPath: fixture + "/metrics/analysis.\(n).json",
                                                       withDestinationPath: StageProcess.repoRoot + "/examples/hello/metrics/analysis.\(n).json")
        }
        for (name, document) in [("request", IncidentTests.request), ("response", IncidentTests.response), ("trace", IncidentTests.trace)] {
            try write(fixture + "/incident/\(name).json", document.canonicalString)
        }
        let ran = try client.x07lp(["adapter", "conformance", "--target", "prod", "--fixture", fixture, "--json"])
        XCTAssertEqual(ran.status, 0, ran.stderr + ran.stdoutText)
        let report = try Self.json(ran)
        XCTAssertEqual(report["result"]?["passed"], 10, report["result"]?["scenarios"]?.canonicalString ?? "")
        try validate(report["result"], "lp.adapter.conformance.report")
        if let root = Upstream.root {
            let expected = try TemplateMatch.load(root + "/fixtures/remote-oss/remote_conformance/expected/adapter.conformance.report.json")
            XCTAssertEqual(TemplateMatch.mismatches(expected: expected, actual: report), [])
        }

        // A fixture without its inputs is refused before any request.
        let empty = try client.x07lp(["adapter", "conformance", "--target", "prod", "--fixture", dir + "/nothing"])
        XCTAssertEqual(empty.status, 2, empty.stderr)
        try assertNoToken(client, daemon)
    }

    /// The report matches `remote-oss/<case>/expected/<file>` (when the upstream fixtures are
    /// present). The fixtures' app is app_min; `target` is the example's here.
    func assertTemplate(_ path: String, _ result: StageResult, wildcardKeys: Set<String> = ["target"],
                        file: StaticString = #filePath, line: UInt = #line) throws {
        guard let root = Upstream.root else { return }
        let expected = try TemplateMatch.load(root + "/fixtures/remote-oss/" + path)
        XCTAssertEqual(TemplateMatch.mismatches(expected: expected, actual: try Self.json(result), wildcardKeys: wildcardKeys), [], path,
                       file: file, line: line)
    }

    /// The parity view of a full query (ids, times and digests left out).
    static func normalized(_ report: JSON) -> JSON {
        let result = report["result"] ?? .null
        func unique(_ values: [String]) -> JSON {
            var seen = Set<String>()
            return .array(values.filter { !$0.isEmpty && seen.insert($0).inserted }.map(JSON.string))
        }
        let steps = result["steps"]?.arrayValue ?? []
        let reasons = (result["decisions"]?.arrayValue ?? []).flatMap { ($0["reasons"]?.arrayValue ?? []).compactMap { $0["code"]?.stringValue } }
        return ["schema_version": "lp.deploy.query.result.normalized@0.1.0", "target": result["target"] ?? .null,
                "status": result["status"] ?? .null, "outcome": result["outcome"] ?? .null,
                "current_weight_pct": result["current_weight_pct"] ?? .null,
                "analysis_decisions": unique(steps.compactMap { $0["analysis_decision"]?.stringValue }),
                "step_statuses": .array(steps.prefix(3).map { $0["status"] ?? .null }), "decision_reason_codes": unique(reasons)]
    }

    /// Neither token appears in anything printed, nor in a file of the client's configuration.
    func assertNoToken(_ client: Client, _ daemon: DaemonHarness) throws {
        var texts = client.outputs
        for case let file as String in FileManager.default.enumerator(atPath: client.config) ?? .init() {
            texts.append((try? String(contentsOfFile: client.config + "/" + file, encoding: .utf8)) ?? "")
        }
        XCTAssertGreaterThan(texts.count, 2)
        for text in texts { XCTAssertFalse(text.contains(daemon.deployToken) || text.contains(daemon.readToken), "a token leaked: \(text.prefix(200))") }
    }
}
