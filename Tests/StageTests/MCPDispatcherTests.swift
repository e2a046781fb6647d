import LPCore
import LPStage
import LPVerbs
@testable import LPMCP
import Foundation
import XCTest

/// The MCP dispatcher in-process: message classification, version negotiation, the tools'
/// schemas against the op table and the verbs, argument checks, and no trap on any input.
final class MCPDispatcherTests: XCTestCase {
    static let missingState = StageProcess.temporaryDirectory() + "/no-state"

    func dispatcher(allowControl: Bool = false, signingKey: String? = nil) -> MCPDispatcher {
        var config = ServerConfig(stateDir: Self.missingState, environment: ["X07LP_CONTRACTS_DIR": StageProcess.repoRoot + "/contracts"])
        config.allowControl = allowControl
        config.signingKey = signingKey
        return MCPDispatcher(config: config)
    }

    func respond(_ dispatcher: MCPDispatcher, _ line: String) -> JSON? {
        dispatcher.respond(to: Array(line.utf8))
    }

    func plan(_ dispatcher: MCPDispatcher, _ tool: LPTool, _ arguments: JSON) throws(RPCError) -> CallPlan {
        try ToolArguments.plan(tool, arguments, config: dispatcher.config, validator: dispatcher.validator)
    }

    func invalidField(_ dispatcher: MCPDispatcher, _ tool: LPTool, _ arguments: JSON,
                      file: StaticString = #filePath, line: UInt = #line) -> String? {
        do throws(RPCError) {
            _ = try plan(dispatcher, tool, arguments)
            XCTFail("\(arguments) was accepted", file: file, line: line)
            return nil
        } catch {
            XCTAssertEqual(error.code, .invalidParams, file: file, line: line)
            return error.data?["field"]?.stringValue
        }
    }

