import LPCore
import Foundation
import XCTest

/// `lp-mcp` driven over pipes like an MCP client: its tools answer the reports the CLI prints
/// (two states made the same way, one driven through `scripts/x07lp`, the other through the
/// server), control runs only when allowed, and bad input gets one error per request, in order,
/// without ending the session.
final class MCPTests: XCTestCase {
    static let pinned = ["X07LP_NOW_UNIX_MS": "1767225600500"]
    static var signingKey: String { StageProcess.repoRoot + "/examples/hello/keys/test-signing.key.pem" }

    static let initialize: JSON = ["protocolVersion": "2025-11-25", "capabilities": [:],
                                   "clientInfo": ["name": "x07lp-tests", "version": "1"]]

    /// The report text of a tool result, with the state and work paths of its setup made neutral.
    static func report(_ response: JSON, _ setup: IncidentTests.Setup) throws -> String {
        return neutral(try JSONParser.parse(try text(response)).canonicalString, setup)
    }

    /// The text content of a tool result.
    static func text(_ response: JSON) throws -> String {
        try XCTUnwrap(response["result"]?["content"]?.arrayValue?.first?["text"]?.stringValue, "\(response)")
    }

    static func neutral(_ text: String, _ setup: IncidentTests.Setup) -> String {
        text.replacingOccurrences(of: setup.state, with: "S").replacingOccurrences(of: setup.work, with: "W")
    }

    static func cli(_ words: [String], _ setup: IncidentTests.Setup) throws -> (report: String, status: Int32) {
        let result = try StageProcess.x07lp(words + ["--state-dir", setup.state, "--json"], environment: pinned)
        return (neutral(try JSONParser.parse(result.stdout).canonicalString, setup), result.status)
    }

