import LPCore
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// x07lpd for real: nginx (TLS from a test CA, limits) → fcgiwrap → lp-serve on a state
/// directory, driven with curl alone.
final class X07lpdTests: XCTestCase {
    static var hello: String { ExamplePacks.hello }

    /// The accept request of the example pack, its inputs uploaded to the daemon's CAS.
    static func acceptBody(_ daemon: DaemonHarness) throws -> JSON {
        ["pack": .string(try daemon.upload(hello + "/pack.tar.zst")),
         "change": .string(try daemon.upload(hello + "/change_request.ops.json")),
         "ops": .string(try daemon.upload(hello + "/ops.canary.json")), "slo": .string(try daemon.upload(hello + "/slo.json")),
         "policy": [.string(try daemon.upload(hello + "/policy.baseline.json"))],
         "provenance": .string(try daemon.upload(hello + "/provenance.dsse.json"))]
    }

    static func metrics(_ daemon: DaemonHarness) throws -> JSON {
        .array(try [1, 2].map { .string(try daemon.upload(StageProcess.repoRoot + "/examples/hello/metrics/analysis.\($0).json")) })
    }

    /// Polls `GET /v1/deployments/{id}/run` until the detached run has written its report.
    static func waitForRun(_ daemon: DaemonHarness, _ id: String) throws -> JSON {
        for _ in 0..<600 {
            let response = try daemon.request("GET", "/v1/deployments/\(id)/run", token: daemon.readToken)
            if response.status == 200 { return response.body }
            guard response.status == 202 else {
                XCTFail("no run of \(id): \(response.body.canonicalString)")
                return .null
            }
            usleep(100_000)
        }
        XCTFail("the run of \(id) did not end in 60 s")
        return .null
    }

    static func codes(_ body: JSON) -> [String] { (body["diagnostics"]?.arrayValue ?? []).compactMap { $0["code"]?.stringValue } }

    func validate(_ document: JSON, _ contract: String, _ note: String) throws {
        guard let root = Upstream.root else { return }
        let file = StageProcess.temporaryDirectory() + "/doc.json"
        try Data(document.canonicalBytes).write(to: URL(fileURLWithPath: file))
        let check = try StageProcess.x07lp(["schema", "validate", "--schema", "\(root)/lp-contracts/\(contract).schema.json", "--in", file])
        XCTAssertEqual(check.status, 0, "\(note) is not a valid \(contract): \(check.stderr)")
    }

