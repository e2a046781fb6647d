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

/// End to end: lp-validate's tools through scripts/x07lp, as a user runs them.
final class ValidateToolsTests: XCTestCase {
    func testCanonReproducesEveryRFC8785VectorThroughX07lp() throws {
        let jcs = try Upstream.require("jcs")
        let names = try FileManager.default.contentsOfDirectory(atPath: jcs + "/input").sorted()
        XCTAssertFalse(names.isEmpty)
        for name in names {
            let input = try [UInt8](Data(contentsOf: URL(fileURLWithPath: jcs + "/input/" + name)))
            let expected = try [UInt8](Data(contentsOf: URL(fileURLWithPath: jcs + "/output/" + name)))
            let result = try StageProcess.x07lp(["canon"], stdin: input)
            XCTAssertEqual(result.status, 0, result.stderr)
            XCTAssertEqual(result.stdout, expected, name)
        }
    }

    func testDigestOfAFileAndOfCanonicalJSON() throws {
        let dir = StageProcess.temporaryDirectory()
        let file = dir + "/doc.json"
        try Data("{ \"b\": 1, \"a\": 2 }".utf8).write(to: URL(fileURLWithPath: file))
        let raw = try StageProcess.x07lp(["digest", file])
        XCTAssertEqual(raw.status, 0, raw.stderr)
        XCTAssertTrue(raw.stdoutText.contains("\"bytes_len\":18"), raw.stdoutText)
        let canonical = try StageProcess.x07lp(["digest", "--canonical", file])
        let expected = try StageProcess.x07lp(["canon", "--in", file])
        let digestOfCanon = try StageProcess.run("/usr/bin/sha256sum", [], stdin: expected.stdout)
        XCTAssertEqual(expected.stdoutText, #"{"a":2,"b":1}"#)
        XCTAssertEqual(canonical.stdoutText,
                       "{\"bytes_len\":13,\"sha256\":\"\(digestOfCanon.stdoutText.prefix(64))\"}\n")
        let missing = try StageProcess.x07lp(["digest", dir + "/nope"])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains("LP_NOT_FOUND"))
    }

    func testSchemaListAndGet() throws {
        let list = try StageProcess.x07lp(["schema", "list"])
        XCTAssertEqual(list.status, 0, list.stderr)
        for name in ["lp.deploy.execution@0.1.0", "lp.change_request@0.1.0", "lp.cli.report@0.1.0", "x07.app.pack@0.1.0"] {
            XCTAssertTrue(list.stdoutText.contains("\"\(name)\""), name)
        }
        let get = try StageProcess.x07lp(["schema", "get", "lp.change_request@0.1.0"])
        XCTAssertEqual(get.status, 0, get.stderr)
        XCTAssertTrue(get.stdoutText.contains("\"$id\":\"https://x07.io/spec/lp.change_request.schema.json\""))
        let unknown = try StageProcess.x07lp(["schema", "get", "lp.nope@9"])
        XCTAssertEqual(unknown.status, 2)
    }

