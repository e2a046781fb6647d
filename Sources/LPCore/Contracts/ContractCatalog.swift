import Foundation

/// The project's contracts (`contracts/`), used to validate every document a stage reads or
/// writes. They are built into every binary (`EmbeddedContracts`, written by the EmbedContracts
/// build plugin), so a binary copied anywhere has them; `$X07LP_CONTRACTS_DIR` names a directory
/// to use instead (the tests point it at the checkout's contracts/).
public final class ContractCatalog {
    public struct Entry: Codable, Sendable {
        public var schema_version: String
        public var id: String
        public var path: String
        public var role: String?
    }

    /// Where the contracts come from: a directory, or `ContractCatalog.embeddedLocation`.
    public let directory: String
    public let entries: [Entry]
    private let embedded: Bool
    private var cachedRegistry: SchemaRegistry?

    /// What `directory` says for the contracts built into the binary.
    public static let embeddedLocation = "embedded"

    public convenience init(directory: String) throws {
        let indexPath = directory + "/index.json"
        try self.init(location: directory, index: try InputDocument.readFile(indexPath, limit: 1 << 20), embedded: false)
    }

    /// The contracts built into this binary.
    public static func embedded() throws -> ContractCatalog {
        try ContractCatalog(location: embeddedLocation, index: Array((EmbeddedContracts.files["index.json"] ?? "").utf8),
                            embedded: true)
    }

    private init(location: String, index: [UInt8], embedded: Bool) throws {
        self.directory = location
        self.embedded = embedded
        do {
            entries = try (try JSONParser.parse(index)["schemas"] ?? .array([])).decode([Entry].self)
        } catch {
            throw LPError(.internalError, code: "LP_CONTRACTS_BROKEN", "\(location)/index.json is not a valid contracts index: \(error)")
        }
    }

    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ContractCatalog {
        if let dir = environment["X07LP_CONTRACTS_DIR"] { return try ContractCatalog(directory: dir) }
        return try embedded()
    }

    /// The bytes of the contract file `entry`.
    public func contents(of entry: Entry) throws -> [UInt8] {
        guard embedded else { return try InputDocument.readFile(directory + "/" + entry.path, limit: 16 << 20) }
        guard let text = EmbeddedContracts.files[entry.path] else {
            throw LPError(.internalError, code: "LP_CONTRACTS_BROKEN", "index.json lists \(entry.path), which is not built in")
        }
        return Array(text.utf8)
    }

    /// Finds a contract by schema_version (`lp.deploy.execution@0.1.0`), `$id`, or file name.
    public func entry(for name: String) -> Entry? {
        entries.first { $0.schema_version == name || $0.id == name || $0.path == name }
    }

    public func registry() throws -> SchemaRegistry {
        if let cachedRegistry { return cachedRegistry }
        do {
            // The schemas at the top of contracts/, as a directory registry reads them (not meta/).
            let top = EmbeddedContracts.files.filter { !$0.key.contains("/") }
            let registry = embedded ? try SchemaRegistry.load(files: top.mapValues { Array($0.utf8) },
                                                             base: "file:///x07lp/contracts/")
                                    : try SchemaRegistry.load(directory: directory)
            cachedRegistry = registry
            return registry
        } catch {
            throw LPError(.internalError, code: "LP_CONTRACTS_BROKEN", "contracts in \(directory) do not load: \(error)")
        }
    }

    /// Validates `document` against the contract `schemaVersion`: first its `schema_version`
    /// field (when the contract has one), then the whole schema. Throws exit 3 listing every
    /// violation with its JSON Pointer.
    public func validate(_ document: JSON, as schemaVersion: String, source: String) throws {
        guard let entry = entry(for: schemaVersion) else {
            throw LPError(.internalError, code: "LP_CONTRACTS_BROKEN", "no contract for \(schemaVersion) in \(directory)")
        }
        if case .object(let members) = document, let declared = members["schema_version"],
           declared != .string(entry.schema_version) {
            throw LPError(.invalidInput, code: "LP_SCHEMA_VERSION_MISMATCH",
                          "\(source): schema_version is \(declared.canonicalString), expected \"\(entry.schema_version)\"",
                          stage: .parse, data: ["pointer": "/schema_version"])
        }
        let violations: [SchemaViolation]
        do {
            violations = try SchemaValidator(registry: registry()).validate(document, schemaID: entry.id)
        } catch let error as LPError {
            throw error
        } catch {
            throw LPError(.internalError, code: "LP_CONTRACTS_BROKEN", "contract \(entry.path): \(error)")
        }
        if !violations.isEmpty {
            throw LPError(.invalidInput, violations.map { $0.diagnostic(source: source) })
        }
    }
}

extension SchemaViolation {
    /// `LP_SCHEMA_VIOLATION` naming the instance pointer, the schema keyword location and the rule.
    public func diagnostic(source: String) -> Diagnostic {
        let at = instancePointer.description.isEmpty ? "the document root" : instancePointer.description
        return Diagnostic(code: "LP_SCHEMA_VIOLATION", stage: .parse,
                          message: "\(source): at \(at): \(message) [\(keyword) at \(schemaLocation)]",
                          data: ["pointer": .string(instancePointer.description),
                                 "schema_pointer": .string(schemaLocation), "keyword": .string(keyword)])
    }
}

/// An input file read whole, parsed, and checked against its contract: its raw bytes (pinned
/// digests of referenced files are over raw bytes) and its JSON.
public struct ContractDocument {
    public var path: String
    public var bytes: [UInt8]
    public var json: JSON
    public var rawDigest: DigestRef { DigestRef(of: bytes) }
    public var canonicalDigest: DigestRef { DigestRef(of: json) }

    public static let maxBytes = 16 << 20

    public init(path: String, contract: String, catalog: ContractCatalog) throws {
        self.path = path
        bytes = try InputDocument.readFile(path, limit: ContractDocument.maxBytes)
        json = try InputDocument(bytes: bytes, source: path).json
        try catalog.validate(json, as: contract, source: path)
    }

    /// A document x07lp generated (a metrics snapshot from an access log), checked like a file;
    /// `name` stands for its path.
    public init(generated json: JSON, name: String, contract: String, catalog: ContractCatalog) throws {
        path = name
        bytes = json.canonicalBytes
        self.json = json
        try catalog.validate(json, as: contract, source: name)
    }
}