    func testAnAgentSessionAnswersTheReportsOfTheCLI() throws {
        let viaCLI = try IncidentTests.promoted()
        let viaMCP = try IncidentTests.promoted()
        XCTAssertEqual(viaCLI.deployment, viaMCP.deployment)
        let deployment = viaMCP.deployment
        let incident = try IncidentTests.incidentId(IncidentTests.capture(viaMCP))
        XCTAssertEqual(incident, try IncidentTests.incidentId(IncidentTests.capture(viaCLI)))
        let client = try MCPClient(["--state-dir", viaMCP.state, "--allow-control", "--signing-key", Self.signingKey],
                                   environment: Self.pinned)

        let initialized = try client.request(1, "initialize", Self.initialize)
        XCTAssertEqual(initialized["result"]?["protocolVersion"], "2025-11-25")
        XCTAssertEqual(initialized["result"]?["capabilities"]?["tools"]?["listChanged"], false)
        try client.send(["jsonrpc": "2.0", "method": "notifications/initialized"])
        let tools = try XCTUnwrap(try client.request(2, "tools/list")["result"]?["tools"]?.arrayValue)
        XCTAssertEqual(tools.compactMap { $0["name"]?.stringValue }, ["lp.query_v1", "lp.control_v1"])
        for tool in tools {
            let schema = try XCTUnwrap(tool["inputSchema"])
            XCTAssertEqual(schema["type"], "object")
            XCTAssertEqual(schema["required"], ["op"])
            XCTAssertEqual(schema["additionalProperties"], false)
            // A valid schema: the project's validator compiles it and holds an op to its enum.
            let validator = SchemaValidator(registry: SchemaRegistry())
            let first = try XCTUnwrap(schema["properties"]?["op"]?["enum"]?.arrayValue?.first)
            XCTAssertEqual(try validator.validate(["op": first], schema: schema), [])
            XCTAssertFalse(try validator.validate(["op": "no_such_op"], schema: schema).isEmpty)
        }
        XCTAssertEqual(tools[0]["annotations"]?["readOnlyHint"], true)
        XCTAssertEqual(tools[1]["annotations"]?["destructiveHint"], true)

        let queries: [(arguments: JSON, words: [String])] = [
            (["op": "deploy_query", "deployment": .string(deployment)], ["deploy", "query", "--deployment-id", deployment, "--view", "full"]),
            (["op": "deploy_query", "deployment": .string(deployment), "view": "timeline"],
             ["deploy", "query", "--deployment-id", deployment, "--view", "timeline"]),
            (["op": "deploy_status", "deployment": .string(deployment)], ["deploy", "status", "--deployment-id", deployment]),
            (["op": "app_list"], ["app", "list"]),
            (["op": "incident_get", "incident_id": .string(incident)], ["incident", "get", "--incident-id", incident]),
            (["op": "incident_list", "deployment": .string(deployment), "limit": 5],
             ["incident", "list", "--deployment-id", deployment, "--limit", "5"]),
            (["op": "incident_list"], ["incident", "list"]),
        ]
        var id = 10
        for (arguments, words) in queries {
            id += 1
            let response = try client.call(id, "lp.query_v1", arguments)
            let expected = try Self.cli(words, viaCLI)
            XCTAssertEqual(try Self.report(response, viaMCP), expected.report, "\(arguments)")
            let structured = response["result"]?["structuredContent"]
            XCTAssertEqual(structured?["exit_code"]?.intValue, Int(expected.status))
            XCTAssertEqual(structured?["ok"], true)
            XCTAssertEqual(structured?["op"], .string("lp.query." + (arguments["op"]?.stringValue ?? "")))
            XCTAssertEqual(response["result"]?["isError"], false)
        }

        // Control: a new deployment accepted, then paused, both as the CLI does them on its state.
        let hello = ExamplePacks.hello
        let accept: JSON = [
            "op": "deploy_accept", "change_in": .string(hello + "/change_request.ops.json"),
            "pack_dir": .string(hello + "/pack.tar.zst"), "ops_profile": .string(hello + "/ops.canary.json"),
            "slo_profile": .string(hello + "/slo.json"), "policy": .string(hello + "/policy.baseline.json"),
            "provenance": .string(hello + "/provenance.dsse.json"),
            "trusted_key": .string(hello + "/keys/test-signing.pub.pem"), "now_unix_ms": "1767225700000",
        ]
        let accepted = try client.call(30, "lp.control_v1", accept)
        let acceptedCLI = try Self.cli(["deploy", "accept", "--change", hello + "/change_request.ops.json",
                                        "--pack-dir", hello + "/pack.tar.zst", "--ops-profile", hello + "/ops.canary.json",
                                        "--slo", hello + "/slo.json", "--policy", hello + "/policy.baseline.json",
                                        "--provenance", hello + "/provenance.dsse.json",
                                        "--trusted-key", hello + "/keys/test-signing.pub.pem", "--now-unix-ms", "1767225700000"],
                                       viaCLI)
        XCTAssertEqual(try Self.report(accepted, viaMCP), acceptedCLI.report)
        let planned = try XCTUnwrap(accepted["result"]?["structuredContent"]?["summary"]?["ids"]?["exec_id"]?.stringValue)
        XCTAssertNotEqual(planned, deployment)

        let paused = try client.call(31, "lp.control_v1", ["op": "deploy_pause", "deployment": .string(planned), "reason": "hold for review"])
        let pausedCLI = try Self.cli(["deploy", "pause", "--deployment-id", planned, "--reason", "hold for review",
                                      "--signing-key", Self.signingKey], viaCLI)
        XCTAssertEqual(try Self.report(paused, viaMCP), pausedCLI.report)
        XCTAssertEqual(paused["result"]?["structuredContent"]?["ok"], true)
        let query = try client.call(32, "lp.query_v1", ["op": "deploy_query", "deployment": .string(planned)])
        let shown = try JSONParser.parse(try Self.text(query))
        XCTAssertEqual(shown["result"]?["control_state"], "paused")
        XCTAssertEqual(try Self.report(query, viaMCP),
                       try Self.cli(["deploy", "query", "--deployment-id", planned, "--view", "full"], viaCLI).report)

        // A control whose verb refuses is still a result (ok false), not a tool error.
        let refused = try client.call(33, "lp.control_v1", ["op": "deploy_pause", "deployment": .string(deployment), "reason": "late"])
        XCTAssertEqual(refused["result"]?["isError"], false)
        XCTAssertEqual(refused["result"]?["structuredContent"]?["ok"], false)
        XCTAssertEqual(refused["result"]?["structuredContent"]?["exit_code"], 2)

        // Paths that name stdin read nothing: the message stream is not the verbs' stdin.
        for (id, path) in [(34, "-"), (35, "/dev/stdin")] {
            let answer = try client.call(id, "lp.control_v1", accept.setting("change_in", .string(path)))
            XCTAssertEqual(answer["result"]?["structuredContent"]?["exit_code"], 3, path)
            XCTAssertEqual(answer["result"]?["structuredContent"]?["summary"]?["diagnostic"], "LP_INPUT_EMPTY", path)
        }

        // Bad requests: each gets its error, in order, and the session goes on.
        let invalidOp = try client.call(40, "lp.query_v1", ["op": "deploy_everything"])
        XCTAssertEqual(invalidOp["error"]?["code"], -32602)
        XCTAssertEqual(invalidOp["error"]?["data"]?["field"], "op")
        let missing = try client.call(41, "lp.control_v1", ["op": "deploy_pause", "deployment": .string(planned)])
        XCTAssertEqual(missing["error"]?["code"], -32602)
        XCTAssertEqual(missing["error"]?["data"]?["field"], "reason")
        XCTAssertTrue(missing["error"]?["message"]?.stringValue?.contains("reason") ?? false)
        let unknownTool = try client.call(42, "lp.deploy_v9", ["op": "deploy_query"])
        XCTAssertEqual(unknownTool["error"]?["code"], -32602)
        XCTAssertEqual(unknownTool["error"]?["message"], "Unknown tool: lp.deploy_v9")
        let malformed: [(String, Int, JSON)] = [("{not json", -32700, .null), ("[]", -32600, .null),
                                                ("{\"jsonrpc\":\"1.0\",\"id\":45,\"method\":\"ping\"}", -32600, 45),
                                                ("{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"ping\"}", -32600, .null),
                                                ("\u{1}\u{2}", -32700, .null)]
        for (line, code, id) in malformed {
            try client.send(line)
            let answer = try XCTUnwrap(try client.receive())
            XCTAssertEqual(answer["error"]?["code"]?.intValue, code, line)
            XCTAssertEqual(answer["id"], id, line)
        }
        XCTAssertEqual(try client.request(43, "resources/list")["error"]?["code"], -32601)
        XCTAssertEqual(try client.request(44, "ping")["result"], [:])
        let end = try client.finish()
        XCTAssertEqual(end.status, 0)
        XCTAssertEqual(end.responses, [])
        XCTAssertEqual(end.stderr, "")
    }

