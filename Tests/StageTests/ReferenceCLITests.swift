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

/// The wrapper's command line as the reference CI scripts use it (issue 12): `--target`, the
/// reference's flag names (aliases), `deploy run --accepted-run/--fixture`, the list filters,
/// `deploy status`, `schema validate`'s `result.ok`, and failures of multi-stage verbs keeping
/// their root cause.
final class ReferenceCLITests: XCTestCase {
    static let time = DeployLoopTests.time

    func json(_ result: StageResult, file: StaticString = #filePath, line: UInt = #line) throws -> JSON {
        do { return try JSONParser.parse(result.stdout) } catch {
            XCTFail("stdout is not JSON (exit \(result.status)): \(result.stdoutText) \(result.stderr)", file: file, line: line)
            throw error
        }
    }

    func x07lp(_ args: [String], state: String) throws -> StageResult {
        try StageProcess.x07lp(args + ["--state-dir", state, "--json"])
    }

    /// Every deploy, incident and regress verb with the words it needs to get past parsing.
    static let targetVerbs: [[String]] = {
        let id = ["--deployment-id", "lpexec_x"], incident = ["--incident-id", "lpinc_x"], reason = ["--reason", "r"]
        return [["deploy", "accept", "--change", "cr.json", "--pack", "pack"],
                ["deploy", "run"] + id,
                ["deploy", "--change", "cr.json", "--pack", "pack"],
                ["deploy", "query"] + id, ["deploy", "status"] + id]
            + ["pause", "resume", "stop", "rollback", "promote", "rerun"].map { ["deploy", $0] + id + reason }
            + [["incident", "capture"] + id + ["--request", "req.json", "--response", "resp.json"],
               ["incident", "list"], ["incident", "get"] + incident, ["incident", "resolve"] + incident,
               ["regress", "from-incident"] + incident + ["--name", "n", "--out-dir", "out"]]
    }()

    /// `--target __local__` and `--target local` are accepted by every deploy, incident and
    /// regress verb (each fails later for its made-up ids, never on the flag); any other target
    /// is exit 2 with LP_TARGET_NOT_FOUND, leading the verb's report.
    func testEveryDeployIncidentAndRegressVerbTakesTheLocalTargetOnly() throws {
        let state = StageProcess.temporaryDirectory()
        for verb in Self.targetVerbs {
            let label = (["x07lp"] + verb).joined(separator: " ")
            for local in StageOptions.localTargets {
                let result = try x07lp(verb + ["--target", local], state: state)
                XCTAssertFalse(result.stderr.contains("unknown option"), "\(label) --target \(local): \(result.stderr)")
                XCTAssertFalse(result.stderr.contains("LP_TARGET_NOT_FOUND"), "\(label) --target \(local): \(result.stderr)")
            }
            let remote = try x07lp(verb + ["--target", "prod-eu"], state: state)
            XCTAssertEqual(remote.status, 2, "\(label) --target prod-eu: \(remote.stderr)")
            XCTAssertTrue(remote.stderr.contains("x07lp target add"), "\(label): \(remote.stderr)")
            XCTAssertEqual(try json(remote)["diagnostics"]?.arrayValue?.first?["code"], "LP_TARGET_NOT_FOUND", "\(label): \(remote.stdoutText)")
        }
        // The stage commands behind those verbs declare it, so help and routing know it.
        let stages = [ValidateStage.definition, PlanStage.definition, ApplyStage.definition, IncidentStage.definition,
                      RegressStage.definition, QueryStage.definition]
        let commands: [(String, [String])] = [("lp-validate", []), ("lp-plan", []), ("lp-apply", []),
                                              ("lp-incident", ["capture"]), ("lp-incident", ["resolve"]),
                                              ("lp-regress", ["from-incident"]), ("lp-query", ["deploy"]),
                                              ("lp-query", ["status"]), ("lp-query", ["incidents"]), ("lp-query", ["incident"])]
            + ["pause", "resume", "stop", "rollback", "promote", "rerun"].map { ("lp-apply", ["control", "deploy", $0]) }
        for (stage, words) in commands {
            let spec = stages.first { $0.name == stage }?.commands.first { $0.words == words }?.spec
            XCTAssertNotNil(spec?.option(named: "--target"), "\(stage) \(words) does not declare --target")
        }
    }

