import LPCore
import Foundation
import XCTest

/// A person at a terminal: read verbs print a human view on a TTY (run under `script`), the
/// document in a pipe; `--output json|table|wide`; `deploy list`; `blob cat`; errors that name
/// the missing flag or the verb meant; the verb's own help; the product version.
final class TerminalViewTests: XCTestCase {
    static let time: Int64 = 1767225600000

    /// Two promoted deployments of example.hello.web/staging, a second apart, in one state.
    static let history: (state: String, first: String, second: String) = {
        let state = StageProcess.temporaryDirectory() + "/state"
        let ids = [time, time + 1000].map { now -> String in
            let result = try? deploy(state: state, now: now)
            precondition(result?.status == 0, "deploy failed: \(result?.stderr ?? "")")
            let report = result.flatMap { try? JSONParser.parse($0.stdout) }
            return report?["result"]?["deployment_id"]?.stringValue ?? ""
        }
        return (state, ids[0], ids[1])
    }()

    static func deploy(state: String, now: Int64) throws -> StageResult {
        let hello = ExamplePacks.hello
        return try StageProcess.x07lp(["deploy", "--pack", hello + "/pack.tar.gz", "--change", hello + "/change_request.ops.json",
                                       "--ops", hello + "/ops.canary.json", "--slo", hello + "/slo.json",
                                       "--policy", hello + "/policy.baseline.json", "--provenance", hello + "/provenance.dsse.json",
                                       "--trusted-key", hello + "/keys/test-signing.pub.pem",
                                       "--metrics-dir", StageProcess.repoRoot + "/examples/hello/metrics", "--pause-scale", "0",
                                       "--state-dir", state, "--now-unix-ms", String(now), "--json", "--quiet"])
    }

    /// Runs x07lp with stdout on a pseudo-terminal (`script -qc`), TZ=UTC; the terminal's CRLFs
    /// are turned back into newlines.
    func onTerminal(_ arguments: [String]) throws -> StageResult {
        let line = ([StageProcess.x07lp] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
            .joined(separator: " ")
        var result = try StageProcess.run("/usr/bin/script", ["-qec", line, "/dev/null"], stdin: [],
                                          environment: ["TZ": "UTC", "X07LP_NO_PROGRESS": "1"])
        result.stdout = Array(result.stdoutText.replacingOccurrences(of: "\r\n", with: "\n").utf8)
        return result
    }

    func testReadVerbsShowATableOnATerminalAndTheDocumentInAPipe() throws {
        let (state, first, second) = Self.history
        let table = try onTerminal(["app", "list", "--state-dir", state])
        XCTAssertEqual(table.status, 0, table.stderr)
        let lines = table.stdoutText.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 2, table.stdoutText)
        XCTAssertTrue(lines[0].hasPrefix("APP  "), table.stdoutText)
        XCTAssertTrue(lines[1].contains("example.hello.web") && lines[1].contains(second) && lines[1].contains("promoted")
                      && lines[1].contains("100%") && lines[1].contains("2026-01-01 00:00:01 UTC"), table.stdoutText)
        // A pipe gets the document, byte for byte what --output json prints.
        let piped = try StageProcess.x07lp(["app", "list", "--state-dir", state, "--now-unix-ms", "5"])
        XCTAssertEqual(try JSONParser.parse(piped.stdout)["items"]?.arrayValue?.first?["latest_deployment_id"]?.stringValue, second)
        XCTAssertEqual(try StageProcess.x07lp(["app", "list", "--state-dir", state, "--now-unix-ms", "5", "--output", "json"]).stdout,
                       piped.stdout)
        // --json on a terminal is still the report.
        let report = try onTerminal(["app", "list", "--state-dir", state, "--json"])
        XCTAssertEqual(try JSONParser.parse(report.stdout)["command"], "app list", report.stdoutText)
        // A deployment's status: where it stands, then its steps with their weights.
        let status = try onTerminal(["deploy", "status", "--deployment-id", first, "--state-dir", state])
        XCTAssertEqual(status.status, 0, status.stderr)
        for expected in ["Deployment: \(first)", "Outcome:    promoted", "Weight:     100% to the candidate",
                         "Started:    2026-01-01 00:00:00 UTC", "STEP  NAME", "set_weight_50", "50%", "promote"] {
            XCTAssertTrue(status.stdoutText.contains(expected), "no \"\(expected)\" in\n\(status.stdoutText)")
        }
    }