    /// Without --allow-control the control tool is listed and refuses every call; nothing changes.
    func testControlIsListedButRefusedWithoutAllowControl() throws {
        let setup = try IncidentTests.promoted()
        let before = StateFiles.all(setup.state)
        let client = try MCPClient(["--state-dir", setup.state])
        _ = try client.request(1, "initialize", Self.initialize)
        let names = try client.request(2, "tools/list")["result"]?["tools"]?.arrayValue?.compactMap { $0["name"]?.stringValue }
        XCTAssertEqual(names, ["lp.query_v1", "lp.control_v1"])
        let refused = try client.call(3, "lp.control_v1", ["op": "app_kill", "app_id": "example.hello.web", "env": "staging",
                                                           "reason": "stop it"])
        XCTAssertEqual(refused["result"]?["isError"], true)
        XCTAssertTrue(try Self.text(refused).contains("--allow-control"))
        XCTAssertNil(refused["result"]?["structuredContent"])
        let end = try client.finish()
        XCTAssertEqual(end.status, 0)
        XCTAssertEqual(StateFiles.all(setup.state), before)
    }

    /// Requests written all at once, with notifications, replies and junk between them: one
    /// response per request, in order; stdin closing ends the server with 0.
    func testPipelinedInputGetsOneResponsePerRequestInOrder() throws {
        let state = StageProcess.temporaryDirectory() + "/none"
        let lines = [
            #"{"jsonrpc":"2.0","id":"a","method":"initialize","params":{"protocolVersion":"1999-01-01"}}"#,
            #"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
            #"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"a"}}"#,
            #"{"jsonrpc":"2.0","id":7,"result":{}}"#,
            "", "   ",
            #"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"lp.query_v1","arguments":{"op":"app_list"}}}"#,
            String(repeating: "x", count: 5000),
            #"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"lp.query_v1","arguments":"app_list"}}"#,
            #"{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"lp.query_v1","arguments":{"op":"app_list","colour":"red"}}}"#,
            #"{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"lp.query_v1","arguments":{"op":"app_list","limit":0}}}"#,
            #"{"jsonrpc":"2.0","id":6,"method":"ping"}"# + "\r",
            #"{"jsonrpc":"2.0","id":8,"method":"ping"}"#,
        ]
        let result = try StageProcess.run(StageProcess.binary("lp-mcp"), ["--state-dir", state, "--max-line-bytes", "4096"],
                                          stdin: Array(lines.joined(separator: "\n").utf8))
        XCTAssertEqual(result.status, 0, result.stderr)
        let responses = try result.stdoutText.split(separator: "\n").map { try JSONParser.parse(String($0)) }
        XCTAssertEqual(responses.map { $0["id"] ?? "missing" }, ["a", 2, .null, 3, 4, 5, 6, 8])
        XCTAssertEqual(responses[0]["result"]?["protocolVersion"], .string("2025-11-25"), "an unknown version gets ours")
        XCTAssertEqual(responses[1]["result"]?["structuredContent"]?["exit_code"], 2, "no state: the verb's own not-found report")
        XCTAssertEqual(responses[2]["error"]?["code"], -32600, "the over-long line")
        XCTAssertEqual(responses[3]["error"]?["data"]?["field"], "arguments")
        XCTAssertEqual(responses[4]["error"]?["data"]?["field"], "colour")
        XCTAssertEqual(responses[5]["error"]?["data"]?["field"], "limit")
        XCTAssertEqual(responses[6]["result"], [:])
        XCTAssertFalse(FileManager.default.fileExists(atPath: state), "a query creates no state")
    }

