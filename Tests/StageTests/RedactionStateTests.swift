import LPCore
import LPIncident
import Foundation
import XCTest

/// Issue 13 end to end: each leak it listed, captured by `lp-incident` and turned into fixtures by
/// `lp-regress`, leaves its secret in no state file, generated file, stdout or stderr; a refused
/// capture does not echo the token it was given; the state directory is 0700 and its files 0600.
final class RedactionStateTests: XCTestCase {
    static let leaks: [String: String] = [
        "path beside a separate query": "LEAK-PATH-1",
        "';' query parameter": "LEAK-SEMI-2",
        "fragment": "LEAK-FRAG-3",
        "pwd query name": "LEAK-PWD-4",
        "X-Functions-Key": "LEAK-FUNC-5",
        "Ocp-Apim-Subscription-Key": "LEAK-APIM-6",
        "trace exchange path": "LEAK-TRACE-7",
        "JSON body": "LEAK-JSON-8",
        "form body": "LEAK-FORM-9",
        "Location header": "LEAK-LOC-10",
        "trace UI state": "LEAK-UI-11",
    ]

    static let request: JSON = [
        "schema_version": "x07.http.request.envelope@0.1.0", "id": "req-1", "method": "POST",
        "path": "/api/hello?access_token=LEAK-PATH-1;sig=LEAK-SEMI-2#access_token=LEAK-FRAG-3",
        "query": "a=1&pwd=LEAK-PWD-4",
        "headers": [["k": "X-Functions-Key", "v": "LEAK-FUNC-5"], ["k": "Ocp-Apim-Subscription-Key", "v": "LEAK-APIM-6"],
                    ["k": "Content-Type", "v": "application/json"], ["k": "X-LP-Route-Key", "v": "user-7"]],
        "body": ["bytes_len": 43, "text": "{\"user\":\"ana\",\"password\":\"LEAK-JSON-8\"}   "],
    ]
    static let response: JSON = [
        "schema_version": "x07.http.response.envelope@0.1.0", "request_id": "req-1", "status": 502,
        "headers": [["k": "Location", "v": "/login#id_token=LEAK-LOC-10"],
                    ["k": "Content-Type", "v": "application/x-www-form-urlencoded"]],
        "body": ["bytes_len": 31, "text": "error=x&client_secret=LEAK-FORM-9"],
    ]
    static var trace: JSON {
        var step = IncidentTests.trace["steps"]?.arrayValue?.first ?? [:]
        let dispatch = (step["ui_dispatch"] ?? [:]).setting("state", ["session": ["token": "LEAK-UI-11"]])
        step = step.setting("ui_dispatch", dispatch)
        var exchange = step["http"]?.arrayValue?.first ?? [:]
        exchange = exchange.setting("request", (exchange["request"] ?? [:]).setting("path", "/api/greet?api_key=LEAK-TRACE-7"))
        step = step.setting("http", [exchange])
        return IncidentTests.trace.setting("steps", [step])
    }

    func write(_ json: JSON, _ path: String) throws {
        try Data(json.encoded(.pretty)).write(to: URL(fileURLWithPath: path))
    }