    func testSchemaValidateAcceptsUpstreamExamplesAndRejectsAMissingRequiredField() throws {
        let examples = try Upstream.require("lp-contracts-examples")
        let contracts = try Upstream.require("lp-contracts")
        let names = try FileManager.default.contentsOfDirectory(atPath: examples).filter { $0.hasSuffix(".example.json") }.sorted()
        XCTAssertFalse(names.isEmpty)
        let work = StageProcess.temporaryDirectory()
        for name in names {
            let schema = contracts + "/" + name.replacingOccurrences(of: ".example.json", with: ".schema.json")
            let example = examples + "/" + name
            let ok = try StageProcess.x07lp(["schema", "validate", "--schema", schema, "--in", example])
            XCTAssertEqual(ok.status, 0, "\(name): \(ok.stderr)")

            // Remove the first required top-level field (sorted, so the test is deterministic).
            let schemaDoc = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: schema))) as? [String: Any]
            var doc = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: example))) as? [String: Any] ?? [:]
            guard let field = (schemaDoc?["required"] as? [String])?.sorted().first else { continue }
            doc.removeValue(forKey: field)
            let broken = work + "/" + name
            try JSONSerialization.data(withJSONObject: doc).write(to: URL(fileURLWithPath: broken))
            let bad = try StageProcess.x07lp(["schema", "validate", "--schema", schema, "--in", broken, "--json"])
            XCTAssertEqual(bad.status, 3, name)
            XCTAssertTrue(bad.stderr.contains("LP_SCHEMA_VIOLATION"), bad.stderr)
            XCTAssertTrue(bad.stdoutText.contains("\"pointer\":\"/\(field)\""), "\(name): \(bad.stdoutText)")
        }
    }

    func testMalformedInputsExitThreeWithAClearDiagnostic() throws {
        var cases: [(String, [UInt8], String)] = [
            ("invalid JSON", Array("{\"a\":".utf8), "LP_JSON_SYNTAX"),
            ("invalid UTF-8", [0x22, 0xC3, 0x28, 0x22], "LP_JSON_INVALID_UTF8"),
            ("10,000 deep", Array((String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)).utf8),
             "LP_JSON_TOO_DEEP"),
            ("1e400", Array("{\"n\":1e400}".utf8), "LP_JSON_NUMBER_OUT_OF_RANGE"),
            ("empty", [], "LP_INPUT_EMPTY"),
        ]
        var huge: [UInt8] = [0x22]
        huge += [UInt8](repeating: 0x61, count: 100 << 20)
        huge.append(0x22)
        cases.append(("100 MB string", huge, "LP_INPUT_TOO_LARGE"))
        for (label, bytes, code) in cases {
            for args in [["canon"], ["schema", "validate", "--schema", "lp.change_request@0.1.0"]] {
                let result = try StageProcess.x07lp(args, stdin: bytes)
                XCTAssertEqual(result.status, 3, "\(label) via \(args): \(result.stderr)")
                XCTAssertTrue(result.stderr.contains("error[\(code)]"), "\(label): \(result.stderr.prefix(300))")
                XCTAssertTrue(result.stdoutIsOnlyTheFailedReport, label)
            }
        }
        // A 100 MB string is still refused by the string cap when the document cap is raised.
        let raised = try StageProcess.x07lp(["canon"], stdin: huge, environment: ["X07LP_MAX_DOC_BYTES": String(200 << 20)])
        XCTAssertEqual(raised.status, 3)
        XCTAssertTrue(raised.stderr.contains("LP_JSON_STRING_TOO_LONG"), raised.stderr)
    }

    func testReportEnvelopeOnFailure() throws {
        let result = try StageProcess.x07lp(["canon", "--json"], stdin: Array("[1,".utf8))
        XCTAssertEqual(result.status, 3)
        let report = try JSONSerialization.jsonObject(with: Data(result.stdout)) as? [String: Any]
        XCTAssertEqual(report?["schema_version"] as? String, "lp.cli.report@0.1.0")
        XCTAssertEqual(report?["ok"] as? Bool, false)
        XCTAssertEqual(report?["exit_code"] as? Int, 3)
        XCTAssertEqual(report?["command"] as? String, "canon")
        let diagnostics = report?["diagnostics"] as? [[String: Any]]
        XCTAssertEqual(diagnostics?.first?["code"] as? String, "LP_JSON_SYNTAX")
        XCTAssertEqual(diagnostics?.first?["stage"] as? String, "parse")
    }

    func testTTYStdinPrintsUsageAndExitsTwo() throws {
        // `script` gives the stage a pseudo-terminal as stdin; it must not wait for typing.
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/script") else { throw XCTSkip("no script(1)") }
        let bin = StageProcess.binary("lp-validate")
        let result = try StageProcess.run("/usr/bin/timeout", ["10", "/usr/bin/script", "-qec", "\(bin) canon", "/dev/null"])
        XCTAssertEqual(result.status, 2, result.stdoutText)
        XCTAssertTrue(result.stdoutText.contains("no input"), result.stdoutText)
    }

    func testExitCodesTableAndExplain() throws {
        let table = try StageProcess.x07lp(["help", "exit-codes"])
        XCTAssertEqual(table.status, 0)
        for code in ["  0", "  2", "  3", " 12", " 13", " 14", " 15", " 16", " 17", " 26", " 50"] {
            XCTAssertTrue(table.stdoutText.contains("\n\(code)  ") || table.stdoutText.hasPrefix("\(code)  "), code)
        }
        let explain = try StageProcess.x07lp(["--explain", "schema", "validate", "--schema", "a b", "--in", "x.json"])
        XCTAssertEqual(explain.status, 0)
        XCTAssertEqual(explain.stdoutText, "lp-validate schema validate --schema 'a b' --in x.json\n")
    }
}
