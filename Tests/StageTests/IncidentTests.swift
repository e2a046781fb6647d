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

/// Incidents and regressions on the project's own example pack: credential redaction (nothing
/// secret anywhere in the state or the outputs), the status lifecycle and its decisions,
/// deterministic regression files, the generated HTTP test against a local server, and the
/// refusals (no trace, bad envelopes) that must leave the state untouched.
final class IncidentTests: XCTestCase {
    static let time = "1767225600000"
    static let secrets = ["SECRET-AUTH-VALUE-1", "SECRET-COOKIE-VALUE-1", "SECRET-APIKEY-VALUE-1", "SECRET-QUERY-TOKEN-1",
                          "SECRET-SETCOOKIE-1", "SECRET-TRACE-AUTH-1", "SECRET-PROXY-1"]

    /// A failing POST carrying credentials in four headers (mixed case), a query parameter and
    /// the response's Set-Cookie; the loose envelope form (object headers, raw JSON body, no id).
    static let request: JSON = [
        "schema_version": "x07.http.request.envelope@0.1.0", "method": "post",
        "path": "/api/greet?name=ana&access_token=SECRET-QUERY-TOKEN-1",
        "headers": ["Authorization": "Bearer SECRET-AUTH-VALUE-1", "cookie": "session=SECRET-COOKIE-VALUE-1",
                    "X-API-KEY": "SECRET-APIKEY-VALUE-1", "Proxy-Authorization": "Basic SECRET-PROXY-1",
                    "accept": "application/json", "x-lp-route-key": "user-7"],
        "body": ["name": "ana"],
    ]
    static let response: JSON = [
        "schema_version": "x07.http.response.envelope@0.1.0", "status": 502,
        "headers": [["k": "Set-Cookie", "v": "sid=SECRET-SETCOOKIE-1"], ["k": "content-type", "v": "application/json"]],
        "body": ["error": "upstream down"],
    ]
    static let trace: JSON = [
        "schema_version": "x07.app.trace@0.1.0",
        "meta": ["tool": ["name": "x07-web-ui", "version": "0.1.0"], "app": ["name": "example.hello.web", "version": "0.1.0"]],
        "steps": [[
            "i": 0,
            "ui_dispatch": ["kind": "x07.web_ui.dispatch", "v": 1, "event": ["type": "init"], "state": .null],
            "ui_frame": ["kind": "x07.web_ui.frame", "v": 1, "state": .null, "patches": [], "effects": [], "telemetry": [:],
                         "ui": ["kind": "x07.web_ui.tree", "v": 1,
                                "root": ["k": "el", "key": "root", "tag": "div", "on": [], "children": [],
                                         "props": ["attrs": [:], "class": [], "style": [:]]]]],
            "http": [[
                "request": ["schema_version": "x07.http.request.envelope@0.1.0", "id": "req-1", "method": "POST",
                            "path": "/api/greet", "headers": [["k": "authorization", "v": "Bearer SECRET-TRACE-AUTH-1"]],
                            "body": ["bytes_len": 14, "text": "{\"name\":\"ana\"}"]],
                "response": ["schema_version": "x07.http.response.envelope@0.1.0", "request_id": "req-1", "status": 502,
                             "headers": [], "body": ["bytes_len": 0]],
            ]],
            "timing": ["ui_ms": 0, "http_ms": 3, "total_ms": 3],
        ]],
    ]

    struct Setup {
        var state: String
        var work: String
        var deployment: String
    }

    /// The example pack accepted, planned and promoted in one go, and the envelopes on disk.
    static func promoted() throws -> Setup {
        let hello = ExamplePacks.hello
        let setup = Setup(state: StageProcess.temporaryDirectory(), work: StageProcess.temporaryDirectory(), deployment: "")
        let deploy = try StageProcess.x07lp([
            "deploy", "--pack", hello + "/pack.tar.zst", "--change", hello + "/change_request.ops.json",
            "--ops", hello + "/ops.canary.json", "--slo", hello + "/slo.json", "--policy", hello + "/policy.baseline.json",
            "--provenance", hello + "/provenance.dsse.json", "--trusted-key", hello + "/keys/test-signing.pub.pem",
            "--metrics-dir", StageProcess.repoRoot + "/examples/hello/metrics", "--pause-scale", "0",
            "--state-dir", setup.state, "--now-unix-ms", time, "--quiet",
        ])
        XCTAssertEqual(deploy.status, 0, deploy.stderr)
        var copy = setup
        copy.deployment = try JSONParser.parse(deploy.stdout)["exec_id"]?.stringValue ?? ""
        for (name, json) in [("request.json", request), ("response.json", response), ("trace.json", trace)] {
            try Data(json.encoded(.pretty)).write(to: URL(fileURLWithPath: copy.work + "/" + name))
        }
        return copy
    }