    func testOutputTableAndWideInAPipeAndAnUnknownFormat() throws {
        let state = Self.history.state
        let table = try StageProcess.x07lp(["app", "list", "--state-dir", state, "--output", "table"])
        XCTAssertTrue(table.stdoutText.hasPrefix("APP "), table.stdoutText)
        XCTAssertFalse(table.stdoutText.contains("LISTENER"))
        let wide = try StageProcess.x07lp(["app", "list", "--state-dir", state, "--output=wide"])
        XCTAssertTrue(wide.stdoutText.contains("LISTENER") && wide.stdoutText.contains("http://127.0.0.1:"), wide.stdoutText)
        let yaml = try StageProcess.x07lp(["app", "list", "--state-dir", state, "--output", "yaml"])
        XCTAssertEqual(yaml.status, 2)
        XCTAssertTrue(yaml.stderr.contains("--output is one of json, table, wide"), yaml.stderr)
        // The wrapper sends --output to the last stage of a pipeline only.
        let line = try StageProcess.x07lp(["--explain", "deploy", "run", "--deployment-id", "lpexec_x", "--output", "table"])
        XCTAssertEqual(line.stdoutText, "lp-plan --deployment-id lpexec_x --report --quiet | lp-apply --output table\n")
    }

    func testDeployListIsNewestFirstWithALimit() throws {
        let (state, first, second) = Self.history
        let list = try StageProcess.x07lp(["deploy", "list", "--app-id", "example.hello.web", "--env", "staging", "--state-dir", state])
        XCTAssertEqual(list.status, 0, list.stderr)
        let items = try JSONParser.parse(list.stdout)["items"]?.arrayValue ?? []
        XCTAssertEqual(items.map { $0["deployment_id"]?.stringValue }, [second, first])
        XCTAssertEqual(items.first?["outcome"], "promoted")
        let one = try StageProcess.x07lp(["deploy", "list", "--app-id", "example.hello.web", "--env", "staging", "--limit", "1",
                                          "--state-dir", state, "--output", "table"])
        let rows = one.stdoutText.split(separator: "\n")
        XCTAssertEqual(rows.count, 2, one.stdoutText)
        XCTAssertTrue(rows[0].hasPrefix("DEPLOYMENT  ") && rows[1].hasPrefix(second), one.stdoutText)
        let missing = try StageProcess.x07lp(["deploy", "list", "--env", "staging", "--state-dir", state])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains("missing --app-id"), missing.stderr)
    }

    func testBlobCatPrintsTheStoredBytes() throws {
        let (state, first, _) = Self.history
        let status = try StageProcess.x07lp(["deploy", "status", "--deployment-id", first, "--state-dir", state])
        let report = try XCTUnwrap(try JSONParser.parse(status.stdout)["deployment"]?["meta"]?["analysis"]?["last_slo_report"])
        let uri = try XCTUnwrap(report["store_uri"]?.stringValue)
        let blob = try StageProcess.x07lp(["blob", "cat", uri, "--state-dir", state])
        XCTAssertEqual(blob.status, 0, blob.stderr)
        XCTAssertEqual(DigestRef(of: blob.stdout).sha256, report["digest"]?["sha256"]?.stringValue)
        XCTAssertEqual(try JSONParser.parse(blob.stdout)["command"], "x07-wasm.slo.eval")
        let absent = try StageProcess.x07lp(["blob", "cat", "sha256:" + String(repeating: "0", count: 64), "--state-dir", state])
        XCTAssertEqual(absent.status, 2)
        XCTAssertTrue(absent.stderr.contains("LP_NOT_FOUND"), absent.stderr)
    }

    func testErrorsNameTheMissingFlagAndTheVerbMeant() throws {
        let state = Self.history.state
        let status = try StageProcess.x07lp(["deploy", "status", "--state-dir", state], stdin: [])
        XCTAssertEqual(status.status, 2)
        XCTAssertTrue(status.stderr.contains("missing --deployment-id ID"), status.stderr)
        XCTAssertFalse(status.stderr.contains("LP_INPUT_EMPTY"), status.stderr)
        let typo = try StageProcess.x07lp(["deploy", "statsu"])
        XCTAssertEqual(typo.status, 2)
        XCTAssertTrue(typo.stderr.contains("did you mean 'deploy status'?"), typo.stderr)
        let group = try StageProcess.x07lp(["incidnet", "list"])
        XCTAssertEqual(group.status, 2)
        XCTAssertTrue(group.stderr.contains("did you mean 'incident list'?"), group.stderr)
        XCTAssertFalse(try StageProcess.x07lp(["frobnicate"]).stderr.contains("did you mean"))
    }

    func testVerbHelpIsWrittenForTheVerb() throws {
        let help = try StageProcess.x07lp(["help", "deploy", "run"])
        XCTAssertEqual(help.status, 0, help.stderr)
        XCTAssertTrue(help.stdoutText.hasPrefix("x07lp deploy run — "), help.stdoutText)
        XCTAssertEqual(try StageProcess.x07lp(["deploy", "run", "--help"]).stdout, help.stdout)
        let deploy = try StageProcess.x07lp(["deploy", "--help"])
        XCTAssertFalse(deploy.stdoutText.contains("== lp-"), deploy.stdoutText)
        XCTAssertLessThan(deploy.stdoutText.split(separator: "\n").count, 80, deploy.stdoutText)
        XCTAssertTrue(deploy.stdoutText.contains("--metrics-dir DIR") && deploy.stdoutText.contains("[lp-apply]"), deploy.stdoutText)
        let group = try StageProcess.x07lp(["help", "incident"])
        XCTAssertTrue(group.stdoutText.hasPrefix("VERBS of x07lp incident") && group.stdoutText.contains("incident resolve"), group.stdoutText)
        XCTAssertEqual(try StageProcess.x07lp(["help", "nosuch"]).status, 2)
        XCTAssertEqual(try StageProcess.x07lp(["--version"]).stdoutText, "x07lp \(LPVersion.current)\n")
    }

    static func inputs(_ hello: String) -> [String] {
        ["--pack", hello + "/pack.tar.gz", "--change", hello + "/change_request.ops.json", "--ops", hello + "/ops.canary.json",
         "--slo", hello + "/slo.json", "--policy", hello + "/policy.baseline.json", "--provenance", hello + "/provenance.dsse.json",
         "--trusted-key", hello + "/keys/test-signing.pub.pem"]
    }

    /// A rollback says why: the report's diagnostic and result, `deploy status` and its human view
    /// name each violated indicator with the value observed and the objective.
    func testARollbackNamesTheViolatedIndicatorsAndTheirValues() throws {
        let metrics = StageProcess.temporaryDirectory()
        let good = try String(contentsOfFile: StageProcess.repoRoot + "/examples/hello/metrics/analysis.1.json", encoding: .utf8)
        try good.replacingOccurrences(of: "\"value\": 0.004", with: "\"value\": 0.12")
            .write(toFile: metrics + "/analysis.1.json", atomically: true, encoding: .utf8)
        let state = StageProcess.temporaryDirectory() + "/state"
        let run = try StageProcess.x07lp(["deploy"] + Self.inputs(ExamplePacks.hello)
                                         + ["--metrics-dir", metrics, "--pause-scale", "0", "--state-dir", state, "--json", "--quiet"])
        XCTAssertEqual(run.status, 14, run.stderr)
        let report = try JSONParser.parse(run.stdout)
        let message = report["diagnostics"]?.arrayValue?.first?["message"]?.stringValue ?? ""
        XCTAssertTrue(message.contains("hello_error_rate (http_error_rate): observed 0.12, objective max 0.02"), message)
        XCTAssertTrue(run.stderr.contains("observed 0.12"), run.stderr)
        let violations = report["result"]?["slo_violations"]?.arrayValue ?? []
        XCTAssertEqual(violations.map { $0["id"] }, ["hello_error_rate"])
        XCTAssertEqual(violations.first?["observed"], 0.12)
        let id = try XCTUnwrap(report["result"]?["deployment_id"]?.stringValue)
        let status = try StageProcess.x07lp(["deploy", "status", "--deployment-id", id, "--state-dir", state])
        XCTAssertEqual(try JSONParser.parse(status.stdout)["slo_violations"]?.arrayValue?.count, 1, status.stdoutText)
        let view = try onTerminal(["deploy", "status", "--deployment-id", id, "--state-dir", state])
        XCTAssertTrue(view.stdoutText.contains("Rolled back: SLO violated"), view.stdoutText)
        let row = view.stdoutText.split(separator: "\n").first { $0.hasPrefix("hello_error_rate") }.map(String.init) ?? ""
        XCTAssertTrue(row.contains("http_error_rate") && row.contains("0.12") && row.contains("max 0.02"), view.stdoutText)
        // Watching an ended deployment answers at once, with the code its run ended with.
        let watched = try StageProcess.x07lp(["deploy", "status", "--deployment-id", id, "--state-dir", state, "--watch"])
        XCTAssertEqual(watched.status, 14, watched.stderr)
        XCTAssertTrue(watched.stderr.contains("LP_SLO_DECISION_ROLLBACK"), watched.stderr)
    }

    /// A run out of snapshots names the file it looked for and the directory.
    func testMissingSnapshotNamesTheFileAndTheDirectory() throws {
        let metrics = StageProcess.temporaryDirectory()
        try FileManager.default.copyItem(atPath: StageProcess.repoRoot + "/examples/hello/metrics/analysis.1.json",
                                         toPath: metrics + "/analysis.1.json")
        let run = try StageProcess.x07lp(["deploy"] + Self.inputs(ExamplePacks.hello)
                                         + ["--metrics-dir", metrics, "--pause-scale", "0", "--state-dir",
                                            StageProcess.temporaryDirectory() + "/state"])
        XCTAssertEqual(run.status, 16, run.stderr)
        XCTAssertTrue(run.stderr.contains("looked for analysis.2.json in \(metrics)"), run.stderr)
    }

    /// `deploy status --watch` follows a deployment while `deploy run` moves it (1 s pauses): in a
    /// pipe one JSON line per change, the weights rising to 100, then exit 0 when it is promoted;
    /// on a terminal the view is redrawn in place.
    func testWatchFollowsARunningDeploymentToItsEnd() throws {
        let state = StageProcess.temporaryDirectory() + "/state"
        let accept = try StageProcess.x07lp(["deploy", "accept"] + Self.inputs(ExamplePacks.hello) + ["--state-dir", state, "--quiet"])
        let id = try XCTUnwrap(try JSONParser.parse(accept.stdout)["exec_id"]?.stringValue, accept.stderr)
        let run = Process()
        run.executableURL = URL(fileURLWithPath: StageProcess.x07lp)
        run.arguments = ["deploy", "run", "--deployment-id", id, "--metrics-dir", StageProcess.repoRoot + "/examples/hello/metrics",
                         "--pause-scale", "1", "--state-dir", state, "--quiet"]
        var environment = ProcessInfo.processInfo.environment
        environment["X07LP_BIN_DIR"] = StageProcess.binDir
        environment["X07LP_CONTRACTS_DIR"] = StageProcess.repoRoot + "/contracts"
        run.environment = environment
        run.standardOutput = FileHandle.nullDevice
        try run.run()
        let watched = try StageProcess.x07lp(["deploy", "status", "--deployment-id", id, "--state-dir", state, "--watch",
                                              "--watch-interval-ms", "50"])
        run.waitUntilExit()
        XCTAssertEqual(run.terminationStatus, 0)
        XCTAssertEqual(watched.status, 0, watched.stderr)
        let documents = try watched.stdoutText.split(separator: "\n").map { try JSONParser.parse(Array($0.utf8)) }
        let weights = documents.compactMap { $0["deployment"]?["meta"]?["routing"]?["candidate_weight_pct"]?.doubleValue }
        XCTAssertGreaterThan(Set(weights).count, 2, "the watch saw the weights move: \(weights)")
        XCTAssertEqual(weights, weights.sorted(), "weights only rise in a promoted canary")
        XCTAssertEqual(documents.last?["deployment"]?["status"], "completed")
        XCTAssertEqual(documents.last?["deployment"]?["meta"]?["outcome"], "promoted")
        let screen = try onTerminal(["deploy", "status", "--deployment-id", id, "--state-dir", state, "--watch"])
        XCTAssertEqual(screen.status, 0, screen.stderr)
        XCTAssertTrue(screen.stdoutText.hasPrefix("\u{1B}[H\u{1B}[2JDeployment: \(id)"), screen.stdoutText)
    }
}
