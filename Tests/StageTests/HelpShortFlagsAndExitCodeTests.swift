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

/// `-h` is `--help` everywhere, a group of commands (`lp-apply control`) has help of its own,
/// other short flags are usage errors that say what to type, and `help exit-codes` documents the
/// exit code of every way a deploy run ends.
final class HelpShortFlagsAndExitCodeTests: XCTestCase {
    func testDashHIsHelpForEveryStageCommandAndWrapperVerb() throws {
        for stage in HelpTests.stages {
            let definition = [ValidateStage.definition, PlanStage.definition, ApplyStage.definition, IncidentStage.definition,
                              RegressStage.definition, QueryStage.definition].first { $0.name == stage }
            for words in definition?.commands.map(\.words) ?? [] {
                let long = try StageProcess.run(StageProcess.binary(stage), words + ["--help"])
                let short = try StageProcess.run(StageProcess.binary(stage), words + ["-h"])
                let label = ([stage] + words).joined(separator: " ")
                XCTAssertEqual(short.status, 0, "\(label) -h: \(short.stderr)")
                XCTAssertEqual(short.stdoutText, long.stdoutText, label)
            }
        }
        for (verb, _) in HelpTests.wrapperVerbs {
            let label = (["x07lp"] + verb).joined(separator: " ")
            let long = try StageProcess.x07lp(verb + ["--help"])
            let short = try StageProcess.x07lp(verb + ["-h"])
            XCTAssertEqual(short.status, 0, "\(label) -h: \(short.stderr)")
            XCTAssertEqual(short.stdoutText, long.stdoutText, label)
        }
        for group in ["schema", "app", "platform", "state", "index", "incident", "regress"] {
            let help = try StageProcess.x07lp([group, "-h"])
            XCTAssertEqual(help.status, 0, "x07lp \(group) -h: \(help.stderr)")
            XCTAssertTrue(help.stdoutText.contains("VERBS"), group)
        }
    }

    /// `lp-apply control --help` lists the control commands (exit 0); `lp-apply control` alone
    /// names them on stderr (exit 2).
    func testAGroupOfCommandsHasHelp() throws {
        let apply = StageProcess.binary("lp-apply")
        for args in [["control", "--help"], ["control", "-h"], ["control", "deploy", "--help"]] {
            let help = try StageProcess.run(apply, args)
            XCTAssertEqual(help.status, 0, "\(args): \(help.stderr)")
            XCTAssertTrue(help.stdoutText.contains("control deploy pause") && help.stdoutText.contains("control deploy rerun"),
                          help.stdoutText)
            XCTAssertEqual(help.stdoutText.contains("control app kill"), args.count == 2, "\(args): \(help.stdoutText)")
            XCTAssertTrue(help.stdoutText.contains("EXIT CODES:"), help.stdoutText)
        }
        let bare = try StageProcess.run(apply, ["control"])
        XCTAssertEqual(bare.status, 2)
        XCTAssertTrue(bare.stderr.contains("control platform kill"), bare.stderr)
        let unknown = try StageProcess.run(apply, ["controls", "--help"])
        XCTAssertEqual(unknown.status, 2)
        XCTAssertTrue(unknown.stderr.contains("unknown command"), unknown.stderr)
    }

    /// `-x` is an error (exit 2) saying that options are spelled out and how to get help, not a
    /// positional; `-p` names the long options it could mean.
    func testUnknownShortFlagsAreUsageErrors() throws {
        let state = StageProcess.temporaryDirectory()
        let cases: [(String, [String], String)] = [
            (StageProcess.binary("lp-query"), ["deploy", "-x"], "lp-query deploy --help"),
            (StageProcess.binary("lp-validate"), ["-p", "pack"], "did you mean --pack"),
            (StageProcess.binary("lp-validate"), ["digest", "-c", "file"], "did you mean --canonical"),
            (StageProcess.x07lp, ["deploy", "query", "--deployment-id", "lpexec_x", "-v", "summary"], "two dashes"),
            (StageProcess.x07lp, ["deploy", "run", "--deployment-id", "lpexec_x", "-x"], "unknown option -x for lp-apply"),
        ]
        for (binary, args, says) in cases {
            let result = try StageProcess.run(binary, args + ["--state-dir", state], stdin: [])
            XCTAssertEqual(result.status, 2, "\(args): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("LP_USAGE") && result.stderr.contains(says), "\(args): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("--help"), "\(args): \(result.stderr)")
        }
    }

    /// Every way a run of the step machine ends is in `help exit-codes` with the exit code and
    /// diagnostic `RunEnding` gives it; the endings that exit 0 without a promotion say so, and
    /// the code-0 line points there.
    func testHelpExitCodesDocumentsEveryRunEnding() throws {
        let text = try StageProcess.x07lp(["help", "exit-codes"])
        XCTAssertEqual(text.status, 0, text.stderr)
        let lines = text.stdoutText.split(separator: "\n").map(String.init)
        for ending in RunEnding.allCases {
            let row = lines.first { $0.split(separator: " ").dropFirst().first.map(String.init) == ending.label }
            XCTAssertNotNil(row, "no line for \(ending.label):\n\(text.stdoutText)")
            let words = row?.split(separator: " ").map(String.init) ?? []
            XCTAssertEqual(words.first, String(ending.exitCode.rawValue), row ?? "")
            XCTAssertEqual(words.dropFirst(2).first, ending.diagnosticCode ?? "(none)", row ?? "")
            if ending.exitsZeroWithoutPromotion { XCTAssertTrue(row?.contains("NOT promoted") ?? false, row ?? "") }
        }
        XCTAssertEqual(Set(RunEnding.allCases.filter(\.exitsZeroWithoutPromotion)), [.paused, .stopped, .awaitingPromote])
        let zero = lines.first { $0.hasPrefix("  0  ") } ?? ""
        XCTAssertTrue(zero.contains("paused") && zero.contains("stopped") && zero.contains("help exit-codes"), zero)

        let report = try JSONParser.parse(try StageProcess.x07lp(["help", "exit-codes", "--json"]).stdout)
        let rows = report["result"]?["run_endings"]?.arrayValue ?? []
        XCTAssertEqual(rows.count, RunEnding.allCases.count)
        for (row, ending) in zip(rows, RunEnding.allCases) {
            XCTAssertEqual(row["ending"]?.stringValue, ending.label)
            XCTAssertEqual(row["exit_code"], .number(Double(ending.exitCode.rawValue)))
            XCTAssertEqual(row["diagnostic_code"], ending.diagnosticCode.map(JSON.string) ?? .null)
            XCTAssertEqual(row["promoted"], .bool(ending == .promoted))
        }
    }
}
