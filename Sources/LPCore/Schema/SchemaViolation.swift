/// One way an instance fails its schema.
public struct SchemaViolation: Equatable, Sendable, CustomStringConvertible {
    /// Where in the instance.
    public var instancePointer: JSONPointer
    /// Absolute keyword location, e.g. `https://x07.io/spec/lp.cli.report.schema.json#/properties/meta/required`.
    public var schemaLocation: String
    /// The keyword that failed: `required`, `type`, ...
    public var keyword: String
    /// Readable: `missing required property "run_id"`, `expected string, got integer`, ...
    public var message: String

    public init(instancePointer: JSONPointer, schemaLocation: String, keyword: String, message: String) {
        self.instancePointer = instancePointer
        self.schemaLocation = schemaLocation
        self.keyword = keyword
        self.message = message
    }

    public var description: String {
        let at = instancePointer.tokens.isEmpty ? "(root)" : instancePointer.description
        return "\(at): \(message) [\(schemaLocation)]"
    }
}

/// A problem with the schema itself, not the instance: a malformed keyword, an unknown id, a
/// `$ref` that resolves nowhere, a `$ref` cycle that never consumes the instance, a bad regex.
public struct SchemaError: Error, CustomStringConvertible, Sendable {
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
