import Foundation

/// The schema documents a validator can use, by absolute `$id` (nested `$id`s and `$anchor`s
/// included), and the compiled form of those validated so far. Thread-safe.
public final class SchemaRegistry: @unchecked Sendable {
    private let lock = NSLock()
    private var index = SchemaIndex()
    private var compiled = CompiledSchemas()
    /// Compiled root node per schema id asked for.
    private var roots: [String: Int] = [:]
    /// Canonical bytes of each schema added without a retrieval URI → the URI it was given, so
    /// adding it again is a no-op even when its base URI is made up.
    private var addedWithoutRetrievalURI: [[UInt8]: String] = [:]
    /// Documents given a made-up base URI, each its own `x07lp:/anonymous/N/` "directory" so
    /// relative `$id`s of different documents cannot collide.
    private var anonymousBases = 0

    public init() {}

    /// Registers a schema document (its $id, and nested $id/$anchor resources). `retrievalURI` is
    /// used as base when the document has no $id. Registering the same document again is a no-op;
    /// a different document under an id already taken is a `SchemaError`.
    public func add(_ schema: JSON, retrievalURI: String? = nil) throws {
        lock.lock()
        defer { lock.unlock() }
        _ = try register(schema, retrievalURI: retrievalURI)
    }

    /// Loads every *.json file in a directory that is a schema object (skip an index.json that has
    /// no "$schema"/"$id"/"type").
    public static func load(directory: String) throws -> SchemaRegistry {
        let registry = SchemaRegistry()
        try registry.add(directory: directory)
        return registry
    }

    /// Loads schema files given as name → bytes, each retrieved at `base` + name (the contracts
    /// built into the binary).
    public static func load(files: [String: [UInt8]], base: String) throws -> SchemaRegistry {
        let registry = SchemaRegistry()
        for name in files.keys.sorted() {
            try registry.add(bytes: files[name] ?? [], retrievalURI: base + name)
        }
        return registry
    }

    /// Adds every schema file of `directory` (as `load(directory:)` does) to this registry, so one
    /// registry can hold several directories whose schemas refer to each other.
    public func add(directory: String) throws {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".json") }.sorted()
        } catch {
            throw SchemaError("cannot list schema directory \(directory): \(error.localizedDescription)")
        }
        for name in names {
            let url = URL(fileURLWithPath: directory).appendingPathComponent(name).standardizedFileURL
            let bytes: [UInt8]
            do {
                bytes = [UInt8](try Data(contentsOf: url))
            } catch {
                throw SchemaError("cannot read schema \(url.path): \(error)")
            }
            try add(bytes: bytes, retrievalURI: url.absoluteString)
        }
    }

    /// Adds one schema file's bytes; a JSON object that is no schema (an index.json without
    /// "$schema"/"$id"/"type") is skipped.
    func add(bytes: [UInt8], retrievalURI: String) throws {
        let value: JSON
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw SchemaError("cannot read schema \(retrievalURI): \(error)")
        }
        guard case .object(let members) = value,
              members["$schema"] != nil || members["$id"] != nil || members["type"] != nil else { return }
        try add(value, retrievalURI: retrievalURI)
    }

    /// The schema registered under an absolute $id (fragment-less).
    public func schema(for uri: String) -> JSON? {
        lock.lock()
        defer { lock.unlock() }
        guard let location = index.resources[URIReference(uri).withoutFragment] else { return nil }
        return index.value(at: location)
    }

    /// Every registered schema resource id, sorted.
    public var ids: [String] {
        lock.lock()
        defer { lock.unlock() }
        return index.resources.keys.sorted()
    }

    /// Registers `schema` unless it is already there, and returns the URI it is registered under.
    func register(_ schema: JSON) throws -> String {
        lock.lock()
        defer { lock.unlock() }
        return try register(schema, retrievalURI: nil)
    }

    /// The compiled node table and the root node of the schema `id` (absolute URI, optional
    /// fragment), compiling it on first use. A failed compile leaves nothing behind.
    func compiledSchema(_ id: String) throws -> (nodes: [SchemaNode], root: Int) {
        lock.lock()
        defer { lock.unlock() }
        if let root = roots[id] { return (compiled.nodes, root) }
        // Swapped, not copied, so the node table keeps a single owner and grows in place.
        var compiler = SchemaCompiler(index: index, compiled: CompiledSchemas())
        swap(&compiler.compiled, &compiled)
        defer { swap(&compiler.compiled, &compiled) }
        let mark = compiler.compiled.nodes.count
        do {
            let root = try compiler.compile(try index.locate(id))
            roots[id] = root
            return (compiler.compiled.nodes, root)
        } catch {
            compiler.compiled.rollBack(to: mark)
            throw error
        }
    }

    /// Call with the lock held.
    private func register(_ schema: JSON, retrievalURI: String?) throws -> String {
        let canonical = retrievalURI == nil ? schema.canonicalBytes : []
        if retrievalURI == nil, let known = addedWithoutRetrievalURI[canonical] { return known }
        let retrieval: String
        if let retrievalURI {
            retrieval = retrievalURI
        } else {
            anonymousBases += 1
            retrieval = "x07lp:/anonymous/\(anonymousBases)/schema.json"
        }
        guard URIReference(retrieval).scheme != nil else {
            throw SchemaError("retrieval URI \(retrieval) is not absolute")
        }
        let base = schema["$id"]?.stringValue.flatMap { SchemaIndex.resourceURI($0, base: retrieval) }
            ?? URIReference(retrieval).withoutFragment
        if let existing = index.resources[base] {
            guard let registered = index.value(at: existing), SchemaEquality.equal(registered, schema) else {
                throw SchemaError("a different schema is already registered with id \(base)")
            }
            return base
        }
        try index.add(schema, base: base)
        if retrievalURI == nil { addedWithoutRetrievalURI[canonical] = base }
        return base
    }
}
