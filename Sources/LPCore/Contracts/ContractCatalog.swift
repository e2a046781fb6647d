import Foundation

/// The project's contracts (`contracts/`), found at run time and used to validate every document
/// a stage reads or writes. Search order: `$X07LP_CONTRACTS_DIR`; a `contracts/` directory beside
/// or above the running binary (a source checkout's `.build/release/` finds the repo's copy);
/// `<prefix>/share/x07lp/contracts` for an installed layout.
public final class ContractCatalog {
    public struct Entry: Codable, Sendable {
        public var schema_version: String
        public var id: String
        public var path: String
        public var role: String?
    }

    public let directory: String
    public let entries: [Entry]
    private var cachedRegistry: SchemaRegistry?

    public init(directory: String) throws {
        self.directory = directory
        let indexPath = directory + "/index.json"
        let bytes = try InputDocument.readFile(indexPath, limit: 1 << 20)
        do {
            let index = try JSONParser.parse(bytes)
            entries = try (index["schemas"] ?? .array([])).decode([Entry].self)
        } catch {
            throw LPError(.internalError, code: "LP_CONTRACTS_BROKEN", "\(indexPath) is not a valid contracts index: \(error)")
        }
    }

    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ContractCatalog {
        if let dir = environment["X07LP_CONTRACTS_DIR"] { return try ContractCatalog(directory: dir) }
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath()
        var dir = executable.deletingLastPathComponent()
        for _ in 0..<6 {
            for candidate in ["contracts", "share/x07lp/contracts"] {
                let path = dir.appendingPathComponent(candidate).path
                if FileManager.default.fileExists(atPath: path + "/index.json") {
                    return try ContractCatalog(directory: path)
                }
            }
            dir = dir.deletingLastPathComponent()
        }
        throw LPError(.usage, code: "LP_CONTRACTS_NOT_FOUND",
                      "cannot find the contracts directory; set X07LP_CONTRACTS_DIR to the repo's contracts/")
    }

    /// Finds a contract by schema_version (`lp.deploy.execution@0.1.0`), `$id`, or file name.
    public func entry(for name: String) -> Entry? {
        entries.first { $0.schema_version == name || $0.id == name || $0.path == name }
    }

    public func registry() throws -> SchemaRegistry {
        if let cachedRegistry { return cachedRegistry }
        do {
            let registry = try SchemaRegistry.load(directory: directory)
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
}