    func testDeployQueryControlAndIncidentsThroughTheDaemonWithCurlAlone() throws {
        let daemon = try DaemonHarness.start(trustedKey: Self.hello + "/keys/test-signing.pub.pem")
        defer { daemon.stop() }
        var seen: [[UInt8]] = []
        func call(_ method: String, _ path: String, token: String? = nil, json: JSON? = nil, file: String? = nil) throws -> DaemonHarness.Response {
            let response = try daemon.request(method, path, token: token ?? daemon.deployToken, json: json, file: file)
            seen.append(response.raw)
            return response
        }

        let health = try daemon.request("GET", "/v1/health", token: nil)
        XCTAssertEqual(health.status, 200)
        XCTAssertEqual(health.body, ["ok": true, "api_version": "v1"])
        let capabilities = try call("GET", "/v1/capabilities", token: daemon.readToken)
        XCTAssertEqual(capabilities.status, 200)
        try validate(capabilities.body, "lp.remote.capabilities.response", "capabilities")
        usleep(5_000)
        XCTAssertEqual(try call("GET", "/v1/capabilities").body["capabilities_digest"], capabilities.body["capabilities_digest"],
                       "the digest leaves the time stamp out")

        // The CAS: presence before, a wrong digest refused with nothing stored, presence after.
        let pack = Self.hello + "/pack.tar.zst"
        let packSHA = SHA256.hex(try InputDocument.readFile(pack, limit: 1 << 30))
        let zeros = String(repeating: "0", count: 64)
        XCTAssertEqual(try call("POST", "/v1/artifacts/cas/presence", json: ["digests": [.string(packSHA)]]).body["missing"],
                       [.string(packSHA)])
        let wrong = try call("PUT", "/v1/artifacts/cas/objects/" + zeros, file: pack)
        XCTAssertEqual(wrong.status, 409)
        XCTAssertEqual(wrong.body["exit_code"], 12)
        XCTAssertEqual(Self.codes(wrong.body), ["LP_REMOTE_UPLOAD_DIGEST_MISMATCH"])
        XCTAssertEqual(try call("POST", "/v1/artifacts/cas/presence", json: ["digests": [.string(packSHA), .string(zeros)]]).body["missing"],
                       [.string(zeros), .string(packSHA)], "a refused upload stores nothing")
        let accept = try Self.acceptBody(daemon)
        XCTAssertEqual(try call("POST", "/v1/artifacts/cas/presence", json: ["digests": [.string(packSHA)]]).body["missing"], [])

        // Accept, run detached to promoted, query.
        let accepted = try call("POST", "/v1/deploy/accept", json: accept)
        XCTAssertEqual(accepted.body["ok"], true, accepted.body.canonicalString)
        try validate(accepted.body, "lp.cli.report", "accept report")
        let a = try XCTUnwrap(accepted.body["result"]?["exec_id"]?.stringValue)
        let metrics = try Self.metrics(daemon)
        let started = try call("POST", "/v1/deploy/run", json: ["deployment_id": .string(a), "metrics": metrics, "pause_scale": 0])
        XCTAssertEqual(started.status, 202, started.body.canonicalString)
        try validate(started.body["result"] ?? .null, "lp.deploy.remote.result", "run result")
        let ran = try Self.waitForRun(daemon, a)
        XCTAssertEqual(ran["ok"], true, ran.canonicalString)
        XCTAssertEqual(ran["result"]?["outcome"], "promoted")
        let full = try call("GET", "/v1/deployments/\(a)/query?view=full", token: daemon.readToken)
        XCTAssertEqual(full.body["ok"], true)
        XCTAssertEqual(full.body["result"]?["outcome"], "promoted")
        try validate(full.body, "lp.cli.report", "query report")
        try validate(full.body["result"] ?? .null, "lp.deploy.query.result", "query result")
        XCTAssertEqual(try call("GET", "/v1/deployments/\(a)", token: daemon.readToken).body["ok"], true)

        // A second deployment: a slow canary holds the lease, is paused, rolled back and rerun.
        let b = try XCTUnwrap(try call("POST", "/v1/deploy/accept", json: accept).body["result"]?["exec_id"]?.stringValue)
        let c = try XCTUnwrap(try call("POST", "/v1/deploy/accept", json: accept).body["result"]?["exec_id"]?.stringValue)
        XCTAssertEqual(try call("POST", "/v1/deploy/run", json: ["deployment_id": .string(b), "metrics": metrics, "pause_scale": 30]).status, 202)
        usleep(1_500_000)
        let conflict = try call("POST", "/v1/deploy/run", json: ["deployment_id": .string(c), "pause_scale": 0])
        XCTAssertEqual(conflict.status, 409)
        XCTAssertEqual(conflict.body["exit_code"], 13)
        XCTAssertEqual(Self.codes(conflict.body), ["LP_REMOTE_LEASE_CONFLICT"])
        let paused = try call("POST", "/v1/deployments/\(b)/pause", json: ["reason": "hold the canary"])
        XCTAssertEqual(paused.body["ok"], true, paused.body.canonicalString)
        XCTAssertTrue(Self.codes(try Self.waitForRun(daemon, b)).contains("LP_DEPLOY_PAUSED"))
        XCTAssertEqual(try call("GET", "/v1/deployments/\(b)/query", token: daemon.readToken).body["result"]?["control_state"], "paused")
        XCTAssertEqual(try call("POST", "/v1/deployments/\(b)/rollback", json: ["reason": "bad canary"]).body["ok"], true)
        let rerun = try call("POST", "/v1/deployments/\(b)/rerun", json: ["reason": "again"])
        XCTAssertEqual(rerun.body["ok"], true, rerun.body.canonicalString)
        XCTAssertNotNil(rerun.body["result"]?["new_execution_id"]?.stringValue)

        // Incidents: capture on the promoted deployment, list, get, regress.
        let capture = try call("POST", "/v1/incidents/capture",
                               json: ["deployment_id": .string(a), "reason": "greet returns 502", "request": IncidentTests.request,
                                      "response": IncidentTests.response, "trace": IncidentTests.trace])
        XCTAssertEqual(capture.body["ok"], true, capture.body.canonicalString)
        let incident = try XCTUnwrap(capture.body["result"]?["incident_id"]?.stringValue)
        XCTAssertEqual(try call("GET", "/v1/incidents?deployment_id=\(a)", token: daemon.readToken).body["result"]?["items"]?.arrayValue?.count, 1)
        XCTAssertEqual(try call("GET", "/v1/incidents/\(incident)", token: daemon.readToken).body["ok"], true)
        let regress = try call("POST", "/v1/incidents/\(incident)/regress", json: ["name": "greet_502"])
        XCTAssertEqual(regress.body["ok"], true, regress.body.canonicalString)
        try validate(regress.body["result"] ?? .null, "lp.regression.run.result", "regression result")

        // Events (the audit of who did what) and the run's log.
        let events = try call("GET", "/v1/events?exec_id=\(a)", token: daemon.readToken)
        try validate(events.body["result"] ?? .null, "lp.remote.events.result", "events")
        let kinds = (events.body["result"]?["items"]?.arrayValue ?? []).compactMap { $0["kind"]?.stringValue }
        XCTAssertEqual(Array(kinds.prefix(2)), ["deploy.accept", "deploy.run"])
        XCTAssertEqual(events.body["result"]?["items"]?.arrayValue?.first?["data"]?["token_name"], "ci")
        let logs = try call("GET", "/v1/logs?exec_id=\(a)", token: daemon.readToken)
        try validate(logs.body["result"] ?? .null, "lp.remote.logs.result", "logs")
        XCTAssertGreaterThan(logs.body["result"]?["items"]?.arrayValue?.count ?? 0, 0)

        // Refusals: no token, a wrong one, a read token deploying, an unknown route.
        for (token, status, code) in [(nil, 401, "LP_REMOTE_AUTH_FAILED"), ("x07lpd_" + zeros, 401, "LP_REMOTE_AUTH_FAILED"),
                                      (daemon.readToken, 403, "LP_REMOTE_SCOPE_DENIED")] as [(String?, Int, String)] {
            let refused = try daemon.request("POST", "/v1/deploy/accept", token: token, json: accept)
            XCTAssertEqual(refused.status, status)
            XCTAssertEqual(refused.body["exit_code"], 41)
            XCTAssertEqual(Self.codes(refused.body), [code])
        }
        XCTAssertEqual(try call("GET", "/v1/nothing/here").status, 404)
        XCTAssertEqual(try daemon.request("GET", "/v1/nothing/here", token: nil).status, 401, "authentication comes before routing")

        // Hostile requests change nothing.
        let before = StateFiles.all(daemon.state).keys.filter { !$0.hasPrefix(".x07lpd/") && !$0.hasPrefix("audit/") }
        // nginx resolves the encoded dots to a path outside /v1 (404); lp-serve refuses any that reach it (400).
        XCTAssertTrue([400, 404].contains(try call("GET", "/v1/deployments/..%2f..%2fetc/query").status))
        XCTAssertEqual(try call("GET", "/v1/deployments/%2e%2e/query").status, 400)
        XCTAssertEqual(try call("GET", "/v1/deployments/\(a)/query?view=everything").status, 400)
        let malformed = try call("POST", "/v1/deploy/accept", file: Self.hello + "/pack.tar.zst")
        XCTAssertEqual(malformed.status, 400)
        XCTAssertEqual(Self.codes(malformed.body), ["LP_INVALID_HTTP_REQUEST"])
        let big = StageProcess.temporaryDirectory() + "/big.bin"
        try Data(count: 17 << 20).write(to: URL(fileURLWithPath: big))
        let tooBig = try call("PUT", "/v1/artifacts/cas/objects/" + zeros, file: big)
        XCTAssertEqual(tooBig.status, 413)
        XCTAssertEqual(Self.codes(tooBig.body), ["LP_HTTP_BODY_TOO_LARGE"])
        XCTAssertEqual(StateFiles.all(daemon.state).keys.filter { !$0.hasPrefix(".x07lpd/") && !$0.hasPrefix("audit/") }.sorted(),
                       before.sorted())

        // The daemon's state is an ordinary state, and no token is anywhere in it or in a response.
        let verify = try StageProcess.x07lp(["state", "verify", "--state-dir", daemon.state, "--json"])
        XCTAssertEqual(verify.status, 0, String(decoding: verify.stdout, as: UTF8.self))
        for (name, bytes) in StateFiles.all(daemon.state) {
            let text = String(decoding: bytes, as: UTF8.self)
            XCTAssertFalse(text.contains(daemon.deployToken) || text.contains(daemon.readToken), "a token reached \(name)")
        }
        for raw in seen { XCTAssertFalse(String(decoding: raw, as: UTF8.self).contains(daemon.deployToken)) }
    }

