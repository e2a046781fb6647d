import LPCore
import LPCatalog
import Foundation
import XCTest

/// The man pages and shell completions scripts/install ships are generated from the command
/// declarations: every flag a command declares is in its page and completes in bash; the pages
/// format without a troff warning.
final class ManPageAndCompletionTests: XCTestCase {
    static let pages = ["x07lp"] + CatalogStage.stages.map(\.name) + [CatalogStage.daemon.name] + CatalogStage.servers.map(\.name)

    func catalog(_ arguments: [String]) throws -> StageResult {
        let result = try StageProcess.run(StageProcess.binary("lp-catalog"), arguments)
        XCTAssertEqual(result.status, 0, result.stderr)
        return result
    }

    func testEveryPageFormatsCleanlyAndNamesEveryFlag() throws {
        let groff = "/usr/bin/groff"
        for name in Self.pages {
            let page = try catalog(["man", name])
            XCTAssertTrue(page.stdoutText.contains(".TH \"\(name.uppercased().replacingOccurrences(of: "-", with: "\\-"))\" 1"), name)
            if FileManager.default.isExecutableFile(atPath: groff) {
                let file = StageProcess.temporaryDirectory() + "/\(name).1"
                try Data(page.stdout).write(to: URL(fileURLWithPath: file))
                let formatted = try StageProcess.run(groff, ["-man", "-Tutf8", "-ww", "-z", file])
                XCTAssertEqual(formatted.stderr, "", "\(name).1 has troff warnings")
            }
            let text = page.stdoutText.replacingOccurrences(of: "\\-", with: "-")
            let stages = name == "x07lp" ? CatalogStage.stages : (CatalogStage.stages + [CatalogStage.daemon]).filter { $0.name == name }
            let specs = stages.flatMap { $0.commands.map(\.spec) } + CatalogStage.servers.filter { $0.name == name }
            XCTAssertFalse(specs.isEmpty, name)
            for spec in specs {
                for option in spec.options where !["--help", "--version"].contains(option.name) || name != "x07lp" {
                    XCTAssertTrue(text.contains(option.name), "\(name)(1) does not name \(option.name) (\(spec.name))")
                }
            }
        }
        for verb in VerbCatalog.verbs {
            XCTAssertTrue(try catalog(["man", "x07lp"]).stdoutText.contains(verb.name.replacingOccurrences(of: "-", with: "\\-")),
                          "x07lp(1) lacks \(verb.name)")
        }
        XCTAssertEqual(try StageProcess.run(StageProcess.binary("lp-catalog"), ["man", "lp-nothing"]).status, 2)
    }

    /// Sources the bash completion and asks it what completes after the given words.
    func bashComplete(_ words: [String]) throws -> [String] {
        let script = StageProcess.temporaryDirectory() + "/x07lp.bash"
        try Data(try catalog(["completions", "bash"]).stdout).write(to: URL(fileURLWithPath: script))
        let quoted = words.map { "'" + $0 + "'" }.joined(separator: " ")
        let probe = "source \(script); COMP_WORDS=(\(quoted)); COMP_CWORD=\(words.count - 1); _x07lp; printf '%s\\n' \"${COMPREPLY[@]}\""
        let result = try StageProcess.run("/bin/bash", ["--norc", "-c", probe])
        XCTAssertEqual(result.status, 0, result.stderr)
        return result.stdoutText.split(separator: "\n").map(String.init)
    }

    func testBashCompletesVerbsAndTheFlagsOfEachVerb() throws {
        XCTAssertEqual(try bashComplete(["x07lp", "dep"]), ["deploy"])
        XCTAssertEqual(Set(try bashComplete(["x07lp", "deploy", "s"])), ["status", "stop"])
        XCTAssertEqual(try bashComplete(["x07lp", "deploy", "run", "--metrics-d"]), ["--metrics-dir"])
        XCTAssertEqual(try bashComplete(["x07lp", "deploy", "list", "--li"]), ["--limit"])
        XCTAssertTrue(try bashComplete(["x07lp", "deploy", "accept", "--"]).contains("--change"))
        XCTAssertEqual(try bashComplete(["lp-query", "inc"]), ["incidents", "incident"])
        XCTAssertEqual(try bashComplete(["lp-apply", "control", "deploy", "pro"]), ["promote"])
        XCTAssertTrue(try bashComplete(["lp-plan", "--"]).contains("--plan"))
        // After a flag that takes a value, file names (none match this prefix).
        XCTAssertEqual(try bashComplete(["x07lp", "deploy", "run", "--plan", "/nonexistent/x"]), [])
    }

    func testZshCompletionDeclaresEveryProgram() throws {
        let zsh = try catalog(["completions", "zsh"]).stdoutText
        XCTAssertTrue(zsh.hasPrefix("#compdef x07lp " + CatalogStage.stages.map(\.name).joined(separator: " ") + "\n"), zsh)
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/zsh") {
            let file = StageProcess.temporaryDirectory() + "/_x07lp"
            try Data(zsh.utf8).write(to: URL(fileURLWithPath: file))
            XCTAssertEqual(try StageProcess.run("/usr/bin/zsh", ["-n", file]).status, 0)
        }
        XCTAssertEqual(try StageProcess.run(StageProcess.binary("lp-catalog"), ["completions", "fish"]).status, 2)
    }
}