    func testNegotiatesTheProtocolVersion() {
        let server = dispatcher()
        for (asked, answered) in [("2025-11-25", "2025-11-25"), ("2025-06-18", "2025-06-18"), ("2025-03-26", "2025-03-26"),
                                  ("2024-11-05", "2025-11-25"), ("2099-01-01", "2025-11-25")] {
            let response = respond(server, #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"\#(asked)"}}"#)
            XCTAssertEqual(response?["result"]?["protocolVersion"], .string(answered), asked)
            XCTAssertEqual(response?["result"]?["serverInfo"]?["name"], "lp-mcp")
        }
        let missing = respond(server, #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}"#)
        XCTAssertEqual(missing?["error"]?["code"], -32602)
    }

    func testEachMessageGetsTheAnswerJSONRPCAsks() {
        let server = dispatcher()
        let cases: [(String, JSON?)] = [
            (#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#, ["jsonrpc": "2.0", "id": 1, "result": [:]]),
            (#"{"jsonrpc":"2.0","id":"x","method":"ping","params":{}}"#, ["jsonrpc": "2.0", "id": "x", "result": [:]]),
            (#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#, nil),
            (#"{"jsonrpc":"2.0","method":"no/such/notification"}"#, nil),
            (#"{"jsonrpc":"2.0","id":9,"result":{"ok":true}}"#, nil),
            (#"{"jsonrpc":"2.0","id":9,"error":{"code":1,"message":"m"}}"#, nil),
        ]
        for (line, expected) in cases { XCTAssertEqual(respond(server, line), expected, line) }
        let errors: [(String, Int, JSON)] = [
            ("", -32700, .null), ("{", -32700, .null), ("nul", -32700, .null), (#"{"a":1,"a":2}"#, -32700, .null),
            ("[]", -32600, .null), (#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#, -32600, .null), ("42", -32600, .null),
            (#"{"id":1,"method":"ping"}"#, -32600, 1), (#"{"jsonrpc":"2.0","id":1}"#, -32600, 1),
            (#"{"jsonrpc":"2.0","id":1,"method":7}"#, -32600, 1), (#"{"jsonrpc":"2.0","id":1,"method":"ping","params":3}"#, -32600, 1),
            (#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#, -32600, .null), (#"{"jsonrpc":"2.0","id":1.5,"method":"ping"}"#, -32600, .null),
            (#"{"jsonrpc":"2.0","id":{},"method":"ping"}"#, -32600, .null),
            (#"{"jsonrpc":"2.0","id":2,"method":"resources/list"}"#, -32601, 2),
            (#"{"jsonrpc":"2.0","id":3,"method":"tools/call"}"#, -32602, 3),
            (#"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"lp.nope"}}"#, -32602, 3),
        ]
        for (line, code, id) in errors {
            let response = respond(server, line)
            XCTAssertEqual(response?["error"]?["code"]?.intValue, code, line)
            XCTAssertEqual(response?["id"], id, line)
        }
    }

    /// The schemas the tools advertise match the op table, and the op table matches the verbs:
    /// every flag an available op passes is one its verb's stages declare, except the device
    /// line's, which the op refuses by name until that line exists.
    func testTheToolsMatchTheVerbsTheyRun() throws {
        let list = try XCTUnwrap(dispatcher().handle("tools/list", nil)["tools"]?.arrayValue)
        for (tool, listed) in zip(LPTool.allCases, list) {
            XCTAssertEqual(listed["name"], .string(tool.rawValue))
            let schema = try XCTUnwrap(listed["inputSchema"])
            XCTAssertEqual(try SchemaValidator(registry: SchemaRegistry()).validate(["op": .string(tool.ops[0].name)], schema: schema), [])
            let properties = try XCTUnwrap(schema["properties"]?.objectValue)
            XCTAssertEqual(properties["op"]?["enum"]?.arrayValue?.compactMap(\.stringValue), tool.ops.map(\.name))
            for op in tool.ops {
                for field in op.fields.keys { XCTAssertNotNil(properties[field], "\(op.name) takes \(field), not in the schema") }
                guard let pipeline = VerbTable.pipeline(op.verb) else { continue }
                let declared = Set(pipeline.steps.compactMap { StageRunner.command($0.definition, $0.words + $0.fixed)?.0.spec }
                    .flatMap { $0.options.flatMap(\.spellings) })
                for (field, flag) in op.fields {
                    XCTAssertTrue(declared.contains(flag), "\(op.name): \(op.verb) does not take \(flag) (\(field))")
                }
            }
        }
        let available = LPTool.allCases.flatMap(\.ops).filter { VerbTable.pipeline($0.verb) != nil }.map(\.name)
        XCTAssertEqual(available, ["deploy_query", "deploy_status", "incident_list", "incident_get", "app_list", "device_release_list", "device_release_query",
                                   "deploy_accept", "deploy_run", "deploy_pause", "deploy_resume", "deploy_stop", "deploy_rollback",
                                   "deploy_promote", "deploy_rerun", "incident_capture", "incident_resolve", "regress_from_incident",
                                   "app_kill", "app_unkill", "platform_kill", "platform_unkill", "device_release_create",
                                   "device_release_validate", "device_release_run", "device_release_observe", "device_release_pause",
                                   "device_release_resume", "device_release_halt", "device_release_stop", "device_release_complete",
                                   "device_release_rollback", "device_release_rerun"])
    }

    func testArgumentsBecomeTheWordsOfTheVerb() throws {
        let server = dispatcher(allowControl: true, signingKey: "/keys/ops.pem")
        let state = "--state-dir=" + Self.missingState
        let cases: [(LPTool, JSON, [String], [String])] = [
            (.query, ["op": "deploy_query", "deployment": "lpexec_1"], ["deploy", "query"], ["--deployment-id=lpexec_1", "--view=full", state]),
            (.query, ["op": "deploy_query", "app_id": "a", "env": "e", "latest": true, "view": "summary", "deployment": "",
                      "rebuild_index": false, "timeout_ms": 5000, "cursor": ""],
             ["deploy", "query"], ["--app-id=a", "--env=e", "--latest", "--view=summary", state]),
            (.query, ["op": "incident_list", "limit": 7, "state_dir": "/elsewhere"], ["incident", "list"], ["--limit=7", "--state-dir=/elsewhere"]),
            (.control, ["op": "deploy_pause", "deployment": "lpexec_1", "reason": "--help me"], ["deploy", "pause"],
             ["--deployment-id=lpexec_1", "--reason=--help me", "--signing-key=/keys/ops.pem", state]),
            (.control, ["op": "deploy_rerun", "deployment": "d", "reason": "r", "from_step": 2, "now_unix_ms": "1767225600000"],
             ["deploy", "rerun"], ["--deployment-id=d", "--from-step=2", "--now-unix-ms=1767225600000", "--reason=r",
                                   "--signing-key=/keys/ops.pem", state]),
            (.control, ["op": "deploy_run", "deployment": "d", "pause_scale": 0.5, "metrics_dir": "m"], ["deploy", "run"],
             ["--deployment-id=d", "--metrics-dir=m", "--pause-scale=0.5", state]),
            (.control, ["op": "incident_capture", "deployment": "d", "reason": "r", "request_path": "q.json"], ["incident", "capture"],
             ["--deployment-id=d", "--reason=r", "--request=q.json", state]),
        ]
        for (tool, arguments, verb, words) in cases {
            guard case .run(let invocation) = try plan(server, tool, arguments) else { XCTFail("\(arguments) refused"); continue }
            XCTAssertEqual(invocation.op.verb, verb)
            XCTAssertEqual(invocation.arguments, words, "\(arguments)")
        }
    }

    func testInvalidArgumentsNameTheField() {
        let server = dispatcher(allowControl: true)
        let cases: [(LPTool, JSON, String)] = [
            (.query, [:], "op"),
            (.query, ["op": 3], "op"),
            (.query, ["op": "app_list", "limit": 201], "limit"),
            (.query, ["op": "app_list", "limit": "20"], "limit"),
            (.query, ["op": "app_list", "env": .string(String(repeating: "e", count: 129))], "env"),
            (.query, ["op": "app_list", "latest": "yes"], "latest"),
            (.query, ["op": "app_list", "deployment": "d"], "deployment"),
            (.query, ["op": "app_list", "now_unix_ms": "1"], "now_unix_ms"),
            (.query, ["op": "app_list", "cursor": "next"], "cursor"),
            (.query, ["op": "app_list", "report_path": "/etc/passwd"], "report_path"),
            (.query, ["op": "app_list", "report_path": "a/../../b"], "report_path"),
            (.query, ["op": "deploy_query", "view": "everything"], "view"),
            (.query, ["op": "incident_get"], "incident_id"),
            (.control, ["op": "deploy_pause", "reason": "r"], "deployment"),
            (.control, ["op": "deploy_rerun", "deployment": "d", "reason": "r", "from_step": -1], "from_step"),
            (.control, ["op": "incident_capture", "deployment": "d", "release_exec_id": "r", "reason": "x"], "release_exec_id"),
            (.control, ["op": "deploy_accept", "pack_dir": "p"], "change_in"),
            (.control, ["op": "platform_kill", "reason": "r", "now_unix_ms": "soon"], "now_unix_ms"),
        ]
        for (tool, arguments, field) in cases {
            XCTAssertEqual(invalidField(server, tool, arguments), field, "\(arguments)")
        }
        XCTAssertEqual(invalidField(server, .query, "app_list"), "arguments")
    }

    func testCallsTheToolCannotRunAreToolErrors() throws {
        let closed = dispatcher()
        XCTAssertEqual(try plan(closed, .control, ["op": "platform_kill", "reason": "r"]),
                       .refuse("lp.control_v1 is disabled: this server was started without --allow-control (x07lp mcp serve --allow-control). Queries work through lp.query_v1."))
        let open = dispatcher(allowControl: true)
        for (tool, arguments, needle) in [(LPTool.query, ["op": "target_list"] as JSON, "target ls"),
                                          (.control, ["op": "change_new"], "change new")] {
            guard case .refuse(let message) = try plan(open, tool, arguments) else { XCTFail("\(arguments) ran"); continue }
            XCTAssertTrue(message.contains("not available in this build") && message.contains(needle), message)
            let response = open.respond(to: Array((["jsonrpc": "2.0", "id": 1, "method": "tools/call",
                                                    "params": ["name": .string(tool.rawValue), "arguments": arguments]] as JSON).canonicalBytes))
            XCTAssertEqual(response?["result"]?["isError"], true)
        }
    }

    func testAReportPrefixNeverSplitsACharacter() {
        let bytes = Array("ab€d".utf8)
        XCTAssertEqual(ReportFile.prefix(bytes, limit: 2), "ab")
        XCTAssertEqual(ReportFile.prefix(bytes, limit: 3), "ab")
        XCTAssertEqual(ReportFile.prefix(bytes, limit: 4), "ab")
        XCTAssertEqual(ReportFile.prefix(bytes, limit: 5), "ab€")
        XCTAssertEqual(ReportFile.prefix(bytes, limit: 99), "ab€d")
        for path in ["a.json", "a/b/c.json", ".x07/artifacts/mcp/report.json"] { XCTAssertTrue(ReportFile.isSafeRelativePath(path), path) }
        for path in ["", "/a", "a/", "a//b", "./a", "a/../b", "..", "a/."] { XCTAssertFalse(ReportFile.isSafeRelativePath(path), path) }
    }

    /// Valid messages cut short at every byte and with bytes flipped (a fixed seed): each line
    /// gets at most one response, a request's carries its id, and nothing traps.
    func testNoInputMakesItTrap() {
        let server = dispatcher()
        let seeds = [
            #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{}}}"#,
            #"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"lp.query_v1","arguments":{"op":"app_list","limit":3}}}"#,
            #"{"jsonrpc":"2.0","id":"q","method":"tools/call","params":{"name":"lp.control_v1","arguments":{"op":"deploy_pause","reason":"\u00e9"}}}"#,
        ]
        var generator = SplitMix(seed: 0x5eed)
        var answered = 0
        for seed in seeds.map({ Array($0.utf8) }) {
            var lines = (0...seed.count).map { Array(seed[..<$0]) }
            for _ in 0..<300 {
                var line = seed
                for _ in 0...(generator.next() % 3) {
                    line[Int(generator.next() % UInt64(line.count))] = UInt8(truncatingIfNeeded: generator.next())
                }
                lines.append(line)
            }
            for line in lines {
                guard let response = server.respond(to: line) else { continue }
                answered += 1
                XCTAssertEqual(response["jsonrpc"], "2.0")
                XCTAssertTrue((response["result"] == nil) != (response["error"] == nil), "\(response)")
            }
        }
        XCTAssertGreaterThan(answered, 800)
    }

    func testLinesAreReadWithABound() throws {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        let input = Array(("{\"a\":1}\r\n" + String(repeating: "z", count: 3000) + "\nshort\n\n" + String(repeating: "y", count: 1024) + "\nlast").utf8)
        input.withUnsafeBytes { _ = write(fds[1], $0.baseAddress, $0.count) }
        close(fds[1])
        var reader = LineReader(fd: fds[0], limit: 1024)
        var events: [LineReader.Event] = []
        while true {
            let event = reader.next()
            events.append(event)
            if event == .end { break }
        }
        close(fds[0])
        XCTAssertEqual(events, [.line(Array("{\"a\":1}\r".utf8)), .tooLong, .line(Array("short".utf8)), .line([]),
                                .line(Array(repeating: UInt8(ascii: "y"), count: 1024)), .line(Array("last".utf8)), .end])
    }
}

/// A small deterministic generator for the mutation corpus.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE5_E9B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