    func testRequiredSecretsAreCheckedAtAcceptAndNeverWritten() throws {
        let daemon = try DaemonHarness.start(trustedKey: Self.hello + "/keys/test-signing.pub.pem")
        defer { daemon.stop() }
        let x07lpd = StageProcess.binary("x07lpd")
        let value = "sk-live-" + Hex.encode(try AESGCM.randomBytes(12))
        let set = try StageProcess.run(x07lpd, ["secret", "set", "--state-dir", daemon.state, "--scope", "app_env:example.hello.web/staging",
                                                "--id", "api_key", "--json"], stdin: Array(value.utf8))
        XCTAssertEqual(set.status, 0, set.stderr)
        let listed = try StageProcess.run(x07lpd, ["secret", "list", "--state-dir", daemon.state, "--json"])
        XCTAssertEqual(try JSONParser.parse(listed.stdout)["result"]?["secrets"],
                       [["scope": "app_env:example.hello.web/staging", "id": "api_key"]])
        var accept = try Self.acceptBody(daemon)
        accept = accept.setting("capabilities", ["secrets": ["allow": ["api_key", "db_password"]]])
        let records = { StateFiles.all(daemon.state).keys.filter { $0.hasPrefix("deploy/") || $0.hasPrefix("runs/") } }
        let refused = try daemon.request("POST", "/v1/deploy/accept", token: daemon.deployToken, json: accept)
        XCTAssertEqual(refused.status, 200)
        XCTAssertEqual(refused.body["exit_code"], 13)
        XCTAssertEqual(Self.codes(refused.body), ["LP_REMOTE_SECRET_NOT_FOUND"])
        XCTAssertEqual(refused.body["result"]?["missing_secrets"], ["db_password"])
        XCTAssertEqual(refused.body["result"]?["resolved_scopes"], [["secret_id": "api_key", "scope": "app_env:example.hello.web/staging"]])
        XCTAssertEqual(records(), [], "a refused accept writes no record")

        _ = try StageProcess.run(x07lpd, ["secret", "set", "--state-dir", daemon.state, "--scope", "env:staging", "--id", "db_password"],
                                 stdin: Array((value + "-db").utf8))
        let accepted = try daemon.request("POST", "/v1/deploy/accept", token: daemon.deployToken, json: accept)
        XCTAssertEqual(accepted.body["ok"], true, accepted.body.canonicalString)

        // A store opened with another mode is refused, not read.
        chmod(daemon.state + "/.x07lpd/secrets.enc.json", 0o644)
        let badMode = try daemon.request("POST", "/v1/deploy/accept", token: daemon.deployToken, json: accept)
        XCTAssertEqual(badMode.body["exit_code"], 12)
        XCTAssertEqual(Self.codes(badMode.body), ["LP_REMOTE_SECRET_STORE_INVALID"])

        for (name, bytes) in StateFiles.all(daemon.state) {
            XCTAssertFalse(String(decoding: bytes, as: UTF8.self).contains(value), "the secret reached \(name)")
        }
        for response in [refused, accepted, badMode] { XCTAssertFalse(String(decoding: response.raw, as: UTF8.self).contains(value)) }
    }

