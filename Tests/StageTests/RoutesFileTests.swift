import LPCore
import Foundation
import XCTest

/// scripts/x07lp routes each flag of a pipeline verb with scripts/x07lp.routes, the table
/// `lp-catalog routes` generates from the stages' own command specs: the committed file must be
/// exactly what the built stages declare, and the wrapper must route by it.
final class RoutesFileTests: XCTestCase {
    static let regenerate = "swift build && .build/debug/lp-catalog routes > scripts/x07lp.routes"

    func testCommittedRoutesFileIsWhatLpCatalogPrints() throws {
        let generated = try StageProcess.run(StageProcess.binary("lp-catalog"), ["routes"])
        XCTAssertEqual(generated.status, 0, generated.stderr)
        let path = StageProcess.repoRoot + "/scripts/x07lp.routes"
        let committed = FileManager.default.contents(atPath: path).map { [UInt8]($0) }
        XCTAssertNotNil(committed, "\(path) is missing; generate it with `\(Self.regenerate)`")
        guard let committed, committed != generated.stdout else { return }
        let old = String(decoding: committed, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        let new = generated.stdoutText.split(separator: "\n", omittingEmptySubsequences: false)
        let line = (0..<min(old.count, new.count)).first { old[$0] != new[$0] } ?? min(old.count, new.count)
        XCTFail("scripts/x07lp.routes differs from what the stages declare (first at line \(line + 1): committed "
                + "\"\(line < old.count ? old[line] : "<end>")\", generated \"\(line < new.count ? new[line] : "<end>")\"); "
                + "regenerate it with `\(Self.regenerate)`")
    }

    func testLpCatalogHelpAndReport() throws {
        let catalog = StageProcess.binary("lp-catalog")
        let overview = try StageProcess.run(catalog, ["--help"])
        XCTAssertEqual(overview.status, 0)
        XCTAssertTrue(overview.stdoutText.contains("routes"), overview.stdoutText)
        let help = try StageProcess.run(catalog, ["routes", "--help"])
        XCTAssertEqual(help.status, 0)
        for section in ["USAGE:", "OPTIONS:", "EXAMPLES:", "EXIT CODES:"] {
            XCTAssertTrue(help.stdoutText.contains(section), "lp-catalog routes --help lacks \(section)")
        }
        XCTAssertEqual(try StageProcess.run(catalog, ["routes", "--no-such-flag"]).status, 2)
        let report = try StageProcess.run(catalog, ["routes", "--report"])
        XCTAssertEqual(report.status, 0, report.stderr)
        let json = try JSONParser.parse(report.stdout)
        let plan = json["result"]?["commands"]?.arrayValue?.first { $0["key"] == "plan" }
        XCTAssertEqual(plan?["stage"], "lp-plan")
        XCTAssertTrue(plan?["values"]?.arrayValue?.contains("--plan") ?? false, report.stdoutText)
        XCTAssertTrue(json["result"]?["common"]?["switches"]?.arrayValue?.contains("--json") ?? false, report.stdoutText)
    }

    func explain(_ arguments: [String], cwd: String? = nil) throws -> String {
        let result = try StageProcess.run(StageProcess.x07lp, ["--explain"] + arguments, cwd: cwd)
        XCTAssertEqual(result.status, 0, result.stderr)
        return result.stdoutText
    }

    /// Intake flags to lp-validate (--change as its --in), --plan to lp-plan, --metrics-dir and
    /// --pause-scale to lp-apply, --deployment-id to lp-plan only (the first stage that reads the
    /// deployment), --ops/--slo to intake only, --state-dir everywhere, --json to the last stage.
    func testDeploySplitsFlagsToTheStagesThatDeclareThem() throws {
        let line = try explain(["deploy", "--pack", "p.tar.zst", "--plan", "plan.json", "--metrics-dir", "m",
                                "--change=cr.json", "--ops", "ops.json", "--slo", "slo.json", "--policy", "a.json",
                                "--policy", "b.json", "--deployment-id", "lpexec_x", "--pause-scale=0",
                                "--state-dir", "s", "--json", "--quiet"])
        XCTAssertEqual(line, "lp-validate --pack p.tar.zst --in=cr.json --ops ops.json --slo slo.json --policy a.json"
                           + " --policy b.json --state-dir s --quiet --report --quiet"
                           + " | lp-plan --plan plan.json --deployment-id lpexec_x --state-dir s --quiet --report --quiet"
                           + " | lp-apply --metrics-dir m --pause-scale=0 --state-dir s --json --quiet\n")
    }

    /// Whether the next word is a flag's value comes from the table: --quiet takes none, so the
    /// word after it is routed on its own.
    func testValueOrSwitchComesFromTheTable() throws {
        let line = try explain(["deploy", "run", "--quiet", "--deployment-id", "lpexec_x", "--pretty", "--metrics-dir", "m"])
        XCTAssertEqual(line, "lp-plan --quiet --deployment-id lpexec_x --report --quiet | lp-apply --quiet --pretty --metrics-dir m\n")
    }

    /// A flag no stage of a pipeline verb declares is refused before any stage runs (the first
    /// stage would already write), also under --explain; a single-stage verb's stage refuses it.
    func testUnknownFlagOfAPipelineIsRefusedBeforeAnyStageRuns() throws {
        for arguments in [["deploy", "run", "--deployment-id", "lpexec_x", "--no-such-flag", "v", "--metrics-dir", "m"],
                          ["deploy", "--change", "cr.json", "--plan-file", "x"]] {
            let flag = arguments.first { $0 == "--no-such-flag" || $0 == "--plan-file" } ?? ""
            let explained = try StageProcess.run(StageProcess.x07lp, ["--explain"] + arguments)
            XCTAssertEqual(explained.status, 2, explained.stderr)
            XCTAssertTrue(explained.stderr.contains("unknown option \(flag)"), explained.stderr)
            XCTAssertEqual(explained.stdoutText, "")
        }
        let state = StageProcess.temporaryDirectory()
        let run = try StageProcess.x07lp(["deploy", "run", "--deployment-id", "lpexec_x", "--no-such-flag", "v",
                                          "--metrics-dir", "m", "--state-dir", state])
        XCTAssertEqual(run.status, 2, run.stderr)
        XCTAssertTrue(run.stderr.contains("unknown option --no-such-flag"), run.stderr)
        let single = try StageProcess.x07lp(["deploy", "stop", "--deployment-id", "lpexec_x", "--no-such-flag", "--state-dir", state])
        XCTAssertEqual(single.status, 2, single.stderr)
        XCTAssertTrue(single.stderr.contains("unknown option --no-such-flag for lp-apply"), single.stderr)
    }

    /// `incident capture | resolve`: lp-query only shows what lp-incident did, so every flag but
    /// the common options goes to lp-incident, which also rejects the ones it does not know.
    func testIncidentVerbsRouteToTheIncidentStage() throws {
        let capture = try explain(["incident", "capture", "--deployment-id", "lpexec_x", "--request", "req.json",
                                   "--response", "resp.json", "--json", "--state-dir", "s"])
        XCTAssertEqual(capture, "lp-incident capture --deployment-id lpexec_x --request req.json --response resp.json"
                              + " --state-dir s --report --quiet | lp-query incident --view full --json --state-dir s\n")
        let resolve = try explain(["incident", "resolve", "--incident-id", "lpinc_x", "--view", "summary"])
        XCTAssertEqual(resolve, "lp-incident resolve --incident-id lpinc_x --view summary --report --quiet"
                              + " | lp-query incident --view full\n")
    }

    /// The wrapper finds its table next to itself whatever the working directory.
    func testWrapperRunsFromAnyDirectory() throws {
        let line = try explain(["deploy", "accept", "--change", "cr.json", "--pack-dir", "pack"],
                               cwd: StageProcess.temporaryDirectory())
        XCTAssertEqual(line, "lp-validate --in cr.json --pack-dir pack\n")
    }

    /// The wrapper's usage lists each verb's flags from the table.
    func testUsageListsFlagsFromTheTable() throws {
        let usage = try StageProcess.x07lp(["--help"])
        XCTAssertEqual(usage.status, 0, usage.stderr)
        for flag in ["--change FILE", "--pack-manifest NAME", "--metrics-dir DIR", "--trusted-key PEM...",
                     "--from-step N", "--classification C", "--state-dir DIR", "--now-unix-ms MS"] {
            XCTAssertTrue(usage.stdoutText.contains(flag), "x07lp --help lacks \(flag):\n\(usage.stdoutText)")
        }
    }
}
