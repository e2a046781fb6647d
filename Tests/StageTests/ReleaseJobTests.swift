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

/// The release job as users run it: `make -C examples/release` (one stage per target, each
/// document kept under OUT) and `examples/release/ci.sh` (plain pipes between the raw stages),
/// both on the example pack, into scratch directories, with the stages under test (BIN).
final class ReleaseJobTests: XCTestCase {
    static let releaseDir = StageProcess.repoRoot + "/examples/release"

    /// `make -C examples/release ARGS OUT=out BIN=<stages under test>`.
    func make(_ arguments: [String], out: String) throws -> StageResult {
        try StageProcess.run(try ShellTools.path("make"),
                             ["-C", Self.releaseDir] + arguments + ["OUT=" + out, "BIN=" + StageProcess.binDir])
    }

    /// `examples/release/ci.sh` through `shell`, with OUT and BIN set and the given variables.
    func ci(_ shell: [String], out: String, _ variables: [String: String] = [:]) throws -> StageResult {
        try StageProcess.run(shell[0], Array(shell.dropFirst()) + [Self.releaseDir + "/ci.sh"],
                             environment: ["OUT": out, "BIN": StageProcess.binDir].merging(variables) { $1 })
    }

    func document(_ path: String) throws -> JSON {
        try JSONParser.parse([UInt8](Data(contentsOf: URL(fileURLWithPath: path))))
    }

    func assertValid(_ path: String, as contract: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let check = try StageProcess.x07lp(["schema", "validate", "--schema", contract, "--in", path])
        XCTAssertEqual(check.status, 0, "\(path) as \(contract): \(check.stderr)", file: file, line: line)
    }

    /// The deploy half of the job: intake, plan, the canary run to promotion, the summary.
    func assertPromoted(out: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let run = try document(out + "/execution.run.json")
        XCTAssertEqual(run["status"], "completed", file: file, line: line)
        XCTAssertEqual(run["meta"]?["outcome"], "promoted", file: file, line: line)
        let summary = try document(out + "/deploy.summary.json")
        XCTAssertEqual(summary["outcome"], "promoted", file: file, line: line)
        XCTAssertEqual(summary["deployment_id"], run["exec_id"], file: file, line: line)
        XCTAssertEqual(summary["current_weight_pct"], 100, file: file, line: line)
        for name in ["execution.planned.json", "execution.plan.json", "execution.run.json"] {
            try assertValid(out + "/" + name, as: "lp.deploy.execution@0.1.0", file: file, line: line)
        }
    }