    static func capture(_ setup: Setup, extra: [String] = ["--trace"]) throws -> StageResult {
        var args = ["incident", "capture", "--deployment-id", setup.deployment, "--request", setup.work + "/request.json",
                    "--response", setup.work + "/response.json", "--reason", "greet returns 502",
                    "--state-dir", setup.state, "--now-unix-ms", time, "--json"]
        if extra.contains("--trace") { args += ["--trace", setup.work + "/trace.json"] }
        return try StageProcess.x07lp(args)
    }

    static func incidentId(_ result: StageResult) throws -> String {
        try JSONParser.parse(result.stdout)["result"]?["incident_id"]?.stringValue ?? ""
    }


    func testCredentialsLeaveNoTraceInTheStateOrTheOutputs() throws {
        let setup = try Self.promoted()
        let capture = try Self.capture(setup)
        XCTAssertEqual(capture.status, 0, capture.stderr)
        let id = try Self.incidentId(capture)
        let out = StageProcess.temporaryDirectory()
        let regress = try StageProcess.x07lp(["regress", "from-incident", "--incident-id", id, "--name", "greet_502",
                                              "--out-dir", out, "--state-dir", setup.state, "--now-unix-ms", Self.time, "--json"])
        XCTAssertEqual(regress.status, 0, regress.stderr)
        let get = try StageProcess.x07lp(["incident", "get", "--incident-id", id, "--state-dir", setup.state, "--json"])
        let list = try StageProcess.x07lp(["incident", "list", "--deployment-id", setup.deployment, "--state-dir", setup.state])
        var haystacks: [(String, [UInt8])] = [("capture stdout", capture.stdout), ("regress stdout", regress.stdout),
                                              ("get stdout", get.stdout), ("list stdout", list.stdout),
                                              ("stderr", Array((capture.stderr + regress.stderr + get.stderr).utf8))]
        haystacks += StateFiles.all(setup.state).map { ("state/" + $0.key, $0.value) }
        haystacks += StateFiles.all(out).map { ("out/" + $0.key, $0.value) }
        XCTAssertGreaterThan(haystacks.count, 30)
        for (name, bytes) in haystacks {
            let text = String(decoding: bytes, as: UTF8.self)
            for secret in Self.secrets { XCTAssertFalse(text.contains(secret), "\(secret) found in \(name)") }
        }

        // The bundle says what was taken out: a diag code and a redaction report listing names only.
        let bundle = try JSONParser.parse(capture.stdout)["result"]
        XCTAssertEqual(bundle?["diag_codes"]?.arrayValue?.contains("LP_INCIDENT_REDACTED"), true)
        let refs = bundle?["refs"]?.arrayValue ?? []
        let redaction = refs.first { $0["role"] == "redaction" }
        let sha = redaction?["digest"]?["sha256"]?.stringValue ?? ""
        let report = try JSONParser.parse([UInt8](Data(contentsOf: URL(fileURLWithPath:
            "\(setup.state)/store/blobs/sha256/\(sha.prefix(2))/\(sha)"))))
        let removed = Set((report["removed"]?.arrayValue ?? []).map {
            ($0["location"]?.stringValue ?? "") + " " + ($0["name"]?.stringValue ?? "")
        })
        XCTAssertEqual(removed, ["request.header authorization", "request.header cookie", "request.header x-api-key",
                                 "request.header proxy-authorization", "request.query access_token",
                                 "response.header set-cookie", "trace.steps[0].http[0].request.header authorization"])
        let check = try StageProcess.x07lp(["schema", "validate", "--schema", "x07lp.redaction.report@0.1.0", "--in",
                                            "\(setup.state)/store/blobs/sha256/\(sha.prefix(2))/\(sha)"])
        XCTAssertEqual(check.status, 0, check.stderr)
    }

