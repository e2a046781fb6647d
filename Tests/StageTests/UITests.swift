import LPCore
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// `x07lp ui serve` on a state with a promoted deployment and an incident with its regression:
/// the API answers the commands' reports, controls are refused without a token, from another
/// origin or without the custom header, the static root cannot be left, and headless Chromium
/// renders the pages without a console error.
final class UITests: XCTestCase {
    struct Served {
        let process: Process
        let port: Int
        let setup: IncidentTests.Setup
        let incident: String
        /// Accepted, not run: the one the browser pauses.
        let accepted: String
        /// A mock iOS device release at its first rollout step (nil without ../shared).
        let release: String?
        var base: String { "http://127.0.0.1:\(port)" }

        func curl(_ path: String, _ extra: [String] = []) throws -> (Int, JSON?, String) {
            let result = try StageProcess.run("/usr/bin/curl", ["-s", "-o", "-", "-w", "\n%{http_code}", "--path-as-is"] + extra + [base + path])
            let text = String(decoding: result.stdout, as: UTF8.self)
            let newline = text.lastIndex(of: "\n") ?? text.endIndex
            let body = String(text[..<newline])
            return (Int(text[text.index(after: newline)...]) ?? 0, try? JSONParser.parse(Array(body.utf8)), body)
        }
    }

