import LPCore

/// Answers one message line at a time: the MCP methods of a tools-only server. Each request
/// gets exactly one response, a notification or a reply none; no input makes it trap.
public struct MCPDispatcher: Sendable {
    public let config: ServerConfig
    /// The input schemas compile once, on the first call of each tool.
    let validator = SchemaValidator(registry: SchemaRegistry())

    public init(config: ServerConfig) {
        self.config = config
    }

    /// The response to one line (without its newline), or nil when none is due.
    public func respond(to line: [UInt8]) -> JSON? {
        let message: JSON
        do {
            message = try JSONParser.parse(line)
        } catch {
            return RPCResponse.error(.null, RPCError(.parseError, "Parse error: \(error)"))
        }
        switch IncomingMessage.classify(message) {
        case .reply, .notification:
            return nil
        case .invalid(let id, let error):
            return RPCResponse.error(id, error)
        case .request(let id, let method, let params):
            do {
                return RPCResponse.result(id, try handle(method, params))
            } catch {
                return RPCResponse.error(id, error)
            }
        }
    }

    /// The result of one request, or the error to answer it with.
    func handle(_ method: String, _ params: JSON?) throws(RPCError) -> JSON {
        switch method {
        case "initialize":
            guard let requested = params?["protocolVersion"]?.stringValue else {
                throw RPCError(.invalidParams, "initialize needs params.protocolVersion (a string)")
            }
            return [
                "protocolVersion": .string(ProtocolVersion.negotiate(requested)),
                "capabilities": ["tools": ["listChanged": false]],
                "serverInfo": ["name": "lp-mcp", "title": "x07lp lifecycle", "version": .string(LPVersion.current)],
                "instructions": .string(instructions),
            ]
        case "ping":
            return [:]
        case "tools/list":
            return ["tools": .array(LPTool.allCases.map(\.definition))]
        case "tools/call":
            guard let name = params?["name"]?.stringValue else {
                throw RPCError(.invalidParams, "tools/call needs params.name (a string)")
            }
            guard let tool = LPTool(rawValue: name) else {
                throw RPCError(.invalidParams, "Unknown tool: \(name)", data: ["tool": .string(name)])
            }
            switch try ToolArguments.plan(tool, params?["arguments"], config: config, validator: validator) {
            case .run(let invocation): return ToolCall.run(invocation, config: config)
            case .refuse(let message): return ToolCall.refusal(message)
            }
        default:
            throw RPCError(.methodNotFound, "Method not found: \(method)")
        }
    }

    var instructions: String {
        let control = config.allowControl ? "lp.control_v1 runs control operations (signed where the verb signs)."
            : "lp.control_v1 is listed but disabled (start the server with --allow-control)."
        return "x07lp lifecycle engine. lp.query_v1 reads deployments, incidents and apps; \(control) "
            + "Each answer is the lp.cli.report of the x07lp verb the op maps to."
    }
}