    /// The reference's spellings: `--ops-profile` (intake), `--deployment` (deploy verbs and the
    /// incident verbs that name one), `--fixture` (the metrics directory of a run) and
    /// `--accepted-run` (the deployment an intake run accepted). The wrapper routes each to the
    /// stage that declares it.
    func testReferenceFlagNamesAreRoutedAndAccepted() throws {
        let line = try StageProcess.x07lp(["--explain", "deploy", "run", "--accepted-run", "lprun_x", "--fixture", "m",
                                           "--target", "__local__", "--deployment", "lpexec_x", "--state-dir", "s"])
        XCTAssertEqual(line.stdoutText, "lp-plan --accepted-run lprun_x --target __local__ --deployment lpexec_x --state-dir s"
                                        + " --report --quiet | lp-apply --fixture m --state-dir s\n", line.stderr)
        let accept = try StageProcess.x07lp(["--explain", "deploy", "--ops-profile", "o.json", "--change", "cr.json",
                                             "--pack", "p", "--fixture", "m"])
        XCTAssertTrue(accept.stdoutText.hasPrefix("lp-validate --ops-profile o.json --in cr.json --pack p "), accept.stdoutText)
        XCTAssertTrue(accept.stdoutText.hasSuffix("| lp-apply --fixture m\n"), accept.stdoutText)
        let capture = try StageProcess.x07lp(["--explain", "incident", "capture", "--deployment", "lpexec_x"])
        XCTAssertTrue(capture.stdoutText.hasPrefix("lp-incident capture --deployment lpexec_x "), capture.stdoutText)

        // The example pack accepted with --ops-profile: the same execution as with --ops.
        let hello = ExamplePacks.hello
        var executions: [JSON] = []
        for ops in ["--ops", "--ops-profile"] {
            let state = StageProcess.temporaryDirectory()
            let result = try StageProcess.x07lp(["deploy", "accept", "--pack", hello + "/pack.tar.gz", "--change",
                                                 hello + "/change_request.ops.json", ops, hello + "/ops.blue_green.json",
                                                 "--slo", hello + "/slo.json", "--state-dir", state, "--now-unix-ms", Self.time])
            XCTAssertEqual(result.status, 0, "\(ops): \(result.stderr)")
            executions.append(try json(result))
        }
        XCTAssertEqual(executions[0], executions[1])
        XCTAssertEqual(executions[1]["status"], "planned")
    }

