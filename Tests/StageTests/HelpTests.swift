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

/// Every stage and command answers `--help` with exit 0, a synopsis, its flags, an example and
/// its exit codes; every flag the help lists is one the command accepts, and others are refused.
/// Every x07lp verb has help naming its flags, and `--explain` prints the pipeline of each flow.
final class HelpTests: XCTestCase {
    static let stages = ["lp-validate", "lp-plan", "lp-apply", "lp-incident", "lp-regress", "lp-query", "lp-release"]

    /// Command word paths listed in a stage's overview (`COMMANDS:` section).
    func commands(of stage: String) throws -> [[String]] {
        let overview = try StageProcess.run(StageProcess.binary(stage), ["--help"])
        XCTAssertEqual(overview.status, 0, stage)
        let lines = overview.stdoutText.split(separator: "\n", omittingEmptySubsequences: false)
        guard let start = lines.firstIndex(of: "COMMANDS:") else { return [[]] }
        return lines[(start + 1)...].prefix { $0.hasPrefix("  ") }.map { line in
            let words = line.trimmingCharacters(in: .whitespaces).components(separatedBy: "  ")[0]
            return words == "(default)" ? [] : words.split(separator: " ").map(String.init)
        }
    }

    func testEveryCommandHasCompleteHelpAndAcceptsExactlyItsFlags() throws {
        var checked = 0
        for stage in Self.stages {
            for words in try commands(of: stage) {
                let help = try StageProcess.run(StageProcess.binary(stage), words + ["--help"])
                let label = ([stage] + words).joined(separator: " ")
                XCTAssertEqual(help.status, 0, label)
                for section in ["USAGE:", "OPTIONS:", "EXAMPLES:", "EXIT CODES:"] {
                    XCTAssertTrue(help.stdoutText.contains(section), "\(label) --help lacks \(section)")
                }
                XCTAssertTrue(Self.exitCodes(in: help.stdoutText).isSuperset(of: [0, 2]), "\(label) --help: EXIT CODES without 0 and 2")
                let flags = help.stdoutText.split(separator: "\n").compactMap { line -> (String, Bool)? in
                    let trimmed = line.drop { $0 == " " }
                    guard line.hasPrefix("  --"), let name = trimmed.split(separator: " ").first else { return nil }
                    let takesValue = trimmed.split(separator: " ").dropFirst().first.map { $0.uppercased() == String($0) && $0.first != "(" } ?? false
                    return (String(name), takesValue)
                }
                XCTAssertFalse(flags.isEmpty, label)
                for (flag, takesValue) in flags where !["--help", "--version"].contains(flag) {
                    let args = words + [flag] + (takesValue ? ["1"] : [])
                    let result = try StageProcess.run(StageProcess.binary(stage), args, stdin: [])
                    XCTAssertFalse(result.stderr.contains("unknown option"), "\(label) rejects its own flag \(flag): \(result.stderr)")
                    checked += 1
                }
                let unknown = try StageProcess.run(StageProcess.binary(stage), words + ["--no-such-flag"], stdin: [])
                XCTAssertEqual(unknown.status, 2, label)
                XCTAssertTrue(unknown.stderr.contains("--help"), "\(label): \(unknown.stderr)")
            }
        }
        XCTAssertGreaterThan(checked, 40)
    }

    /// A stage's own `--help` (the overview, or its default command's help) lists its exit codes.
    func testEveryStageHelpListsItsExitCodes() throws {
        for stage in Self.stages {
            let help = try StageProcess.run(StageProcess.binary(stage), ["--help"])
            XCTAssertEqual(help.status, 0, stage)
            XCTAssertTrue(Self.exitCodes(in: help.stdoutText).isSuperset(of: [0, 2]), "\(stage) --help: EXIT CODES without 0 and 2")
        }
    }

    /// The codes listed under `EXIT CODES:` ("  0<TAB>success ...").
    static func exitCodes(in help: String) -> Set<Int> {
        let lines = help.split(separator: "\n", omittingEmptySubsequences: false)
        guard let start = lines.firstIndex(of: "EXIT CODES:") else { return [] }
        return Set(lines[(start + 1)...].prefix { $0.hasPrefix("  ") }.compactMap {
            Int($0.trimmingCharacters(in: .whitespaces).prefix { $0.isNumber })
        })
    }