    func testLifecycleOpenGeneratedResolvedIsRecordedAsDecisions() throws {
        let setup = try Self.promoted()
        let id = try Self.incidentId(try Self.capture(setup))
        func view() throws -> JSON {
            let get = try StageProcess.x07lp(["incident", "get", "--incident-id", id, "--state-dir", setup.state, "--json"])
            XCTAssertEqual(get.status, 0, get.stderr)
            return try JSONParser.parse(get.stdout)["result"] ?? .null
        }
        XCTAssertEqual(try view()["incident_status"], "open")
        let out = StageProcess.temporaryDirectory()
        XCTAssertEqual(try StageProcess.x07lp(["regress", "from-incident", "--incident-id", id, "--name", "greet", "--out-dir", out,
                                               "--state-dir", setup.state, "--now-unix-ms", Self.time]).status, 0)
        XCTAssertEqual(try view()["incident_status"], "open")
        XCTAssertEqual(try view()["regression_status"], "generated")
        let resolve = try StageProcess.x07lp(["incident", "resolve", "--incident-id", id, "--reason", "fixed in 1.0.1",
                                              "--state-dir", setup.state, "--now-unix-ms", Self.time, "--json"])
        XCTAssertEqual(resolve.status, 0, resolve.stderr)
        let resolved = try JSONParser.parse(resolve.stdout)
        XCTAssertEqual(resolved["command"], "incident resolve")
        XCTAssertEqual(resolved["result"]?["incident_status"], "resolved")
        XCTAssertEqual(resolved["result"]?["regression_status"], "generated")

        let again = try StageProcess.x07lp(["incident", "resolve", "--incident-id", id, "--state-dir", setup.state])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stderr.contains("LP_INCIDENT_ALREADY_RESOLVED"), again.stderr)

        // One decision per transition, linked from the full view.
        let decisions = (try view()["refs"]?.arrayValue ?? []).filter { $0["role"] == "incident_decision" }
        XCTAssertEqual(decisions.count, 3)
        var kinds: [String] = []
        for decision in decisions {
            let uri = decision["store_uri"]?.stringValue ?? ""
            let record = try JSONParser.parse([UInt8](Data(contentsOf: URL(fileURLWithPath:
                setup.state + "/" + uri.dropFirst("file:".count)))))
            kinds.append(record["kind"]?.stringValue ?? "")
            XCTAssertEqual(record["meta"]?["incident_id"]?.stringValue, id)
        }
        XCTAssertEqual(kinds, ["incident.capture", "incident.regression", "incident.resolve"])