    /// The reference flow, every verb with `--target __local__` and the reference's flag names:
    /// accept, `deploy run --accepted-run RUN --fixture DIR`, query and status by `--deployment`,
    /// a capture, list and get, a regression, `deploy stop --deployment`.
    func testTheReferenceFlowWithTargetAndItsFlagNames() throws {
        let fixtures = try Upstream.require("fixtures")
        let state = StageProcess.temporaryDirectory()
        let local = ["--target", "__local__", "--now-unix-ms", Self.time]
        let accept = try x07lp(["deploy", "accept", "--pack-dir", fixtures + "/baseline/pack_min", "--pack-manifest", "app.pack.json",
                                "--change", fixtures + "/deploy_loop/common/change_request.app_min.json"] + local, state: state)
        XCTAssertEqual(accept.status, 0, accept.stderr)
        let runId = try json(accept)["result"]?["run_id"]?.stringValue ?? ""
        let id = try json(accept)["result"]?["exec_id"]?.stringValue ?? ""
        let promote = fixtures + "/deploy_loop/promote"
        let run = try x07lp(["deploy", "run", "--accepted-run", runId, "--plan", promote + "/deploy.plan.json", "--fixture", promote,
                             "--pause-scale", "0"] + local, state: state)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(try json(run)["result"]?["deployment_id"]?.stringValue, id, "the deployment intake accepted in \(runId)")
        XCTAssertEqual(try json(run)["result"]?["outcome"], "promoted")
        let stale = try x07lp(["deploy", "run", "--accepted-run", "lprun_nope"] + local, state: state)
        XCTAssertEqual(stale.status, 2, stale.stderr)
        XCTAssertEqual(try json(stale)["diagnostics"]?.arrayValue?.first?["code"], "LP_NOT_FOUND")

        let query = try x07lp(["deploy", "query", "--deployment", id, "--view", "summary"] + local, state: state)
        XCTAssertEqual(query.status, 0, query.stderr)
        XCTAssertEqual(try json(query)["result"]?["outcome"], "promoted")

        let common = fixtures + "/control_plane/common"
        let capture = try x07lp(["incident", "capture", "--deployment", id, "--reason", "ci capture", "--classification", "http_5xx",
                                 "--source", "router", "--request", common + "/request.envelope.json",
                                 "--response", common + "/response.500.envelope.json", "--trace", common + "/trace.json"] + local,
                                state: state)
        XCTAssertEqual(capture.status, 0, capture.stderr)
        let incident = try json(capture)["result"]?["incident_id"]?.stringValue ?? ""
        let list = try x07lp(["incident", "list", "--deployment", id, "--limit", "10"] + local, state: state)
        XCTAssertEqual(try json(list)["result"]?["items"]?.arrayValue?.first?["incident_id"]?.stringValue, incident, list.stdoutText)
        let get = try x07lp(["incident", "get", "--incident-id", incident] + local, state: state)
        XCTAssertEqual(get.status, 0, get.stderr)
        let out = StageProcess.temporaryDirectory()
        let regress = try x07lp(["regress", "from-incident", "--incident-id", incident, "--name", "ci_5xx", "--out-dir", out] + local,
                                state: state)
        XCTAssertEqual(regress.status, 0, regress.stderr)

        // deploy query --limit caps the deployment's linked incidents (summary and full views).
        let full = try x07lp(["deploy", "query", "--deployment", id, "--view", "full", "--limit", "1"] + local, state: state)
        XCTAssertEqual(try json(full)["result"]?["linked_incidents"],
                       [["incident_id": .string(incident), "classification": "http_5xx", "incident_status": "open",
                         "captured_unix_ms": try json(get)["result"]?["captured_unix_ms"] ?? .null]], full.stdoutText)
        let resultFile = StageProcess.temporaryDirectory() + "/result.json"
        try Data((try json(full)["result"] ?? .null).canonicalBytes).write(to: URL(fileURLWithPath: resultFile))
        for schema in [try Upstream.require("lp-contracts") + "/lp.deploy.query.result.schema.json", "lp.deploy.query.result@0.1.0"] {
            let check = try StageProcess.x07lp(["schema", "validate", "--schema", schema, "--in", resultFile])
            XCTAssertEqual(check.status, 0, "\(schema): \(check.stderr)")
        }

        // A second accepted deployment, stopped by --deployment.
        let second = try x07lp(["deploy", "accept", "--pack-dir", fixtures + "/baseline/pack_min", "--change",
                                fixtures + "/deploy_loop/common/change_request.app_min.json", "--target", "local",
                                "--now-unix-ms", "1762147300000"], state: state)
        let secondId = try json(second)["result"]?["exec_id"]?.stringValue ?? ""
        let stop = try x07lp(["deploy", "stop", "--deployment", secondId, "--reason", "ci cleanup"] + local, state: state)
        XCTAssertEqual(stop.status, 0, stop.stderr)
        XCTAssertEqual(try json(stop)["result"]?["outcome"], "aborted")
    }