    /// kill -9 of nginx, fcgiwrap and a detached run: the state verifies, the daemon starts
    /// again (nginx's orphaned workers are cleared), the dead run's lease is free, and the
    /// deployment is resumed to promoted.
    func testKilledServersAndRunsLeaveAStateThatVerifiesAndRecovers() throws {
        let daemon = try DaemonHarness.start(trustedKey: Self.hello + "/keys/test-signing.pub.pem")
        defer { daemon.stop() }
        let accept = try Self.acceptBody(daemon)
        let metrics = try Self.metrics(daemon)
        let id = try XCTUnwrap(try daemon.request("POST", "/v1/deploy/accept", token: daemon.deployToken, json: accept)
            .body["result"]?["exec_id"]?.stringValue)
        XCTAssertEqual(try daemon.request("POST", "/v1/deploy/run", token: daemon.deployToken,
                                          json: ["deployment_id": .string(id), "metrics": metrics, "pause_scale": 30]).status, 202)
        usleep(1_500_000)
        let leasePath = daemon.state + "/.x07lpd/leases/example.hello.web__staging.json"
        let worker = try XCTUnwrap(try JSONParser.parse(InputDocument.readFile(leasePath, limit: 1 << 16))["holder_pid"]?.intValue)
        for file in ["nginx.pid", "fcgiwrap.pid"] {
            let pid = Int32(try String(contentsOfFile: daemon.state + "/.x07lpd/run/" + file, encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
            XCTAssertGreaterThan(pid, 0)
            kill(pid, SIGKILL)
        }
        kill(Int32(worker), SIGKILL)
        usleep(300_000)
        let verify = try StageProcess.x07lp(["state", "verify", "--state-dir", daemon.state, "--json"])
        XCTAssertEqual(verify.status, 0, String(decoding: verify.stdout, as: UTF8.self))
        let restarted = try StageProcess.run(StageProcess.binary("x07lpd"), ["start", "--state-dir", daemon.state, "--json"])
        XCTAssertEqual(restarted.status, 0, restarted.stderr)
        // The killed run is resumed: running the same deployment again carries on from its steps.
        let resumed = try daemon.request("POST", "/v1/deploy/run", token: daemon.deployToken,
                                         json: ["deployment_id": .string(id), "metrics": metrics, "pause_scale": 0])
        XCTAssertEqual(resumed.status, 202, "the dead run's lease must not block: \(resumed.body.canonicalString)")
        let report = try Self.waitForRun(daemon, id)
        XCTAssertEqual(report["result"]?["outcome"], "promoted", report.canonicalString)
        let again = try StageProcess.x07lp(["state", "verify", "--state-dir", daemon.state, "--json"])
        XCTAssertEqual(again.status, 0, String(decoding: again.stdout, as: UTF8.self))
        // The killed master's fcgiwrap workers were ended at the restart; stop ends the rest.
        daemon.stop()
        usleep(300_000)
        let left = try StageProcess.run("/usr/bin/pgrep", ["-f", daemon.state])
        XCTAssertEqual(String(decoding: left.stdout, as: UTF8.self), "", "processes of the killed daemon outlived it")
    }

    /// `x07lpd start --foreground` (systemd, containers): serves until SIGTERM, then nginx and
    /// every fcgiwrap process are gone and it exits 0.
    func testForegroundServesUntilSIGTERMAndLeavesNoProcess() throws {
        guard access("/usr/sbin/nginx", X_OK) == 0, access("/usr/sbin/fcgiwrap", X_OK) == 0 else { throw XCTSkip("no nginx/fcgiwrap") }
        let state = StageProcess.temporaryDirectory() + "/fg"
        let port = try DaemonHarness.freePort()
        let x07lpd = StageProcess.binary("x07lpd")
        XCTAssertEqual(try StageProcess.run(x07lpd, ["init", "--state-dir", state, "--addr", "127.0.0.1:\(port)"]).status, 0)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: x07lpd)
        process.arguments = ["start", "--state-dir", state, "--foreground"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        var health = ""
        for _ in 0..<50 where !health.contains("\"ok\":true") {
            usleep(100_000)
            health = String(decoding: try StageProcess.run("/usr/bin/curl", ["-s", "http://127.0.0.1:\(port)/v1/health"]).stdout, as: UTF8.self)
        }
        XCTAssertEqual(health, "{\"api_version\":\"v1\",\"ok\":true}\n")
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        usleep(300_000)
        let left = try StageProcess.run("/usr/bin/pgrep", ["-f", state])
        XCTAssertEqual(String(decoding: left.stdout, as: UTF8.self), "", "processes of the daemon outlived it")
    }

    /// A state directory so deep that fcgiwrap's socket path would not fit a Unix socket address
    /// (108 bytes): the socket moves to a private directory under /tmp, removed at stop.
    func testADeepStateDirectoryStillServes() throws {
        guard access("/usr/sbin/nginx", X_OK) == 0, access("/usr/sbin/fcgiwrap", X_OK) == 0 else { throw XCTSkip("no nginx/fcgiwrap") }
        let state = StageProcess.temporaryDirectory() + "/" + String(repeating: "deep/", count: 16) + "state"
        let port = try DaemonHarness.freePort()
        let x07lpd = StageProcess.binary("x07lpd")
        XCTAssertEqual(try StageProcess.run(x07lpd, ["init", "--state-dir", state, "--addr", "127.0.0.1:\(port)", "--json"]).status, 0)
        let started = try StageProcess.run(x07lpd, ["start", "--state-dir", state, "--json"])
        XCTAssertEqual(started.status, 0, started.stderr)
        defer { _ = try? StageProcess.run(x07lpd, ["stop", "--state-dir", state, "--json"]) }
        let status = try JSONParser.parse(try StageProcess.run(x07lpd, ["status", "--state-dir", state, "--json"]).stdout)
        let socket = try XCTUnwrap(status["result"]?["fcgiwrap"]?["socket"]?.stringValue)
        XCTAssertTrue(socket.hasPrefix("/tmp/x07lpd-") && socket.utf8.count < 108, socket)
        var info = stat()
        XCTAssertEqual(lstat((socket as NSString).deletingLastPathComponent, &info), 0)
        XCTAssertEqual(info.st_mode & 0o777, 0o700)
        let health = try StageProcess.run("/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(port)/v1/health"])
        XCTAssertEqual(String(decoding: health.stdout, as: UTF8.self), "200")
        XCTAssertEqual(try StageProcess.run(x07lpd, ["stop", "--state-dir", state, "--json"]).status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: (socket as NSString).deletingLastPathComponent), "stop removes it")
    }
}
