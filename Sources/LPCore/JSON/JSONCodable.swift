import Foundation

/// Bridges typed `Codable` models and `JSON`. Typed documents are turned into `JSON` first, so their
/// bytes always come from the one canonical encoder (`JSON.encoded`).
extension JSON: Codable {
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let b = try? container.decode(Bool.self) { self = .bool(b) }
        else if let d = try? container.decode(Double.self) { self = .number(d) }
        else if let s = try? container.decode(String.self) { self = .string(s) }
        else if let a = try? container.decode([JSON].self) { self = .array(a) }
        else { self = .object(try container.decode([String: JSON].self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let b): try container.encode(b)
        case .number(let d): try container.encode(d)
        case .string(let s): try container.encode(s)
        case .array(let a): try container.encode(a)
        case .object(let o): try container.encode(o)
        }
    }

    /// The JSON value of a typed model (nil optionals are omitted, as the contracts expect).
    public init<T: Encodable>(encoding model: T) throws {
        let data = try JSONEncoder().encode(model)
        self = try JSONParser.parse([UInt8](data))
    }

    /// Decodes this value into a typed model.
    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(type, from: Data(canonicalBytes))
    }
}