    /// `deploy status` answers as the reference does: command "deploy status", the stored
    /// execution in result.deployment; by id, by --deployment, or the app's latest.
    func testDeployStatusIsTheStoredExecution() throws {
        let state = StageProcess.temporaryDirectory()
        let id = try DeployLoopTests.accept(state: state)
        XCTAssertEqual(try DeployLoopTests.run("promote", state: state, id: id).status, 0)
        let stored = try JSONParser.parse([UInt8](Data(contentsOf: URL(fileURLWithPath: "\(state)/deploy/\(id).json"))))
        for selection in [["--deployment-id", id], ["--deployment", id], ["--app-id", "app_min", "--env", "staging"]] {
            let status = try x07lp(["deploy", "status"] + selection, state: state)
            XCTAssertEqual(status.status, 0, "\(selection): \(status.stderr)")
            let report = try json(status)
            XCTAssertEqual(report["command"], "deploy status", "\(selection)")
            XCTAssertEqual(report["result"]?["deployment_id"]?.stringValue, id)
            XCTAssertEqual(report["result"]?["deployment"], stored, "\(selection)")
        }
        let missing = try x07lp(["deploy", "status", "--deployment-id", "lpexec_00000000000000000000000000"], state: state)
        XCTAssertEqual(missing.status, 2)
        XCTAssertEqual(try json(missing)["command"], "deploy status")
    }

    /// `incident list` with no selection lists every incident; --status, --classification and
    /// --limit narrow any list. `app list` filters by --app-id, --env and --limit.
    func testListsWithoutSelectionAndWithFilters() throws {
        let state = StageProcess.temporaryDirectory()
        let id = try DeployLoopTests.accept(state: state)
        XCTAssertEqual(try DeployLoopTests.run("promote", state: state, id: id).status, 0)
        let common = try Upstream.require("fixtures/control_plane/common")
        var incidents: [String] = []
        for (time, classification) in [("1762147210000", "http_5xx"), ("1762147220000", "manual_capture")] {
            let capture = try x07lp(["incident", "capture", "--deployment-id", id, "--request", common + "/request.envelope.json",
                                     "--response", common + "/response.500.envelope.json", "--classification", classification,
                                     "--now-unix-ms", time], state: state)
            XCTAssertEqual(capture.status, 0, capture.stderr)
            incidents.append(try json(capture)["result"]?["incident_id"]?.stringValue ?? "")
        }
        let resolve = try x07lp(["incident", "resolve", "--incident-id", incidents[0], "--reason", "fixed"], state: state)
        XCTAssertEqual(resolve.status, 0, resolve.stderr)

        func listed(_ args: [String], file: StaticString = #filePath, line: UInt = #line) throws -> [String] {
            let result = try x07lp(["incident", "list"] + args, state: state)
            XCTAssertEqual(result.status, 0, "\(args): \(result.stderr)", file: file, line: line)
            return try json(result)["result"]?["items"]?.arrayValue?.compactMap { $0["incident_id"]?.stringValue } ?? []
        }
        let all = try x07lp(["incident", "list"], state: state)
        XCTAssertEqual(all.status, 0, all.stderr)
        XCTAssertEqual(try json(all)["result"]?["resolution"], ["by": "all"])
        XCTAssertEqual(try listed([]), [incidents[1], incidents[0]], "newest first")
        XCTAssertEqual(try listed(["--status", "open"]), [incidents[1]])
        XCTAssertEqual(try listed(["--status", "resolved", "--app-id", "app_min", "--env", "staging"]), [incidents[0]])
        XCTAssertEqual(try listed(["--classification", "http_5xx", "--deployment-id", id]), [incidents[0]])
        XCTAssertEqual(try listed(["--env", "staging", "--limit", "1"]), [incidents[1]])
        XCTAssertEqual(try listed(["--app-id", "someone_else"]), [])
        let bogus = try x07lp(["incident", "list", "--status", "closed"], state: state)
        XCTAssertEqual(bogus.status, 2, bogus.stderr)
        XCTAssertTrue(bogus.stderr.contains("regression_generated"), bogus.stderr)
        // The stage itself on a terminal-less stdin still reads the piped deployment.
        let execution = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(state)/deploy/\(id).json")))
        let piped = try StageProcess.run(StageProcess.binary("lp-query"), ["incidents", "--status", "open", "--state-dir", state],
                                         stdin: execution)
        XCTAssertEqual(try json(piped)["resolution"]?["by"], "deployment_id", piped.stderr)
        XCTAssertEqual(try json(piped)["items"]?.arrayValue?.count, 1)

        func apps(_ args: [String]) throws -> JSON {
            let result = try x07lp(["app", "list"] + args, state: state)
            XCTAssertEqual(result.status, 0, "\(args): \(result.stderr)")
            return try json(result)["result"] ?? .null
        }
        XCTAssertEqual(try apps(["--app-id", "app_min", "--env", "staging", "--limit", "5"])["filters"],
                       ["app_id": "app_min", "environment": "staging", "limit": 5])
        XCTAssertEqual(try apps(["--app-id", "app_min"])["items"]?.arrayValue?.count, 1)
        XCTAssertEqual(try apps(["--env", "prod"])["items"], [])
        XCTAssertNil(try apps([])["filters"])
        XCTAssertEqual(try x07lp(["app", "list", "--env", "Not An Env"], state: state).status, 2)
        XCTAssertEqual(try x07lp(["app", "list", "--limit", "0"], state: state).status, 2)
    }