    /// The incident half: a 5xx incident of the promoted deployment, found by the query index,
    /// credentials redacted before anything was stored, and a regression generated from it with
    /// its replay trace and HTTP test.
    func assertIncidentAndRegression(out: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let run = try document(out + "/execution.run.json")
        let bundle = try document(out + "/incident.bundle.json")
        XCTAssertEqual(bundle["schema_version"], "lp.incident.bundle@0.2.0", file: file, line: line)
        XCTAssertEqual(bundle["deploy_execution"]?["exec_id"], run["exec_id"], file: file, line: line)
        try assertValid(out + "/incident.bundle.json", as: "lp.incident.bundle@0.2.0", file: file, line: line)
        let incidentId = bundle["incident_id"]?.stringValue ?? ""
        let view = try StageProcess.run(StageProcess.binary("lp-query"),
                                        ["incident", "--incident-id", incidentId, "--state-dir", out + "/state"])
        XCTAssertEqual(view.status, 0, view.stderr, file: file, line: line)
        let incident = try JSONParser.parse(view.stdout)
        XCTAssertEqual(incident["classification"], "http_5xx", file: file, line: line)
        XCTAssertEqual(incident["deployment_id"], run["exec_id"], file: file, line: line)
        for (path, bytes) in PipelineTests.stateFiles(out + "/state") {
            XCTAssertFalse(String(decoding: bytes, as: UTF8.self).contains("example-token"),
                           "\(path) keeps the Authorization header of the captured request", file: file, line: line)
        }

        let result = try document(out + "/regression.result.json")
        XCTAssertEqual(result["schema_version"], "lp.regression.run.result@0.2.0", file: file, line: line)
        XCTAssertEqual(result["ok"], true, file: file, line: line)
        XCTAssertEqual(result["incident_id"], bundle["incident_id"], file: file, line: line)
        XCTAssertEqual(result["incident_status_after"], "generated", file: file, line: line)
        try assertValid(out + "/regression.result.json", as: "lp.regression.run.result@0.2.0", file: file, line: line)
        let fixtures = out + "/regressions/hello_api_5xx"
        for name in ["regression.request.json", "replay.trace.json", "http.test.sh"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: fixtures + "/" + name), "\(fixtures)/\(name)", file: file, line: line)
        }
        try assertValid(fixtures + "/replay.trace.json", as: "x07.app.trace@0.1.0", file: file, line: line)
        try assertValid(fixtures + "/regression.request.json", as: "lp.regression.request@0.2.0", file: file, line: line)
        let syntax = try StageProcess.run("/bin/sh", ["-n", fixtures + "/http.test.sh"])
        XCTAssertEqual(syntax.status, 0, "http.test.sh: \(syntax.stderr)", file: file, line: line)
    }

    func testMakeDryRunPrintsEachStageInPipelineOrderAndRunsNothing() throws {
        let out = StageProcess.temporaryDirectory() + "/release"
        let dryRun = try make(["-n"], out: out)
        XCTAssertEqual(dryRun.status, 0, dryRun.stderr)
        let commands = dryRun.stdoutText.split(separator: "\n").filter { !$0.hasPrefix("make") && !$0.hasPrefix("  ") }
        let expected = ["scripts/make-example-packs", "/lp-validate ", "/lp-plan ", "/lp-apply ", "/lp-query deploy ",
                        "/lp-incident capture ", "/lp-regress from-incident ", "/x07lpd ui export "]
        XCTAssertEqual(commands.count, expected.count, dryRun.stdoutText)
        for (command, stage) in zip(commands, expected) {
            XCTAssertTrue(command.contains(stage), "expected \(stage) in: \(command)")
        }
        for name in ["execution.planned.json", "execution.plan.json", "execution.run.json", "deploy.summary.json",
                     "incident.bundle.json", "regression.result.json", "ui.export.json"] {
            XCTAssertTrue(dryRun.stdoutText.contains("> \(out)/\(name)"), "make -n does not show where \(name) goes")
        }
        XCTAssertTrue(dryRun.stdoutText.contains("--now-unix-ms 1767225600000"), "the pinned time is visible")
        XCTAssertFalse(["$(", "`"].contains { dryRun.stdoutText.contains($0) }, "make -n shows plain commands")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out), "make -n ran something")
    }

    func testMakeRunsTheDeployHalfAndKeepsEveryDocument() throws {
        let out = StageProcess.temporaryDirectory() + "/release"
        let result = try make(["query"], out: out)
        XCTAssertEqual(result.status, 0, result.stderr)
        guard result.status == 0 else { return }
        try assertPromoted(out: out)
        // The documents are make's targets: a second make has nothing to do.
        let again = try make(["-q", "query"], out: out)
        XCTAssertEqual(again.status, 0, "make -q query: the pipeline is not up to date after a run")
        let clean = try make(["clean"], out: out)
        XCTAssertEqual(clean.status, 0, clean.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    }

    /// Needs lp-incident and lp-regress (issue 6).
    func testMakeRunsTheWholeJobUpToTheRegression() throws {
        let out = StageProcess.temporaryDirectory() + "/release"
        let result = try make([], out: out)
        XCTAssertEqual(result.status, 0, result.stderr)
        guard result.status == 0 else { return }
        try assertPromoted(out: out)
        try assertIncidentAndRegression(out: out)
    }

    func testMakeStopsAtADeniedIntakeAndKeepsNoDocumentOfIt() throws {
        let out = StageProcess.temporaryDirectory() + "/release"
        let result = try make(["query", "OPS=ops.blue_green.denied.json", "POLICY=policy.deny-blue-green.json"], out: out)
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("LP_GATE_REJECTED"), result.stderr)
        // .DELETE_ON_ERROR: the next make runs intake again instead of planning a rejected change.
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/execution.planned.json"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/execution.plan.json"))
    }

    /// Needs lp-incident and lp-regress (issue 6).
    func testCIScriptRunsTheReleaseWithPlainPipesAndSaysWhereEachDocumentIs() throws {
        for shell in [["/bin/sh"], [try ShellTools.path("bash"), "-o", "pipefail"]] {
            let out = StageProcess.temporaryDirectory() + "/ci"
            let result = try ci(shell, out: out)
            XCTAssertEqual(result.status, 0, "\(shell): \(result.stderr)")
            guard result.status == 0 else { continue }
            try assertPromoted(out: out)
            try assertIncidentAndRegression(out: out)
            let listed = result.stdoutText.split(separator: "\n").filter { $0.hasPrefix("  " + out + "/") && $0.hasSuffix(".json") }
            XCTAssertEqual(listed.count, 6, result.stdoutText)
            for line in listed {
                XCTAssertTrue(FileManager.default.fileExists(atPath: line.trimmingCharacters(in: .whitespaces)), String(line))
            }
        }
    }

    /// With and without pipefail, a denied intake ends the script with the gate's exit code.
    func testCIScriptExitsWithTheCodeOfADeniedIntake() throws {
        for shell in [["/bin/sh"], [try ShellTools.path("bash"), "-o", "pipefail"]] {
            let out = StageProcess.temporaryDirectory() + "/ci"
            let result = try ci(shell, out: out, ["OPS": "ops.blue_green.denied.json", "POLICY": "policy.deny-blue-green.json"])
            XCTAssertEqual(result.status, 13, "\(shell): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("LP_GATE_REJECTED"), result.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/incident.bundle.json"), "the script went on after the denial")
            let summary = [UInt8](FileManager.default.contents(atPath: out + "/deploy.summary.json") ?? Data())
            let intake = [UInt8](FileManager.default.contents(atPath: out + "/execution.planned.json") ?? Data())
            XCTAssertTrue(PipelineTests.passesTheFailureOn(summary, upstream: intake, code: 13), "a summary of a denied change")
        }
    }
}
