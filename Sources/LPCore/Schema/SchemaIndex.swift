import Foundation

/// A place in a registered document: which document, and the JSON Pointer from its root.
struct SchemaLocation: Hashable {
    var document: Int
    var pointer: JSONPointer

    func appending(_ token: String) -> SchemaLocation {
        SchemaLocation(document: document, pointer: pointer.appending(token))
    }
}

/// What applies at a schema position: the base URI for resolving `$ref`, and the canonical
/// location (`base#/pointer-within-its-resource`) that violations report.
struct SchemaScope {
    var base: String
    var location: String

    func appending(_ token: String) -> SchemaScope {
        // Most tokens need no escaping; skipping Foundation's replacing keeps compiling fast.
        let escaped = token.utf8.contains { $0 == UInt8(ascii: "~") || $0 == UInt8(ascii: "/") }
            ? JSONPointer.escape(token) : token
        return SchemaScope(base: base, location: location + "/" + escaped)
    }
}

/// The keywords whose values are subschemas, by shape. Both the indexer (which finds nested
/// `$id`/`$anchor`) and the compiler descend into exactly these, so a `$id` inside `enum`, `const` or an
/// unknown keyword is never taken for an identifier.
enum SubschemaKeywords {
    static let single = ["additionalProperties", "contains", "else", "if", "items", "not", "propertyNames", "then"]
    static let map = ["$defs", "dependentSchemas", "patternProperties", "properties"]
    static let list = ["allOf", "anyOf", "oneOf", "prefixItems"]
}

/// Every identifier of the registered documents: schema resources (`$id`) and anchors.
struct SchemaIndex {
    var documents: [JSON] = []
    /// Absolute URI (no fragment) → root of that schema resource.
    var resources: [String: SchemaLocation] = [:]
    /// The inverse: root of each schema resource → its URI, the base for everything below it.
    var bases: [SchemaLocation: String] = [:]
    /// `uri#anchor` → the schema carrying that `$anchor`.
    var anchors: [String: SchemaLocation] = [:]

    /// What one document adds, collected apart so a document that fails leaves nothing behind.
    private struct Additions {
        var resources: [String: SchemaLocation] = [:]
        var anchors: [String: SchemaLocation] = [:]
    }

    /// Adds `document` with base URI `base` (already absolute, fragment-less). Nothing is kept
    /// when it throws.
    mutating func add(_ document: JSON, base: String) throws {
        var additions = Additions()
        let root = SchemaLocation(document: documents.count, pointer: JSONPointer())
        try register(resource: base, at: root, &additions)
        try walk(document, at: root, base: base, &additions)
        documents.append(document)
        for (uri, location) in additions.resources {
            resources[uri] = location
            bases[location] = uri
        }
        anchors.merge(additions.anchors) { _, new in new }
    }

    /// `id` resolved against `base`, or nil for a `$id` with a non-empty fragment (a pre-2019
    /// anchor, not a resource identifier).
    static func resourceURI(_ id: String, base: String) -> String? {
        let resolved = URIReference(id).resolved(against: URIReference(base))
        guard resolved.fragment?.isEmpty ?? true else { return nil }
        return resolved.withoutFragment
    }

    private func register(resource uri: String, at location: SchemaLocation, _ additions: inout Additions) throws {
        if resources[uri] != nil || additions.resources[uri] != nil {
            throw SchemaError("schema id \(uri) is registered twice")
        }
        additions.resources[uri] = location
    }

    /// Finds the `$id`s and `$anchor`s of the schema positions under `value`.
    private func walk(_ value: JSON, at location: SchemaLocation, base: String, _ additions: inout Additions) throws {
        guard case .object(let members) = value else { return }
        var base = base
        // The document root's `$id` is already in `base` (see `SchemaRegistry.add`).
        if !location.pointer.tokens.isEmpty, let id = members["$id"]?.stringValue,
           let uri = SchemaIndex.resourceURI(id, base: base) {
            try register(resource: uri, at: location, &additions)
            base = uri
        }
        if let anchor = members["$anchor"]?.stringValue {
            let key = base + "#" + anchor
            if anchors[key] != nil || additions.anchors[key] != nil {
                throw SchemaError("anchor \(key) is defined twice")
            }
            additions.anchors[key] = location
        }
        for keyword in SubschemaKeywords.single {
            if let sub = members[keyword] { try walk(sub, at: location.appending(keyword), base: base, &additions) }
        }
        for keyword in SubschemaKeywords.map {
            guard case .object(let subs)? = members[keyword] else { continue }
            for (name, sub) in subs {
                try walk(sub, at: location.appending(keyword).appending(name), base: base, &additions)
            }
        }
        for keyword in SubschemaKeywords.list {
            guard case .array(let subs)? = members[keyword] else { continue }
            for (i, sub) in subs.enumerated() {
                try walk(sub, at: location.appending(keyword).appending(String(i)), base: base, &additions)
            }
        }
    }

    /// The schema an absolute URI (with optional fragment: JSON Pointer or anchor) names.
    func locate(_ uri: String) throws -> SchemaLocation {
        let reference = URIReference(uri)
        let resourceURI = reference.withoutFragment
        guard let root = resources[resourceURI] else {
            throw SchemaError("no schema is registered with id \(resourceURI)")
        }
        let fragment = reference.fragment ?? ""
        if fragment.isEmpty { return root }
        let decoded = fragment.contains("%") ? fragment.removingPercentEncoding ?? fragment : fragment
        if decoded.hasPrefix("/") {
            guard let pointer = JSONPointer(decoded) else {
                throw SchemaError("invalid JSON Pointer in \(uri)")
            }
            let target = SchemaLocation(document: root.document,
                                        pointer: JSONPointer(tokens: root.pointer.tokens + pointer.tokens))
            guard value(at: target) != nil else { throw SchemaError("$ref target \(uri) does not exist") }
            return target
        }
        guard let anchored = anchors[resourceURI + "#" + decoded] else {
            throw SchemaError("no anchor \"\(decoded)\" in schema \(resourceURI)")
        }
        return anchored
    }

    func value(at location: SchemaLocation) -> JSON? {
        guard documents.indices.contains(location.document) else { return nil }
        return location.pointer.resolve(in: documents[location.document])
    }

    /// The scope of a location: that of the nearest enclosing resource root, extended by the
    /// remaining pointer tokens. (The compiler derives child scopes from their parent instead;
    /// this is for `$ref` targets and validation roots.)
    func scope(at location: SchemaLocation) -> SchemaScope {
        var ancestor = location.pointer.tokens
        var rest: [String] = []
        while true {
            if let base = bases[SchemaLocation(document: location.document, pointer: JSONPointer(tokens: ancestor))] {
                return rest.reversed().reduce(SchemaScope(base: base, location: base + "#")) { $0.appending($1) }
            }
            // Every document root is a resource root, so this ends there at the latest.
            guard let last = ancestor.popLast() else { return SchemaScope(base: "", location: "#") }
            rest.append(last)
        }
    }
}
