import LPCore
import LPState
import LPModel
import LPIndex
import LPStage
/// Captured HTTP exchanges in the contract form (`x07.http.request.envelope@0.1.0`,
/// `x07.http.response.envelope@0.1.0`): an ordered `[{k, v}]` header list, the body as a byte
/// stream `{bytes_len, text?|base64?}`, and a request id the response points back to.
///
/// Operators often hand over the looser shape HTTP tooling prints — headers as a JSON object, the
/// body as raw JSON, a string or null, no id. Both are accepted; the loose one is normalised
/// (object headers sorted by name, a JSON body carried as its canonical text, the id derived from
/// the request's own digest) and the result is then held to the contract like any other input.
public enum HTTPEnvelope {
    public static let requestSchema = SchemaVersion.httpRequestEnvelope
    public static let responseSchema = SchemaVersion.httpResponseEnvelope

    public static func request(_ document: JSON, source: String) throws -> JSON {
        var members = try envelopeMembers(document, schema: requestSchema, source: source)
        if let method = members["method"]?.stringValue { members["method"] = .string(method.uppercased()) }
        // A path carrying its query string is split, as the contract keeps them apart.
        if members["query"] == nil, let path = members["path"]?.stringValue, let mark = Redaction.queryStart(inPath: path) {
            members["path"] = .string(String(path[..<mark]))
            members["query"] = .string(String(path[path.index(after: mark)...]))
        }
        members["headers"] = try headerList(members["headers"], source: source)
        members["body"] = byteStream(members["body"])
        if members["id"] == nil {
            members["id"] = .string("req-" + String(SHA256.hex(JSON.object(members).canonicalBytes).prefix(24)))
        }
        return .object(members)
    }

    public static func response(_ document: JSON, requestId: String?, source: String) throws -> JSON {
        var members = try envelopeMembers(document, schema: responseSchema, source: source)
        members["headers"] = try headerList(members["headers"], source: source)
        members["body"] = byteStream(members["body"])
        if members["request_id"] == nil, let requestId { members["request_id"] = .string(requestId) }
        return .object(members)
    }

    static func envelopeMembers(_ document: JSON, schema: String, source: String) throws -> [String: JSON] {
        guard case .object(let members) = document else {
            throw LPError(.invalidInput, code: "LP_SCHEMA_VIOLATION", "\(source): expected a \(schema) object, got \(document.typeName)",
                          stage: .parse)
        }
        guard members["schema_version"] == .string(schema) else {
            // The value is not echoed: a capture's fields may hold secrets.
            let found = members["schema_version"] == nil ? "missing" : "not \(schema)"
            throw LPError(.invalidInput, code: "LP_SCHEMA_VERSION_MISMATCH",
                          "\(source): schema_version is \(found)", stage: .parse, data: ["pointer": "/schema_version"])
        }
        return members
    }

    /// `[{k, v}]` kept in order; an object becomes one entry per name (sorted), an array value
    /// one entry per element. Values must be strings: a header is text on the wire.
    static func headerList(_ headers: JSON?, source: String) throws -> JSON {
        switch headers {
        case nil, .null?:
            return []
        case .object(let map)?:
            var list: [JSON] = []
            for name in map.keys.sorted() {
                let values = map[name]?.arrayValue ?? [map[name] ?? .null]
                for value in values {
                    guard let text = value.stringValue else {
                        throw LPError(.invalidInput, code: "LP_SCHEMA_VIOLATION",
                                      "\(source): header \(name) must have a string value", stage: .parse,
                                      data: ["pointer": .string("/headers/\(name)")])
                    }
                    list.append(["k": .string(name), "v": .string(text)])
                }
            }
            return .array(list)
        case let other?:
            return other
        }
    }

    /// The contract's byte stream: kept when already one, else the captured body as text.
    static func byteStream(_ body: JSON?) -> JSON {
        switch body {
        case nil, .null?:
            return ["bytes_len": 0]
        case .string(let text)?:
            return ["bytes_len": .number(Double(text.utf8.count)), "text": .string(text)]
        case .object(let members)? where members["bytes_len"] != nil
            && Set(members.keys).isSubset(of: ["bytes_len", "text", "base64"]):
            return .object(members)
        case let json?:
            let text = String(decoding: json.canonicalBytes, as: UTF8.self)
            return ["bytes_len": .number(Double(text.utf8.count)), "text": .string(text)]
        }
    }
}