    /// `schema validate` answers in `result.ok` (and `result.valid`), as the reference's checks read it.
    func testSchemaValidateReportsResultOk() throws {
        let work = StageProcess.temporaryDirectory()
        let good = work + "/good.json", bad = work + "/bad.json"
        let report = CLIReport(command: "x", exitCode: .ok, diagnostics: [], runId: "lprun_x", artifacts: [], result: [:])
        try Data(try JSON(encoding: report).canonicalBytes).write(to: URL(fileURLWithPath: good))
        try Data(JSON.object(["command": "x"]).canonicalBytes).write(to: URL(fileURLWithPath: bad))
        for (file, ok) in [(good, true), (bad, false)] {
            let result = try StageProcess.x07lp(["schema", "validate", "--schema", "lp.cli.report@0.1.0", "--in", file, "--json"])
            XCTAssertEqual(result.status, ok ? 0 : 3, result.stderr)
            XCTAssertEqual(try json(result)["result"]?["ok"], .bool(ok))
            XCTAssertEqual(try json(result)["result"]?["valid"], .bool(ok))
        }
    }
}

/// A multi-stage verb that fails keeps its root cause: the final `--json` report leads with the
/// failing stage's own diagnostics, carries its artifacts, and names the verb's command.
final class UpstreamFailureReportTests: XCTestCase {
    func report(_ result: StageResult) throws -> JSON { try JSONParser.parse(result.stdout) }

    func codes(_ report: JSON) -> [String] { report["diagnostics"]?.arrayValue?.compactMap { $0["code"]?.stringValue } ?? [] }

    /// `x07lp deploy` (accept | plan | run) with a pack whose seal is broken: exit 12, and the
    /// report starts with exactly the diagnostics `deploy accept` gives for the same pack.
    func testDeployKeepsTheIntakeDiagnostics() throws {
        let fixtures = try Upstream.require("fixtures")
        let args = ["--pack-dir", fixtures + "/baseline/pack_min", "--pack-manifest", "app.pack.bad.json",
                    "--change", fixtures + "/baseline/change_request.min.json", "--now-unix-ms", DeployLoopTests.time, "--json"]
        let alone = try report(try StageProcess.x07lp(["deploy", "accept"] + args + ["--state-dir", StageProcess.temporaryDirectory()]))
        let result = try StageProcess.x07lp(["deploy"] + args + ["--state-dir", StageProcess.temporaryDirectory()])
        XCTAssertEqual(result.status, 12, result.stderr)
        let final = try report(result)
        let intake = alone["diagnostics"]?.arrayValue ?? []
        XCTAssertFalse(intake.isEmpty)
        XCTAssertEqual(Array(final["diagnostics"]?.arrayValue?.prefix(intake.count) ?? []), intake, result.stdoutText)
        XCTAssertEqual(codes(final).filter { $0 == "LP_UPSTREAM_FAILED" }.count, 1, "reported once: \(codes(final))")
        XCTAssertEqual(final["command"], "deploy run")
        XCTAssertEqual(final["exit_code"], 12)
        XCTAssertEqual(final["ok"], false)
        // Each stage still says on stderr that it refused; the root cause is printed once.
        XCTAssertEqual(result.stderr.components(separatedBy: "error[\(codes(alone)[0])]").count, 2, result.stderr)
    }

