import Foundation
import XCTest

/// Every stage and command answers `--help` with exit 0, a synopsis, its flags, an example and
/// its exit codes; every flag the help lists is one the command accepts, and others are refused.
final class HelpTests: XCTestCase {
    static let stages = ["lp-validate", "lp-plan", "lp-apply", "lp-incident", "lp-regress", "lp-query"]

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

    func testVersionAndWrapperHelp() throws {
        let version = try StageProcess.run(StageProcess.binary("lp-validate"), ["--version"])
        XCTAssertEqual(version.status, 0)
        XCTAssertTrue(version.stdoutText.hasPrefix("lp-validate "))
        let wrapper = try StageProcess.x07lp(["--help"])
        XCTAssertEqual(wrapper.status, 0)
        for verb in ["deploy accept", "deploy run", "deploy pause", "app kill", "platform kill", "state verify", "schema list",
                     "canon", "digest", "help exit-codes", "--explain"] {
            XCTAssertTrue(wrapper.stdoutText.contains(verb), verb)
        }
        let unknown = try StageProcess.x07lp(["frobnicate"])
        XCTAssertEqual(unknown.status, 2)
    }
}
