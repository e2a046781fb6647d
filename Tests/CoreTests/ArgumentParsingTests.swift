import LPCore
import XCTest

/// The argument parser against a command spec: aliases are stored under the option's own name
/// and listed in help, `-h` is `--help`, and other single-dash words are refused with a message
/// that says what to type.
final class ArgumentParsingTests: XCTestCase {
    static let spec = CommandSpec(
        name: "lp-test run", reportCommand: "test run", summary: "a command to parse against",
        usage: ["lp-test run --ops FILE"],
        options: [OptionSpec("--ops", value: "FILE", aliases: ["--ops-profile"], "the ops profile"),
                  OptionSpec("--pack", value: "DIR", "the pack"),
                  OptionSpec("--latest", aliases: ["--newest"], "the latest one")],
        examples: ["lp-test run --ops o.json"], exitCodes: [.ok, .usage])

    func parse(_ argv: [String]) throws -> ParsedArguments { try ParsedArguments(argv, spec: Self.spec) }

    func usageMessage(_ argv: [String], file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            _ = try parse(argv)
            XCTFail("\(argv) parsed", file: file, line: line)
            return ""
        } catch let error as LPError {
            XCTAssertEqual(error.exitCode, .usage, file: file, line: line)
            XCTAssertEqual(error.diagnostics.first?.code, "LP_USAGE", file: file, line: line)
            return error.diagnostics.first?.message ?? ""
        } catch {
            XCTFail("\(error)", file: file, line: line)
            return ""
        }
    }

    func testAnAliasIsStoredUnderTheOptionsName() throws {
        for argv in [["--ops-profile", "o.json"], ["--ops-profile=o.json"], ["--ops", "o.json"]] {
            let parsed = try parse(argv)
            XCTAssertEqual(parsed.value("--ops"), "o.json", "\(argv)")
            XCTAssertNil(parsed.value("--ops-profile"), "\(argv)")
        }
        XCTAssertTrue(try parse(["--newest"]).has("--latest"))
        XCTAssertEqual(Self.spec.option(named: "--ops-profile")?.name, "--ops")
        // Two spellings of one option are the option given twice.
        XCTAssertTrue(usageMessage(["--ops", "a.json", "--ops-profile", "b.json"]).contains("given twice"))
        XCTAssertTrue(usageMessage(["--newest=1"]).contains("takes no value"))
    }

    func testHelpListsEachAliasOnALineOfItsOwn() {
        let help = Self.spec.helpText
        XCTAssertTrue(help.contains("  --ops FILE"), help)
        XCTAssertTrue(help.range(of: #"\n  --ops-profile FILE +same as --ops\n"#, options: .regularExpression) != nil, help)
        XCTAssertTrue(help.range(of: #"\n  --newest +same as --latest\n"#, options: .regularExpression) != nil, help)
    }

    func testDashHIsHelp() throws {
        XCTAssertTrue(try parse(["-h"]).has("--help"))
        XCTAssertTrue(try parse(["--pack", "p", "-h"]).has("--help"))
        XCTAssertEqual(try parse(["--pack", "-h"]).value("--pack"), "-h", "a flag's value is never an option")
    }

    func testOtherShortFlagsAreRefusedWithWhatToType() throws {
        let unknown = usageMessage(["-x"])
        XCTAssertTrue(unknown.contains("unknown option -x for lp-test run"), unknown)
        XCTAssertTrue(unknown.contains("two dashes") && unknown.contains("`lp-test run --help`"), unknown)
        let pack = usageMessage(["-p", "dir"])
        XCTAssertTrue(pack.contains("did you mean --pack"), pack)
        let spelled = usageMessage(["-ops-profile", "o.json"])
        XCTAssertTrue(spelled.contains("did you mean --ops-profile?"), spelled)
        XCTAssertTrue(usageMessage(["--pack", "p", "-v"]).contains("unknown option -v"))
        // `-` is stdin, and anything after `--` is a positional.
        XCTAssertEqual(try parse(["-"]).positionals, ["-"])
        XCTAssertEqual(try parse(["--", "-x", "--ops"]).positionals, ["-x", "--ops"])
    }
}