    /// Every x07lp verb and the flags it accepts besides --state-dir, --now-unix-ms and --json
    /// (docs/testing.md#wrapper-flag-names: the reference flag names).
    static let wrapperVerbs: [(verb: [String], flags: [String])] = [
        (["deploy", "accept"], ["--change", "--pack-dir", "--pack", "--pack-manifest", "--ops", "--slo", "--policy",
                                "--provenance", "--trusted-key"]),
        (["deploy", "run"], ["--deployment-id", "--plan", "--metrics-dir", "--pause-scale"]),
        (["deploy"], ["--change", "--pack", "--plan", "--metrics-dir", "--pause-scale"]),
        (["deploy", "query"], ["--deployment-id", "--app-id", "--env", "--latest", "--view"]),
        (["deploy", "status"], ["--deployment-id", "--app-id", "--env", "--latest"]),
        (["deploy", "pause"], ["--deployment-id", "--reason", "--signing-key"]),
        (["deploy", "resume"], ["--deployment-id", "--reason", "--signing-key"]),
        (["deploy", "stop"], ["--deployment-id", "--reason", "--signing-key"]),
        (["deploy", "rollback"], ["--deployment-id", "--reason", "--signing-key"]),
        (["deploy", "promote"], ["--deployment-id", "--reason", "--signing-key"]),
        (["deploy", "rerun"], ["--deployment-id", "--from-step", "--reason", "--signing-key"]),
        (["incident", "capture"], ["--deployment-id", "--release", "--app-id", "--env", "--request", "--response", "--trace",
                                   "--classification", "--source", "--reason"]),
        (["incident", "list"], ["--deployment-id", "--release", "--app-id", "--env", "--native-only", "--native-classification",
                                "--limit"]),
        (["incident", "get"], ["--incident-id"]),
        (["incident", "resolve"], ["--incident-id", "--reason"]),
        (["regress", "from-incident"], ["--incident-id", "--name", "--out-dir", "--dry-run"]),
        (["app", "list"], []),
        (["app", "kill"], ["--app-id", "--env", "--reason", "--signing-key"]),
        (["app", "unkill"], ["--app-id", "--env", "--reason", "--signing-key"]),
        (["platform", "kill"], ["--reason", "--signing-key"]),
        (["platform", "unkill"], ["--reason", "--signing-key"]),
        (["route"], ["--deployment-id", "--route-key", "--path"]),
        (["schema", "list"], []),
        (["schema", "get"], []),
        (["schema", "validate"], ["--schema", "--in"]),
        (["canon"], ["--in"]),
        (["digest"], ["--canonical"]),
        (["state", "verify"], ["--clean-temp"]),
        (["index", "rebuild"], []),
        (["help", "exit-codes"], []),
        (["device", "release-create"], ["--provider-profile", "--package-manifest", "--package-report", "--out", "--slo-profile",
                                        "--metrics-window-seconds", "--metrics-on-fail"]),
        (["device", "release-validate"], ["--plan", "--provider-profile"]),
        (["device", "release-run"], ["--plan", "--provider-profile", "--package-manifest"]),
        (["device", "release-query"], ["--release", "--latest", "--view"]),
        (["device", "release-observe"], ["--release", "--reason"]),
        (["device", "release-pause"], ["--release", "--reason"]),
        (["device", "release-resume"], ["--release", "--reason"]),
        (["device", "release-halt"], ["--release", "--reason"]),
        (["device", "release-stop"], ["--release", "--reason"]),
        (["device", "release-complete"], ["--release", "--reason"]),
        (["device", "release-rollback"], ["--release", "--reason"]),
        (["device", "release-rerun"], ["--release", "--reason", "--from-step"]),
        (["target", "add"], ["--profile"]),
        (["target", "ls"], []),
        (["target", "inspect"], ["--name"]),
        (["target", "use"], ["--name"]),
        (["target", "rm"], ["--name"]),
        (["adapter", "capabilities"], ["--target"]),
        (["adapter", "conformance"], ["--target", "--fixture"]),
    ]

    func testEveryWrapperVerbHasHelpNamingEachFlagItAccepts() throws {
        for (verb, flags) in Self.wrapperVerbs {
            let label = (["x07lp"] + verb).joined(separator: " ")
            let help = try StageProcess.x07lp(verb + ["--help"])
            XCTAssertEqual(help.status, 0, "\(label) --help: \(help.stderr)")
            for flag in flags + ["--state-dir", "--now-unix-ms", "--json"] {
                // A whole flag: "--pack" must not be satisfied by "--pack-dir".
                let named = help.stdoutText.range(of: flag + "(?![A-Za-z0-9-])", options: .regularExpression) != nil
                XCTAssertTrue(named, "\(label) --help does not mention \(flag)")
            }
            XCTAssertTrue(Self.exitCodes(in: help.stdoutText).isSuperset(of: [0, 2]), "\(label) --help lists no EXIT CODES 0 and 2")
        }
    }