        // The deployment's counters and the app list follow.
        let execution = try JSONParser.parse([UInt8](Data(contentsOf: URL(fileURLWithPath:
            "\(setup.state)/deploy/\(setup.deployment).json"))))
        XCTAssertEqual(execution["meta"]?["incident_count_total"]?.intValue, 1)
        XCTAssertEqual(execution["meta"]?["incident_count_open"]?.intValue, 0)
        XCTAssertEqual(execution["meta"]?["last_incident_id"]?.stringValue, id)
        let apps = try JSONParser.parse(try StageProcess.x07lp(["app", "list", "--state-dir", setup.state]).stdout)
        XCTAssertEqual(apps["items"]?.arrayValue?.first?["incident_count_total"]?.intValue, 1)
        XCTAssertEqual(apps["items"]?.arrayValue?.first?["incident_count_open"]?.intValue, 0)
        let verify = try StageProcess.x07lp(["state", "verify", "--state-dir", setup.state])
        XCTAssertEqual(verify.status, 0, verify.stdoutText + verify.stderr)
    }

    func testRegressionFilesAreDeterministicAndDryRunWritesNothing() throws {
        var outputs: [[String: [UInt8]]] = []
        var states: [[String: [UInt8]]] = []
        for _ in 0..<2 {
            let setup = try Self.promoted()
            let id = try Self.incidentId(try Self.capture(setup))
            let cwd = StageProcess.temporaryDirectory()
            let before = StateFiles.all(setup.state)
            let dry = try StageProcess.run(StageProcess.x07lp, ["regress", "from-incident", "--incident-id", id, "--name", "greet",
                                                                "--out-dir", "regress", "--dry-run", "--state-dir", setup.state,
                                                                "--now-unix-ms", Self.time], cwd: cwd)
            XCTAssertEqual(dry.status, 0, dry.stderr)
            XCTAssertEqual(try JSONParser.parse(dry.stdout)["dry_run"], true)
            XCTAssertFalse(FileManager.default.fileExists(atPath: cwd + "/regress"), "--dry-run wrote the out dir")
            XCTAssertEqual(StateFiles.all(setup.state).filter { !$0.key.hasPrefix("index/") },
                           before.filter { !$0.key.hasPrefix("index/") }, "--dry-run changed the state")
            let real = try StageProcess.run(StageProcess.x07lp, ["regress", "from-incident", "--incident-id", id, "--name", "greet",
                                                                 "--out-dir", "regress", "--state-dir", setup.state,
                                                                 "--now-unix-ms", Self.time], cwd: cwd)
            XCTAssertEqual(real.status, 0, real.stderr)
            // Dry run and real run announce the same files.
            XCTAssertEqual(try JSONParser.parse(dry.stdout)["generated"], try JSONParser.parse(real.stdout)["generated"])
            outputs.append(StateFiles.all(cwd + "/regress"))
            states.append(StateFiles.all(setup.state).filter { !$0.key.hasPrefix("index/") && !$0.key.hasPrefix("keys/") })
        }
        XCTAssertEqual(Set(outputs[0].keys), ["greet/regression.request.json", "greet/replay.trace.json", "greet/http.test.sh"])
        XCTAssertEqual(outputs[0], outputs[1], "same incident + pinned time must give identical regression files")
        XCTAssertEqual(states[0].keys.sorted(), states[1].keys.sorted())
        for key in states[0].keys where states[0][key] != states[1][key] { XCTFail("state file \(key) differs between runs") }
    }

    func testGeneratedHTTPTestFailsOn500AndPassesOn200() throws {
        let setup = try Self.promoted()
        let id = try Self.incidentId(try Self.capture(setup))
        let out = StageProcess.temporaryDirectory()
        XCTAssertEqual(try StageProcess.x07lp(["regress", "from-incident", "--incident-id", id, "--name", "greet",
                                               "--out-dir", out, "--state-dir", setup.state, "--now-unix-ms", Self.time]).status, 0)
        let script = out + "/greet/http.test.sh"
        for (status, expected) in [(500, Int32(1)), (503, 1), (200, 0), (404, 0)] {
            let server = try LocalHTTPServer(status: status)
            defer { server.stop() }
            let run = try StageProcess.run("/bin/sh", [script, server.baseURL])
            XCTAssertEqual(run.status, expected, "server answering \(status): \(run.stdoutText) \(run.stderr)")
            let seen = server.requests()
            XCTAssertEqual(seen.count, 1)
            XCTAssertEqual(seen.first?["method"], "POST")
            XCTAssertEqual(seen.first?["path"], "/api/greet?name=ana&access_token=<redacted>")
            XCTAssertEqual(seen.first?["body"], "{\"name\":\"ana\"}")
            XCTAssertEqual(seen.first?["headers"]?["x-lp-route-key"], "user-7")
            XCTAssertNil(seen.first?["headers"]?["authorization"], "a redacted header is not replayed by default")
        }
        // A redacted header is sent when the operator supplies it.
        let server = try LocalHTTPServer(status: 200)
        defer { server.stop() }
        let run = try StageProcess.run("/bin/sh", [script, server.baseURL], environment: ["X07LP_HEADER_AUTHORIZATION": "Bearer t"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(server.requests().first?["headers"]?["authorization"], "Bearer t")
        // Nothing listening: exit 2, not a pass.
        XCTAssertEqual(try StageProcess.run("/bin/sh", [script, "http://127.0.0.1:9"]).status, 2)
    }

    func testRefusalsLeaveTheStateUntouched() throws {
        let setup = try Self.promoted()
        func unchanged(_ body: () throws -> Void, file: StaticString = #filePath, line: UInt = #line) rethrows {
            let before = StateFiles.all(setup.state).filter { !$0.key.hasPrefix("index/") }
            try body()
            XCTAssertEqual(StateFiles.all(setup.state).filter { !$0.key.hasPrefix("index/") }, before, file: file, line: line)
        }
        // No trace: the incident is captured, but a regression is refused and writes nothing.
        let capture = try Self.capture(setup, extra: [])
        XCTAssertEqual(capture.status, 0, capture.stderr)
        let id = try Self.incidentId(capture)
        let out = StageProcess.temporaryDirectory() + "/never"
        try unchanged {
            let regress = try StageProcess.x07lp(["regress", "from-incident", "--incident-id", id, "--name", "x", "--out-dir", out,
                                                  "--state-dir", setup.state, "--now-unix-ms", Self.time])
            XCTAssertEqual(regress.status, 3)
            XCTAssertTrue(regress.stderr.contains("LP_INCIDENT_TRACE_MISSING"), regress.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        }
        // Hostile or wrong envelopes and flags.
        let cases: [(JSON, Int32, String)] = [
            (Self.request.setting("schema_version", "x07.http.response.envelope@0.1.0"), 3, "LP_SCHEMA_VERSION_MISMATCH"),
            (Self.request.setting("method", "G E T"), 3, "LP_SCHEMA_VIOLATION"),
            (Self.request.setting("headers", ["x-n": 7]), 3, "LP_SCHEMA_VIOLATION"),
            (Self.request.setting("path", "no-slash"), 3, "LP_SCHEMA_VIOLATION"),
            (.array([]), 3, "LP_SCHEMA_VIOLATION"),
        ]
        for (request, status, code) in cases {
            let path = setup.work + "/bad.json"
            try Data(request.canonicalBytes).write(to: URL(fileURLWithPath: path))
            try unchanged {
                let result = try StageProcess.x07lp(["incident", "capture", "--deployment-id", setup.deployment, "--request", path,
                                                     "--response", setup.work + "/response.json", "--state-dir", setup.state])
                XCTAssertEqual(result.status, status, "\(request): \(result.stderr)")
                XCTAssertTrue(result.stderr.contains(code), "\(request): \(result.stderr)")
                XCTAssertTrue(result.stdoutIsOnlyTheFailedReport, result.stdoutText)
            }
        }
        try unchanged {
            let flags: [([String], Int32, String)] = [(["--classification", "bogus"], 2, "LP_USAGE"),
                                                      (["--deployment-id", "lpexec_nope"], 2, "LP_NOT_FOUND"),
                                                      (["--deployment-id", "../etc"], 3, "LP_UNSAFE_NAME")]
            for (args, status, code) in flags {
                var full = ["incident", "capture", "--request", setup.work + "/request.json", "--response",
                            setup.work + "/response.json", "--state-dir", setup.state] + args
                if !args.contains("--deployment-id") { full += ["--deployment-id", setup.deployment] }
                let result = try StageProcess.x07lp(full)
                XCTAssertEqual(result.status, status, "\(args): \(result.stderr)")
                XCTAssertTrue(result.stderr.contains(code), "\(args): \(result.stderr)")
            }
        }
    }

    func testAnInterruptedCaptureIsNotedAndTheSameCaptureFinishesIt() throws {
        let setup = try Self.promoted()
        let first = try Self.capture(setup)
        let id = try Self.incidentId(first)
        let meta = "\(setup.state)/incidents/example.hello.web/staging/\(id)/incident.meta.local.json"
        let complete = try Data(contentsOf: URL(fileURLWithPath: meta))
        // What a kill between the bundle and the meta write left behind before write transactions
        // were journaled; now only a hand edit does. The index still lists the incident: verify
        // says so besides noting the incomplete incident.
        try FileManager.default.removeItem(atPath: meta)
        let verify = try StageProcess.x07lp(["state", "verify", "--state-dir", setup.state])
        XCTAssertEqual(verify.status, 19, verify.stderr)
        XCTAssertTrue(verify.stderr.contains("LP_STATE_INCIDENT_INCOMPLETE"), verify.stderr)
        XCTAssertTrue(verify.stderr.contains("LP_STATE_INDEX_MISMATCH"), verify.stderr)
        let listed = try StageProcess.x07lp(["incident", "list", "--deployment-id", setup.deployment, "--rebuild-index",
                                             "--state-dir", setup.state])
        XCTAssertEqual(try JSONParser.parse(listed.stdout)["items"], [], "an incomplete incident is not listed")
        let again = try Self.capture(setup)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(try Self.incidentId(again), id)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: meta)), complete)
        let clean = try StageProcess.x07lp(["state", "verify", "--state-dir", setup.state])
        XCTAssertEqual(clean.status, 0, "counted once, index current: \(clean.stderr)")
        XCTAssertFalse(clean.stderr.contains("LP_STATE_INCIDENT_INCOMPLETE"), clean.stderr)
    }

    func testCaptureFromStdinPairAndFromARolledBackDeployment() throws {
        let setup = try Self.promoted()
        let pair: JSON = ["request": Self.request, "response": Self.response, "trace": Self.trace]
        let piped = try StageProcess.run(StageProcess.binary("lp-incident"),
                                         ["capture", "--deployment-id", setup.deployment, "--in", "-", "--reason", "greet returns 502",
                                          "--state-dir", setup.state, "--now-unix-ms", Self.time], stdin: pair.canonicalBytes)
        XCTAssertEqual(piped.status, 0, piped.stderr)
        let bundle = try JSONParser.parse(piped.stdout)
        XCTAssertEqual(bundle["schema_version"], "lp.incident.bundle@0.2.0")
        XCTAssertNotEqual(bundle["trace"], .null)
        // Same capture from files at the same pinned time: the same incident, nothing new written.
        let files = try Self.capture(setup)
        XCTAssertEqual(try Self.incidentId(files), bundle["incident_id"]?.stringValue)

        // A rollback piped into lp-incident yields the slo_rollback incident lp-apply captured.
        let state = StageProcess.temporaryDirectory()
        let hello = ExamplePacks.hello
        let accepted = try StageProcess.x07lp([
            "deploy", "accept", "--pack", hello + "/pack.tar.zst", "--change", hello + "/change_request.ops.json",
            "--ops", hello + "/ops.canary.json", "--slo", hello + "/slo.json", "--policy", hello + "/policy.baseline.json",
            "--provenance", hello + "/provenance.dsse.json", "--trusted-key", hello + "/keys/test-signing.pub.pem",
            "--state-dir", state, "--now-unix-ms", Self.time, "--quiet",
        ])
        XCTAssertEqual(accepted.status, 0, accepted.stderr)
        let metrics = StageProcess.temporaryDirectory()
        let bad: JSON = ["schema_version": "x07.metrics.snapshot@0.1.0", "v": 1, "taken_at_utc": "2026-01-01T00:00:00Z",
                         "service": "example.hello.web",
                         "metrics": [["name": "http_error_rate", "value": 0.5], ["name": "http_latency_p95_ms", "value": 120],
                                     ["name": "http_availability", "value": 0.5]]]
        try Data(bad.canonicalBytes).write(to: URL(fileURLWithPath: metrics + "/analysis.1.json"))
        let pipeline = "'\(StageProcess.binary("lp-plan"))' --state-dir '\(state)' --now-unix-ms \(Self.time) "
            + "| '\(StageProcess.binary("lp-apply"))' --state-dir '\(state)' --metrics-dir '\(metrics)' --pause-scale 0 "
            + "--now-unix-ms \(Self.time) | '\(StageProcess.binary("lp-incident"))' capture --state-dir '\(state)'"
        let rolled = try StageProcess.run("/bin/sh", ["-c", pipeline], stdin: accepted.stdout)
        XCTAssertEqual(rolled.status, 0, rolled.stderr)
        let rollbackBundle = try JSONParser.parse(rolled.stdout)
        XCTAssertEqual(rollbackBundle["diag_codes"], ["LP_SLO_DECISION_ROLLBACK"])
        let incidents = try StageProcess.x07lp(["incident", "list", "--app-id", "example.hello.web", "--env", "staging",
                                                "--state-dir", state])
        let items = try JSONParser.parse(incidents.stdout)["items"]?.arrayValue ?? []
        XCTAssertEqual(items.count, 1, "piping the rollback must not capture a second incident")
        XCTAssertEqual(items.first?["classification"], "slo_rollback")
        XCTAssertEqual(items.first?["incident_id"], rollbackBundle["incident_id"])
    }
}
