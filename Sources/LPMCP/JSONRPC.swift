import LPCore

/// The JSON-RPC 2.0 error codes an MCP server answers with.
public enum RPCErrorCode: Int, Sendable {
    case parseError = -32700
    case invalidRequest = -32600
    case methodNotFound = -32601
    case invalidParams = -32602
    case internalError = -32603
}

/// An error answer: its code, a message naming what was wrong, and optional details.
public struct RPCError: Error, Equatable, Sendable {
    public var code: RPCErrorCode
    public var message: String
    public var data: JSON?

    public init(_ code: RPCErrorCode, _ message: String, data: JSON? = nil) {
        self.code = code
        self.message = message
        self.data = data
    }

    var json: JSON {
        var members: [String: JSON] = ["code": .number(Double(code.rawValue)), "message": .string(message)]
        if let data { members["data"] = data }
        return .object(members)
    }
}

/// One message from the client, sorted by what it asks of us.
enum IncomingMessage: Equatable {
    /// Wants exactly one response carrying `id`.
    case request(id: JSON, method: String, params: JSON?)
    /// Wants no response, whatever its method.
    case notification(method: String, params: JSON?)
    /// A reply to a request; this server sends none, so there is nothing to do.
    case reply
    /// Not a JSON-RPC 2.0 message: answered with an error (`id` null when it could not be read).
    case invalid(id: JSON, RPCError)

    /// Classifies a parsed line. MCP has no batches, so an array is an invalid request.
    static func classify(_ message: JSON) -> IncomingMessage {
        guard case .object(let members) = message else {
            return .invalid(id: .null, RPCError(.invalidRequest, "a message must be a JSON object"))
        }
        let id = members["id"]
        // An id we can echo back; anything else gets a null id, as JSON-RPC 2.0 asks.
        let echoed: JSON = switch id {
        case .string?, .number?: id ?? .null
        default: .null
        }
        guard members["jsonrpc"] == "2.0" else {
            return .invalid(id: echoed, RPCError(.invalidRequest, "\"jsonrpc\" must be \"2.0\""))
        }
        guard let method = members["method"] else {
            if id != nil, members["result"] != nil || members["error"] != nil { return .reply }
            return .invalid(id: echoed, RPCError(.invalidRequest, "a request needs a \"method\""))
        }
        guard case .string(let name) = method else {
            return .invalid(id: echoed, RPCError(.invalidRequest, "\"method\" must be a string"))
        }
        let params = members["params"]
        if let params, params.objectValue == nil, params.arrayValue == nil {
            return .invalid(id: echoed, RPCError(.invalidRequest, "\"params\" must be an object or an array"))
        }
        guard let id else { return .notification(method: name, params: params) }
        guard echoed != .null, id.stringValue != nil || id.intValue != nil else {
            return .invalid(id: .null, RPCError(.invalidRequest, "\"id\" must be a string or an integer"))
        }
        return .request(id: id, method: name, params: params)
    }
}

enum RPCResponse {
    static func result(_ id: JSON, _ result: JSON) -> JSON {
        ["jsonrpc": "2.0", "id": id, "result": result]
    }

    static func error(_ id: JSON, _ error: RPCError) -> JSON {
        ["jsonrpc": "2.0", "id": id, "error": error.json]
    }
}