    /// `x07lp --explain VERB ...` prints the stage pipeline the verb would run, on one line: the
    /// stages in order, every value given reaching a stage, and --state-dir reaching every stage.
    func testExplainPrintsThePipelineOfEveryFlowVerb() throws {
        let id = ["--deployment-id", "lpexec_x"], incident = ["--incident-id", "lpinc_x"], reason = ["--reason", "why"]
        let target = ["--app-id", "app.x", "--env", "staging"]
        let flows: [(verb: [String], args: [String], stages: [String])] = [
            (["deploy", "accept"], ["--change", "cr.json", "--pack", "p.tar.zst"], ["lp-validate"]),
            (["deploy", "run"], id + ["--metrics-dir", "m", "--plan", "plan.json"], ["lp-plan", "lp-apply"]),
            (["deploy"], ["--change", "cr.json", "--pack", "p.tar.zst", "--metrics-dir", "m"], ["lp-validate", "lp-plan", "lp-apply"]),
            (["deploy", "query"], id + ["--view", "timeline"], ["lp-query"]),
            (["deploy", "status"], target + ["--latest"], ["lp-query"]),
            (["deploy", "pause"], id + reason, ["lp-apply"]),
            (["deploy", "resume"], id + reason, ["lp-apply"]),
            (["deploy", "stop"], id + reason, ["lp-apply"]),
            (["deploy", "rollback"], id + reason, ["lp-apply"]),
            (["deploy", "promote"], id + reason, ["lp-apply"]),
            (["deploy", "rerun"], id + reason + ["--from-step", "3"], ["lp-apply"]),
            (["incident", "capture"], id + ["--request", "req.json", "--response", "resp.json", "--trace", "trace.json"],
             ["lp-incident", "lp-query"]),
            (["incident", "list"], target, ["lp-query"]),
            (["incident", "get"], incident, ["lp-query"]),
            (["incident", "resolve"], incident + reason, ["lp-incident", "lp-query"]),
            (["regress", "from-incident"], incident + ["--name", "n", "--out-dir", "out"], ["lp-regress"]),
            (["app", "list"], [], ["lp-query"]),
            (["app", "kill"], target + reason, ["lp-apply"]),
            (["app", "unkill"], target + reason, ["lp-apply"]),
            (["platform", "kill"], reason, ["lp-apply"]),
            (["platform", "unkill"], reason, ["lp-apply"]),
            (["route"], id + ["--route-key", "user-1"], ["lp-query"]),
            (["device", "release-run"], ["--plan", "plan.json"], ["lp-release"]),
            (["device", "release-query"], ["--release", "lpdrexec_x", "--view", "full"], ["lp-query"]),
            (["device", "release-pause"], ["--release", "lpdrexec_x"] + reason, ["lp-release"]),
        ]
        for (verb, args, stages) in flows {
            let label = (["x07lp", "--explain"] + verb).joined(separator: " ")
            let result = try StageProcess.x07lp(["--explain"] + verb + args + ["--state-dir", "s"])
            XCTAssertEqual(result.status, 0, "\(label): \(result.stderr)")
            XCTAssertTrue(result.stdoutText.hasSuffix("\n") && result.stdoutText.filter { $0 == "\n" }.count == 1,
                          "\(label) prints one line: \(result.stdoutText)")
            let parts = result.stdoutText.trimmingCharacters(in: .newlines).components(separatedBy: " | ")
            XCTAssertEqual(parts.map { String($0.prefix { $0 != " " }) }, stages, label)
            for part in parts {
                XCTAssertTrue(part.contains(" --state-dir s"), "\(label): \(part) lacks --state-dir")
            }
            let words = Set(parts.flatMap { $0.split(separator: " ").map(String.init) })
            for value in args where !value.hasPrefix("--") {
                XCTAssertTrue(words.contains(value), "\(label) drops \(value): \(result.stdoutText)")
            }
        }
    }

    func testVersionAndWrapperHelp() throws {
        let version = try StageProcess.run(StageProcess.binary("lp-validate"), ["--version"])
        XCTAssertEqual(version.status, 0)
        XCTAssertTrue(version.stdoutText.hasPrefix("lp-validate "))
        let wrapper = try StageProcess.x07lp(["--help"])
        XCTAssertEqual(wrapper.status, 0)
        for verb in ["deploy accept", "deploy run", "deploy pause", "app kill", "platform kill", "state verify", "schema list",
                     "canon", "digest", "help exit-codes", "--explain", "device release-run", "device release-query"] {
            XCTAssertTrue(wrapper.stdoutText.contains(verb), verb)
        }
        let unknown = try StageProcess.x07lp(["frobnicate"])
        XCTAssertEqual(unknown.status, 2)
    }
}