    /// An intake gate that rejects (exit 13): the report keeps the gate's diagnostic and the
    /// records intake wrote.
    func testARejectedIntakeKeepsItsDiagnosticAndArtifacts() throws {
        let fixtures = try Upstream.require("fixtures")
        let result = try StageProcess.x07lp(["deploy", "--pack-dir", fixtures + "/baseline/pack_min",
                                             "--change", fixtures + "/baseline/change_request.ops_required.json",
                                             "--state-dir", StageProcess.temporaryDirectory(), "--json"])
        XCTAssertEqual(result.status, 13, result.stderr)
        let final = try report(result)
        XCTAssertTrue(codes(final).contains("LP_GATE_REJECTED"), result.stdoutText)
        XCTAssertEqual(codes(final).last, "LP_UPSTREAM_FAILED", result.stdoutText)
        let written = final["meta"]?["artifacts_written"]?.arrayValue?.compactMap { $0["logical_name"]?.stringValue } ?? []
        XCTAssertTrue(written.contains("lp.deploy.execution"), "\(written)")
    }

    /// `deploy run` whose plan stage fails: the plan's diagnostic leads, the verb is `deploy run`.
    func testDeployRunKeepsThePlanDiagnostics() throws {
        let state = StageProcess.temporaryDirectory()
        let id = try DeployLoopTests.accept(state: state)
        let result = try StageProcess.x07lp(["deploy", "run", "--deployment-id", id, "--plan", "/nonexistent/plan.json",
                                             "--state-dir", state, "--json"])
        XCTAssertEqual(result.status, 2, result.stderr)
        let final = try report(result)
        XCTAssertEqual(codes(final), ["LP_NOT_FOUND", "LP_UPSTREAM_FAILED"], result.stdoutText)
        XCTAssertTrue(final["diagnostics"]?.arrayValue?.first?["message"]?.stringValue?.contains("/nonexistent/plan.json") ?? false)
        XCTAssertEqual(final["command"], "deploy run")
    }

    /// `incident capture` (lp-incident | lp-query): a failed capture's report is the capture's
    /// own — command "incident capture" and its diagnostics — not lp-query's "incident get".
    func testAFailedIncidentCaptureReportsItself() throws {
        let state = StageProcess.temporaryDirectory()
        let common = try Upstream.require("fixtures/control_plane/common")
        let args = ["--deployment-id", "lpexec_00000000000000000000000000", "--request", common + "/request.envelope.json",
                    "--response", common + "/response.500.envelope.json", "--state-dir", state]
        let alone = try report(try StageProcess.run(StageProcess.binary("lp-incident"), ["capture"] + args + ["--report"]))
        let result = try StageProcess.x07lp(["incident", "capture"] + args + ["--json"])
        XCTAssertEqual(result.status, 2, result.stderr)
        let final = try report(result)
        XCTAssertEqual(final["command"], "incident capture", result.stdoutText)
        XCTAssertEqual(final["diagnostics"], alone["diagnostics"], result.stdoutText)
        XCTAssertEqual(codes(final), ["LP_NOT_FOUND"])
        XCTAssertTrue(result.stdoutIsOnlyTheFailedReport, result.stdoutText)
    }
}