    /// examples/mcp: the session runs on a promoted state as its README says, and the client
    /// configurations start the server with flags it takes.
    func testTheExamplesRun() throws {
        let examples = StageProcess.repoRoot + "/examples/mcp"
        let setup = try IncidentTests.promoted()
        let requests = try [UInt8](Data(contentsOf: URL(fileURLWithPath: examples + "/requests.jsonl")))
        let session = try StageProcess.x07lp(["mcp", "serve", "--state-dir", setup.state], stdin: requests)
        XCTAssertEqual(session.status, 0, session.stderr)
        let responses = try session.stdoutText.split(separator: "\n").map { try JSONParser.parse(String($0)) }
        XCTAssertEqual(responses.map { $0["id"] ?? .null }, [1, 2, 3, 4, 5, 6])
        for response in responses[2...4] {
            XCTAssertEqual(response["result"]?["structuredContent"]?["ok"], true, "\(response)")
        }
        XCTAssertEqual(responses[5]["result"]?["isError"], true)
        for name in ["mcp.json", "mcp.control.json"] {
            let config = try JSONParser.parse([UInt8](Data(contentsOf: URL(fileURLWithPath: examples + "/" + name))))
            let args = try XCTUnwrap(config["mcpServers"]?["x07lp"]?["args"]?.arrayValue?.compactMap(\.stringValue))
            XCTAssertEqual(Array(args.prefix(2)), ["mcp", "serve"], name)
            let help = try StageProcess.run(StageProcess.binary("lp-mcp"), Array(args.dropFirst(2)) + ["--help"])
            XCTAssertEqual(help.status, 0, "\(name): \(help.stderr)")
        }
    }

