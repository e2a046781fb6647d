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

/// lp-query over the derived index: the reference query templates that this engine's records
/// already satisfy, and an index that is deleted or corrupted behind the queries' back.
final class QueryTests: XCTestCase {
    static func promoted() throws -> (state: String, id: String) {
        let state = StageProcess.temporaryDirectory()
        let id = try DeployLoopTests.accept(state: state)
        XCTAssertEqual(try DeployLoopTests.run("promote", state: state, id: id).status, 0)
        return (state, id)
    }

    func query(_ args: [String], state: String) throws -> StageResult {
        try StageProcess.x07lp(args + ["--state-dir", state, "--json"])
    }

    func check(_ result: StageResult, _ template: String, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(result.status, 0, result.stderr, file: file, line: line)
        let expected = try TemplateMatch.load(try Upstream.require(template))
        XCTAssertEqual(TemplateMatch.mismatches(expected: expected, actual: try JSONParser.parse(result.stdout)), [],
                       result.stdoutText, file: file, line: line)
    }

    func testEveryQueryTemplateAndTheAppListMatch() throws {
        let (state, id) = try Self.promoted()
        try check(try query(["deploy", "query", "--deployment-id", id, "--view", "summary"], state: state),
                  "fixtures/deploy_loop/query/expected/query.summary.report.json")
        try check(try query(["deploy", "query", "--deployment-id", id, "--view", "timeline"], state: state),
                  "fixtures/deploy_loop/query/expected/query.timeline.report.json")
        try check(try query(["deploy", "query", "--deployment-id", id, "--view", "decisions"], state: state),
                  "fixtures/deploy_loop/query/expected/query.decisions.report.json")
        try check(try query(["deploy", "query", "--deployment-id", id, "--view", "artifacts"], state: state),
                  "fixtures/deploy_loop/query/expected/query.artifacts.report.json")
        try check(try query(["deploy", "query", "--app-id", "app_min", "--env", "staging", "--latest", "--view", "full"], state: state),
                  "fixtures/deploy_loop/query/expected/query.latest.report.json")
        try check(try query(["app", "list"], state: state), "fixtures/control_plane/app_list/expected/app.list.report.json")
        let contracts = try Upstream.require("lp-contracts")
        for (args, contract) in [(["deploy", "query", "--deployment-id", id, "--view", "full"], "lp.deploy.query.result"),
                                 (["app", "list"], "lp.app.list.result")] {
            let result = try query(args, state: state)
            let file = StageProcess.temporaryDirectory() + "/result.json"
            try Data((try JSONParser.parse(result.stdout)["result"] ?? .null).canonicalBytes).write(to: URL(fileURLWithPath: file))
            for schema in ["\(contracts)/\(contract).schema.json", "\(contract)@0.1.0"] {
                let check = try StageProcess.x07lp(["schema", "validate", "--schema", schema, "--in", file])
                XCTAssertEqual(check.status, 0, "\(args) vs \(schema): \(check.stderr)")
            }
        }
    }

    func testLatestOfAnAppAndTheEndOfAPipeline() throws {
        let (state, id) = try Self.promoted()
        let latest = try query(["deploy", "query", "--app-id", "app_min", "--env", "staging", "--latest", "--view", "summary"], state: state)
        XCTAssertEqual(latest.status, 0, latest.stderr)
        XCTAssertEqual(try JSONParser.parse(latest.stdout)["result"]?["deployment_id"], .string(id))
        let execution = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(state)/deploy/\(id).json")))
        let piped = try StageProcess.run(StageProcess.binary("lp-query"), ["deploy", "--view", "summary", "--state-dir", state],
                                         stdin: execution)
        XCTAssertEqual(piped.status, 0, piped.stderr)
        XCTAssertEqual(try JSONParser.parse(piped.stdout)["outcome"], "promoted")
        let missing = try query(["deploy", "query", "--deployment-id", "lpexec_00000000000000000000000000"], state: state)
        XCTAssertEqual(missing.status, 2)
    }

    func testDeletedOrCorruptIndexIsRebuiltAndSaysSo() throws {
        let (state, id) = try Self.promoted()
        let args = ["deploy", "query", "--deployment-id", id, "--view", "summary"]
        _ = try query(args, state: state)
        let warm = try JSONParser.parse(try query(args, state: state).stdout)
        XCTAssertEqual(warm["result"]?["index"]?["rebuilt"], false)
        let db = state + "/index/control_plane.sqlite"
        let damage: [(String, () throws -> Void)] = [
            ("deleted", { try FileManager.default.removeItem(atPath: db) }),
            ("garbage", { try Data(repeating: 0x5A, count: 8192).write(to: URL(fileURLWithPath: db)) }),
            ("empty", { try Data().write(to: URL(fileURLWithPath: db)) }),
            ("truncated", {
                _ = try self.query(["index", "rebuild"], state: state)
                let bytes = try Data(contentsOf: URL(fileURLWithPath: db))
                try bytes.prefix(bytes.count / 3).write(to: URL(fileURLWithPath: db))
            }),
        ]
        for (label, breakIt) in damage {
            try breakIt()
            let result = try query(args, state: state)
            XCTAssertEqual(result.status, 0, "\(label): \(result.stderr)")
            let answer = try JSONParser.parse(result.stdout)
            XCTAssertEqual(answer["result"]?["index"]?["rebuilt"], true, label)
            XCTAssertEqual(answer["result"]?["outcome"], "promoted", label)
        }
        // A record written behind the index's back makes it stale: the next query rebuilds.
        _ = try query(args, state: state)
        var execution = try JSONParser.parse([UInt8](Data(contentsOf: URL(fileURLWithPath: "\(state)/deploy/\(id).json"))))
        execution = execution.setting("status", "aborted")
        try AtomicFile.write(execution.canonicalBytes, to: "\(state)/deploy/\(id).json")
        let stale = try JSONParser.parse(try query(args, state: state).stdout)
        XCTAssertEqual(stale["result"]?["index"]?["rebuilt"], true)
        XCTAssertEqual(stale["result"]?["status"], "aborted")
    }
}

/// Writers keep an existing index current: queries after writes do not rebuild.
final class IncrementalIndexTests: XCTestCase {
    func testWritesUpdateTheIndexSoQueriesDoNotRebuild() throws {
        let state = StageProcess.temporaryDirectory()
        let id = try DeployLoopTests.accept(state: state)
        let first = try JSONParser.parse(try StageProcess.x07lp(["app", "list", "--state-dir", state, "--json"]).stdout)
        XCTAssertEqual(first["result"]?["index"]?["rebuilt"], true, "the first query builds the index")
        XCTAssertEqual(try DeployLoopTests.run("promote", state: state, id: id).status, 0)
        let pause = try StageProcess.x07lp(["app", "kill", "--app-id", "app_min", "--env", "staging", "--reason", "drill",
                                            "--state-dir", state])
        XCTAssertEqual(pause.status, 0, pause.stderr)
        let after = try JSONParser.parse(try StageProcess.x07lp(["deploy", "query", "--deployment-id", id, "--state-dir", state,
                                                                 "--json"]).stdout)
        XCTAssertEqual(after["result"]?["index"]?["rebuilt"], false, "writers updated the index in place")
        XCTAssertEqual(after["result"]?["outcome"], "promoted")
        let apps = try JSONParser.parse(try StageProcess.x07lp(["app", "list", "--state-dir", state, "--json"]).stdout)
        XCTAssertEqual(apps["result"]?["index"]?["rebuilt"], false)
        XCTAssertEqual(apps["result"]?["items"]?.arrayValue?.first?["kill_state"], "app")
    }
}