    func testEveryLeakOfTheIssueStaysOutOfTheStateAndTheOutputs() throws {
        let setup = try IncidentTests.promoted()
        try write(Self.request, setup.work + "/leaky.request.json")
        try write(Self.response, setup.work + "/leaky.response.json")
        try write(Self.trace, setup.work + "/leaky.trace.json")
        let capture = try StageProcess.x07lp([
            "incident", "capture", "--deployment-id", setup.deployment, "--request", setup.work + "/leaky.request.json",
            "--response", setup.work + "/leaky.response.json", "--trace", setup.work + "/leaky.trace.json",
            "--state-dir", setup.state, "--now-unix-ms", IncidentTests.time, "--json"])
        XCTAssertEqual(capture.status, 0, capture.stderr)
        let id = try IncidentTests.incidentId(capture)
        let out = StageProcess.temporaryDirectory()
        let regress = try StageProcess.x07lp(["regress", "from-incident", "--incident-id", id, "--name", "leaky",
                                              "--out-dir", out, "--state-dir", setup.state, "--json"])
        XCTAssertEqual(regress.status, 0, regress.stderr)
        let get = try StageProcess.x07lp(["incident", "get", "--incident-id", id, "--state-dir", setup.state, "--json"])
        XCTAssertEqual(get.status, 0, get.stderr)

        // The regression outputs exist and were searched: replay trace, HTTP test, request.
        for name in ["replay.trace.json", "http.test.sh", "regression.request.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/leaky/" + name), name)
        }
        var haystacks = StateFiles.all(setup.state).map { ("state/" + $0.key, $0.value) }
            + StateFiles.all(out).map { ("out/" + $0.key, $0.value) }
        for (what, result) in [("capture", capture), ("regress", regress), ("get", get)] {
            haystacks += [(what + " stdout", result.stdout), (what + " stderr", Array(result.stderr.utf8))]
        }
        for (name, bytes) in haystacks {
            let text = String(decoding: bytes, as: UTF8.self)
            for (leak, secret) in Self.leaks { XCTAssertFalse(text.contains(secret), "\(leak): \(secret) found in \(name)") }
        }
        // The replayed request keeps its shape: placeholders where the secrets were.
        let script = String(decoding: StateFiles.all(out)["leaky/http.test.sh"] ?? [], as: UTF8.self)
        XCTAssertTrue(script.contains("/api/hello?access_token=<redacted>;sig=<redacted>#access_token=<redacted>?a=1&pwd=<redacted>"),
                      script)
        XCTAssertTrue(script.contains("X07LP_HEADER_X_FUNCTIONS_KEY"), script)

        // The report names every place and name, never a value; the route key stayed.
        let bundle = try JSONParser.parse(capture.stdout)["result"]
        let sha = bundle?["refs"]?.arrayValue?.first { $0["role"] == "redaction" }?["digest"]?["sha256"]?.stringValue ?? ""
        let reportPath = "\(setup.state)/store/blobs/sha256/\(sha.prefix(2))/\(sha)"
        let report = try JSONParser.parse([UInt8](Data(contentsOf: URL(fileURLWithPath: reportPath))))
        let removed = Set((report["removed"]?.arrayValue ?? []).map {
            ($0["location"]?.stringValue ?? "") + " " + ($0["name"]?.stringValue ?? "")
        })
        XCTAssertEqual(removed, [
            "request.path access_token", "request.path sig", "request.query pwd", "request.header x-functions-key",
            "request.header ocp-apim-subscription-key", "request.body password", "response.header id_token",
            "response.body client_secret", "trace.steps[0].http[0].request.path api_key",
            "trace.steps[0].http[0].request.header authorization", "trace.steps[0].ui_dispatch session",
        ])
        let check = try StageProcess.x07lp(["schema", "validate", "--schema", "x07lp.redaction.report@0.1.0", "--in", reportPath])
        XCTAssertEqual(check.status, 0, check.stderr)
        let meta = try JSONParser.parse([UInt8](Data(contentsOf: URL(fileURLWithPath:
            "\(setup.state)/incidents/example.hello.web/staging/\(id)/incident.meta.local.json"))))
        XCTAssertEqual(meta["route_key"], "user-7")
        // The redacted records still satisfy their contracts.
        let verify = try StageProcess.x07lp(["state", "verify", "--state-dir", setup.state])
        XCTAssertFalse(verify.stderr.contains("incidents/") || verify.stderr.contains("store/"), verify.stderr)
    }

    func testARefusedCaptureDoesNotEchoTheTokenItWasGiven() throws {
        let setup = try IncidentTests.promoted()
        try write(IncidentTests.response, setup.work + "/ok.response.json")
        let cases: [(String, JSON)] = [
            ("path without its slash", Self.request.setting("path", "api/hello?access_token=ECHO-SECRET-1")),
            ("path with a space", Self.request.setting("path", "/api/hello?access_token=ECHO SECRET-1")),
            ("method", Self.request.setting("method", "ECHO-SECRET-1")),
            ("schema_version", Self.request.setting("schema_version", "ECHO-SECRET-1")),
            ("unknown member", Self.request.setting("token", "ECHO-SECRET-1").setting("body", 7)),
        ]
        for (what, request) in cases {
            try write(request, setup.work + "/bad.json")
            let result = try StageProcess.x07lp(["incident", "capture", "--deployment-id", setup.deployment,
                                                 "--request", setup.work + "/bad.json", "--response", setup.work + "/ok.response.json",
                                                 "--state-dir", setup.state, "--json"])
            XCTAssertEqual(result.status, 3, "\(what): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("LP_SCHEMA_"), "\(what): \(result.stderr)")
            XCTAssertFalse(result.stderr.contains("ECHO"), "\(what): \(result.stderr)")
            XCTAssertFalse(result.stdoutText.contains("ECHO"), "\(what): \(result.stdoutText)")
        }
        // The same through stdin (a {request, response} pair).
        let pair: JSON = ["request": Self.request.setting("path", "api?token=ECHO-SECRET-2"), "response": IncidentTests.response]
        let piped = try StageProcess.run(StageProcess.binary("lp-incident"),
                                         ["capture", "--deployment-id", setup.deployment, "--in", "-", "--state-dir", setup.state],
                                         stdin: pair.canonicalBytes)
        XCTAssertEqual(piped.status, 3, piped.stderr)
        XCTAssertFalse(piped.stderr.contains("ECHO") || piped.stdoutText.contains("ECHO"), piped.stderr)
    }

    /// The state directory is 0700 and every record and blob 0600, whatever the umask lets
    /// through (docs/state.md#file-modes).
    func testTheStateDirectoryIsPrivate() throws {
        let parent = StageProcess.temporaryDirectory()
        chmod(parent, 0o755)
        let state = parent + "/fresh/state"
        let hello = ExamplePacks.hello
        let deploy = try StageProcess.x07lp([
            "deploy", "--pack", hello + "/pack.tar.zst", "--change", hello + "/change_request.ops.json",
            "--ops", hello + "/ops.canary.json", "--slo", hello + "/slo.json", "--policy", hello + "/policy.baseline.json",
            "--provenance", hello + "/provenance.dsse.json", "--trusted-key", hello + "/keys/test-signing.pub.pem",
            "--metrics-dir", StageProcess.repoRoot + "/examples/hello/metrics", "--pause-scale", "0",
            "--state-dir", state, "--now-unix-ms", IncidentTests.time, "--quiet",
        ])
        XCTAssertEqual(deploy.status, 0, deploy.stderr)
        let deployment = try JSONParser.parse(deploy.stdout)["exec_id"]?.stringValue ?? ""
        let work = StageProcess.temporaryDirectory()
        try write(IncidentTests.request, work + "/request.json")
        try write(IncidentTests.response, work + "/response.json")
        try write(IncidentTests.trace, work + "/trace.json")
        let capture = try StageProcess.x07lp([
            "incident", "capture", "--deployment-id", deployment, "--request", work + "/request.json",
            "--response", work + "/response.json", "--trace", work + "/trace.json", "--state-dir", state, "--json"])
        XCTAssertEqual(capture.status, 0, capture.stderr)
        let regress = try StageProcess.x07lp(["regress", "from-incident", "--incident-id", try IncidentTests.incidentId(capture),
                                              "--name", "r", "--out-dir", work + "/out", "--state-dir", state])
        XCTAssertEqual(regress.status, 0, regress.stderr)
        let pause = try StageProcess.x07lp(["app", "kill", "--app-id", "example.hello.web", "--env", "staging",
                                            "--reason", "mode test", "--state-dir", state])
        XCTAssertEqual(pause.status, 0, pause.stderr)

        func mode(_ path: String) -> mode_t {
            var info = stat()
            XCTAssertEqual(lstat(path, &info), 0, path)
            return info.st_mode & 0o7777
        }
        XCTAssertEqual(mode(state), 0o700, "the state directory")
        XCTAssertEqual(mode(parent + "/fresh"), 0o700, "a parent created for it")
        var files = 0
        let enumerator = FileManager.default.enumerator(atPath: state)
        while let relative = enumerator?.nextObject() as? String {
            // The query index is SQLite's (docs/index.md: a cache, safe to delete), public keys are public.
            if relative == "index" || relative.hasPrefix("index/") || relative.hasSuffix(".pub.pem") { continue }
            let path = state + "/" + relative
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }
            switch info.st_mode & S_IFMT {
            case S_IFDIR: XCTAssertEqual(info.st_mode & 0o7777, 0o700, relative)
            case S_IFREG:
                files += 1
                XCTAssertEqual(info.st_mode & 0o7777, 0o600, relative)
            default: break
            }
        }
        XCTAssertGreaterThan(files, 20)
        for relative in ["store", "store/blobs/sha256", "incidents", "decisions", "deploy", "control/kill"] {
            XCTAssertEqual(mode(state + "/" + relative), 0o700, relative)
        }
    }
}