    static func serve(localControl: Bool = false) throws -> Served {
        guard access("/usr/sbin/nginx", X_OK) == 0, access("/usr/sbin/fcgiwrap", X_OK) == 0 else { throw XCTSkip("no nginx/fcgiwrap") }
        let setup = try IncidentTests.promoted()
        let incident = try IncidentTests.incidentId(try IncidentTests.capture(setup))
        XCTAssertEqual(try StageProcess.x07lp(["regress", "from-incident", "--incident-id", incident, "--name", "greet", "--out-dir",
                                               StageProcess.temporaryDirectory(), "--state-dir", setup.state]).status, 0)
        let hello = ExamplePacks.hello
        let accept = try StageProcess.x07lp([
            "deploy", "accept", "--pack", hello + "/pack.tar.zst", "--change", hello + "/change_request.ops.json",
            "--ops", hello + "/ops.canary.json", "--slo", hello + "/slo.json", "--policy", hello + "/policy.baseline.json",
            "--provenance", hello + "/provenance.dsse.json", "--trusted-key", hello + "/keys/test-signing.pub.pem",
            "--state-dir", setup.state, "--json"])
        let accepted = try JSONParser.parse(accept.stdout)["result"]?["exec_id"]?.stringValue ?? ""
        XCTAssertFalse(accepted.isEmpty, accept.stderr)
        var release: String?
        if let device = try? DeviceReleaseBench(state: setup.state) {
            _ = try device.create("mock_production_ios", plan: "plan.json")
            release = try device.run("plan.json")["result"]?["exec_id"]?.stringValue
            XCTAssertNotNil(release)
        }
        let port = try DaemonHarness.freePort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: StageProcess.repoRoot + "/scripts/x07lp")
        process.arguments = ["ui", "serve", "--state-dir", setup.state, "--addr", "127.0.0.1:\(port)"] + (localControl ? ["--allow-local-control"] : [])
        process.environment = ProcessInfo.processInfo.environment.merging(["X07LP_BIN_DIR": StageProcess.binDir]) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let served = Served(process: process, port: port, setup: setup, incident: incident, accepted: accepted, release: release)
        for _ in 0..<100 where (try? served.curl("/healthz").0) != 200 { usleep(100_000) }
        return served
    }

    func stop(_ served: Served) {
        kill(served.process.processIdentifier, SIGTERM)
        served.process.waitUntilExit()
    }

    func testAPIAnswersTheCommandsReportsAndRefusesHostileRequests() throws {
        let served = try Self.serve()
        defer { stop(served) }
        let (status, apps, _) = try served.curl("/api/apps")
        XCTAssertEqual(status, 200)
        let cli = try JSONParser.parse(try StageProcess.x07lp(["app", "list", "--state-dir", served.setup.state, "--json"]).stdout)
        XCTAssertEqual(apps?["command"], "app list")
        XCTAssertEqual(apps?["result"]?["items"], cli["result"]?["items"])
        let (_, incident, _) = try served.curl("/api/incidents/" + served.incident)
        XCTAssertEqual(incident?["result"]?["regression_status"], "generated")
        XCTAssertEqual(try served.curl("/api/deployments/" + served.setup.deployment).1?["result"]?["view"], "full")
        let (missing, notFound, _) = try served.curl("/api/nothing")
        XCTAssertEqual(missing, 404)
        XCTAssertEqual(notFound?["diagnostics"]?.arrayValue?.first?["code"], "LP_HTTP_NOT_FOUND")
        XCTAssertEqual(try served.curl("/api/incidents/x%2Fy").0, 400)

        let pause = "/api/deployments/\(served.setup.deployment)/pause"
        let json = ["-X", "POST", "-H", "Content-Type: application/json", "--data-binary", "{}"]
        let (noToken, refused, _) = try served.curl(pause, json + ["-H", "X-X07LP-UI: 1"])
        XCTAssertEqual(noToken, 401)
        XCTAssertEqual(refused?["diagnostics"]?.arrayValue?.first?["code"], "LP_REMOTE_AUTH_FAILED")
        XCTAssertEqual(try served.curl(pause, json + ["-H", "X-X07LP-UI: 1", "-H", "Origin: http://evil.example"]).0, 403)
        XCTAssertEqual(try served.curl(pause, json + ["-H", "Origin: " + served.base]).0, 403, "a browser's POST without the custom header")
        XCTAssertEqual(try served.curl("/api/apps", ["-H", "Host: rebound.example:\(served.port)"]).0, 403, "a DNS-rebound page")
        for path in ["/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2fetc%2fpasswd", "/app.js/../../../etc/passwd"] {
            let (code, _, body) = try served.curl(path)
            XCTAssertFalse(body.contains("root:"), path)
            XCTAssertTrue([400, 404].contains(code) || body.contains("<!doctype html>"), "\(path): \(code)")
        }
        let token = try StageProcess.run(StageProcess.binary("x07lpd"), ["token", "add", "--state-dir", served.setup.state, "--name", "ui",
                                                                          "--scope", "deploy", "--json"])
        let secret = try JSONParser.parse(token.stdout)["result"]?["token"]?.stringValue ?? ""
        let (allowed, report, _) = try served.curl(pause, json + ["-H", "X-X07LP-UI: 1", "-H", "Authorization: Bearer " + secret])
        XCTAssertEqual(allowed, 200)
        XCTAssertEqual(report?["command"], "deploy pause")
    }

    func testChromiumRendersThePagesWithoutConsoleErrors() throws {
        let browsers: [String] = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        guard let chromium = browsers.first(where: { access($0, X_OK) == 0 }) else {
            throw XCTSkip("chromium is not installed (scripts/bootstrap installs it)")
        }
        let served = try Self.serve(localControl: true)
        defer { stop(served) }
        let out = StageProcess.temporaryDirectory()
        var steps: [JSON] = [
            ["go": .string(served.base + "/#/apps"), "wait": "example.hello.web"],
            ["shot": "apps-1440.png", "width": 1440], ["shot": "apps-390.png", "width": 390],
            ["go": .string(served.base + "/#/deployments/" + served.setup.deployment), "wait": "hello_error_rate"],
            ["shot": "deployment-1440.png", "width": 1440],
            ["go": .string(served.base + "/#/incidents/" + served.incident), "wait": .string("Incident " + served.incident)],
            ["go": .string(served.base + "/#/history/example.hello.web/" + "staging"), "wait": "History of example.hello.web / staging"],
            ["go": .string(served.base + "/#/deployments/" + served.accepted), "wait": .string("Deployment " + served.accepted)],
            ["click": "button[data-op=pause]", "wait": "Last action"],
        ]
        if let release = served.release {
            let list: JSON = ["go": .string(served.base + "/#/device-releases"), "wait": "io.x07.demo.ios / ios"]
            let detail: JSON = ["go": .string(served.base + "/#/device-releases/" + release), "wait": .string("Device release " + release)]
            steps += [list, ["shot": "device-releases-390.png", "width": 390], detail, ["click": "button[data-op=pause]", "wait": "Last action"]]
        }
        let run = try StageProcess.run("/usr/bin/python3", [StageProcess.repoRoot + "/Tests/browser/cdp.py", chromium, out,
                                                            JSON.array(steps).canonicalString])
        XCTAssertEqual(run.status, 0, run.stderr)
        let result = try JSONParser.parse(run.stdout)
        XCTAssertEqual(result["errors"], JSON.array([]), "console errors")
        let texts = result["texts"]?.arrayValue?.compactMap(\.stringValue) ?? []
        XCTAssertEqual(texts.count, served.release == nil ? 6 : 9)
        guard texts.count >= 6 else { return }
        XCTAssertTrue(texts[0].contains("example.hello.web / staging") && texts[0].contains("1 open / 1"), texts[0])
        XCTAssertTrue(texts[1].contains("promoted") && texts[1].contains("hello_error_rate"), "the deployment page shows each indicator")
        XCTAssertTrue(texts[2].contains("generated"), "the incident page shows its regression")
        XCTAssertTrue(texts[5].contains("Last action result"), texts[5])
        let query = try StageProcess.x07lp(["deploy", "query", "--deployment-id", served.accepted, "--state-dir", served.setup.state, "--json"])
        XCTAssertEqual(try JSONParser.parse(query.stdout)["result"]?["control_state"], "paused", "the click paused the deployment")
        if let release = served.release, texts.count == 9 {
            XCTAssertTrue(texts[6].contains("in_progress") && texts[6].contains("25 %"), texts[6])
            XCTAssertTrue(texts[8].contains("Last action result"), texts[8])
            let device = try StageProcess.x07lp(["device", "release-query", "--release", release, "--state-dir", served.setup.state, "--json"])
            XCTAssertEqual(try JSONParser.parse(device.stdout)["result"]?["current_state"], "paused", "the click paused the release")
        }
        for shot in ["apps-1440.png", "apps-390.png", "deployment-1440.png"] + (served.release == nil ? [] : ["device-releases-390.png"]) {
            XCTAssertGreaterThan(result["colours"]?[shot]?.intValue ?? 0, 8, "\(shot) looks blank")
        }
    }

    /// `ui export` writes pages that open from file:// with the same data and no controls.
    func testExportOpensFromFileWithTheSameData() throws {
        let browsers: [String] = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        guard let chromium = browsers.first(where: { access($0, X_OK) == 0 }) else { throw XCTSkip("chromium is not installed") }
        let setup = try IncidentTests.promoted()
        let incident = try IncidentTests.incidentId(try IncidentTests.capture(setup))
        var release: String?
        if let device = try? DeviceReleaseBench(state: setup.state) {
            _ = try device.create("mock_production_ios", plan: "plan.json")
            release = try device.run("plan.json")["result"]?["exec_id"]?.stringValue
        }
        let out = StageProcess.temporaryDirectory() + "/site"
        let export = try StageProcess.x07lp(["ui", "export", "--state-dir", setup.state, "--out", out, "--json"],
                                            environment: ["X07LP_BIN_DIR": StageProcess.binDir])
        XCTAssertEqual(export.status, 0, export.stderr)
        let page = "file://" + out + "/index.html"
        var steps: [JSON] = [
            ["go": .string(page + "#/apps"), "wait": "example.hello.web / staging"],
            ["go": .string(page + "#/deployments/" + setup.deployment), "wait": "hello_error_rate"],
            ["go": .string(page + "#/incidents/" + incident), "wait": .string("Incident " + incident)],
        ]
        if let release {
            steps.append(["go": .string(page + "#/device-releases"), "wait": "io.x07.demo.ios / ios"])
            steps.append(["go": .string(page + "#/device-releases/" + release), "wait": "Native health"])
        }
        let run = try StageProcess.run("/usr/bin/python3", [StageProcess.repoRoot + "/Tests/browser/cdp.py", chromium, out,
                                                            JSON.array(steps).canonicalString])
        XCTAssertEqual(run.status, 0, run.stderr)
        let result = try JSONParser.parse(run.stdout)
        XCTAssertEqual(result["errors"], JSON.array([]), "console errors")
        let texts = result["texts"]?.arrayValue?.compactMap(\.stringValue) ?? []
        XCTAssertFalse(texts.contains { $0.contains("Kill platform") || $0.contains("rollback\n") }, "controls are hidden in an export")
    }
}