    func testClosedStdinEndsCleanly() throws {
        let result = try StageProcess.run(StageProcess.binary("lp-mcp"), [], stdin: [])
        XCTAssertEqual(result.status, 0)
        XCTAssertEqual(result.stdout, [])
        XCTAssertEqual(result.stderr, "")
        let unknown = try StageProcess.run(StageProcess.binary("lp-mcp"), ["--no-such-flag"], stdin: [])
        XCTAssertEqual(unknown.status, 2)
        let help = try StageProcess.run(StageProcess.binary("lp-mcp"), ["--help"])
        XCTAssertEqual(help.status, 0)
        XCTAssertTrue(help.stdoutText.contains("--allow-control"))
        let wrapper = try StageProcess.x07lp(["--explain", "mcp", "serve", "--state-dir", "s", "--allow-control"])
        XCTAssertEqual(wrapper.stdoutText, "lp-mcp --state-dir s --allow-control\n")
    }

    /// A report over --max-result-bytes comes back truncated with a marker; the whole report is
    /// in the file the answer names, under the state's mcp/reports.
    func testLargeReportsAreTruncatedAndKeptWholeInAFile() throws {
        let setup = try IncidentTests.promoted()
        let client = try MCPClient(["--state-dir", setup.state, "--max-result-bytes", "2048"], environment: Self.pinned)
        let response = try client.call(1, "lp.query_v1", ["op": "deploy_query", "deployment": .string(setup.deployment)])
        let result = try XCTUnwrap(response["result"])
        let text = try Self.text(response)
        let path = try XCTUnwrap(result["structuredContent"]?["report_path"]?.stringValue)
        XCTAssertTrue(path.hasPrefix(setup.state + "/mcp/reports/lp-query/deploy_query-"), path)
        XCTAssertEqual(result["structuredContent"]?["truncated"], true)
        XCTAssertTrue(text.hasSuffix("the full report is in \(path)]"), text)
        XCTAssertLessThan(text.utf8.count, 2048 + 300)
        let whole = try Data(contentsOf: URL(fileURLWithPath: path))
        XCTAssertEqual(result["structuredContent"]?["report_bytes"]?.intValue, whole.count)
        let expected = try Self.cli(["deploy", "query", "--deployment-id", setup.deployment, "--view", "full"], setup)
        XCTAssertEqual(Self.neutral(try JSONParser.parse([UInt8](whole)).canonicalString, setup), expected.report)
        XCTAssertTrue(text.hasPrefix(String(decoding: whole.prefix(1000), as: UTF8.self)))
        // An explicit report_path keeps the report there too, small or not; it cannot leave the directory.
        let kept = try client.call(2, "lp.query_v1", ["op": "app_list", "report_path": "audit/apps.json"])
        XCTAssertEqual(kept["result"]?["structuredContent"]?["report_path"], .string(setup.state + "/mcp/reports/audit/apps.json"))
        XCTAssertNil(kept["result"]?["structuredContent"]?["truncated"])
        let escape = try client.call(3, "lp.query_v1", ["op": "app_list", "report_path": "../../etc/x.json"])
        XCTAssertEqual(escape["error"]?["data"]?["field"], "report_path")
        XCTAssertEqual(try client.finish().status, 0)
        // state verify does not look at the reports.
        XCTAssertEqual(try StageProcess.x07lp(["state", "verify", "--state-dir", setup.state]).status, 0)
    }

    /// 1,000 queries in one session: memory stays flat once warm (scripts/bench-mcp prints the
    /// figures; this only guards against a leak of a report per call).
    func testAThousandCallsKeepMemorySteady() throws {
        let setup = try IncidentTests.promoted()
        let incident = try IncidentTests.incidentId(IncidentTests.capture(setup))
        let client = try MCPClient(["--state-dir", setup.state])
        _ = try client.request(0, "initialize", Self.initialize)
        let calls: [JSON] = [["op": "incident_get", "incident_id": .string(incident)], ["op": "app_list"],
                             ["op": "deploy_status", "deployment": .string(setup.deployment)]]
        var warm = 0
        for id in 1...1000 {
            let response = try client.call(id, "lp.query_v1", calls[id % calls.count])
            XCTAssertEqual(response["result"]?["structuredContent"]?["ok"], true)
            if id == 100 { warm = client.residentKiB }
        }
        let after = client.residentKiB
        XCTAssertGreaterThan(warm, 0)
        XCTAssertLessThan(after - warm, 16 * 1024, "RSS grew from \(warm) KiB to \(after) KiB over 900 calls")
        XCTAssertEqual(try client.finish().status, 0)
    }
}
