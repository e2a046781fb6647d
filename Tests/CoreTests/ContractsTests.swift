@testable import LPCore
@testable import LPState
@testable import LPModel
@testable import LPIndex
@testable import LPStage
import Foundation
import XCTest

/// Checks of the project's own contracts in `contracts/`: they are written in the schema subset
/// our validator implements, the index describes them exactly, every `$ref` resolves, and the
/// upstream reference fixtures that claim one of our document types validate against them.
final class ContractsTests: XCTestCase {
    static let metaSchemaID = "https://x07lp.dev/contracts/meta/x07lp.schema-subset.schema.json"

    /// `contracts/` of this checkout (Tests/CoreTests/ -> ../../contracts).
    static let contractsDirectory: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .appendingPathComponent("contracts")
        .standardizedFileURL

    /// Upstream fixture documents that the public contracts themselves reject, so ours must too:
    /// the loose capture inputs of the control-plane scenarios (headers as a map, body as raw JSON,
    /// no request id). lp-incident has to normalize them before they become envelopes. And the
    /// older, label-only device manifests and profiles the device-release fixtures keep unused.
    static let knownInvalidFixtures: Set<String> = [
        "control_plane/common/request.envelope.json",
        "control_plane/common/response.500.envelope.json",
        "device-release/common/android.package.manifest.json",
        "device-release/common/ios.package.manifest.json",
        "device-release/common/android_payload/device.profile.json",
        "device-release/common/ios_payload/device.profile.json",
    ]

    struct Contract {
        var relativePath: String
        var document: JSON
        var id: String
    }

    // MARK: - Loading

    static func readJSON(_ url: URL) throws -> JSON {
        try JSONParser.parse([UInt8](try Data(contentsOf: url)))
    }

    /// Every `*.json` under `directory` (recursively), as paths relative to it, sorted.
    static func jsonFiles(under directory: URL) throws -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: directory.path) else {
            throw XCTSkip("cannot list \(directory.path)")
        }
        var out: [String] = []
        while let next = walker.nextObject() as? String {
            if next.hasSuffix(".json") { out.append(next) }
        }
        return out.sorted()
    }

    /// Every schema file of `contracts/` (recursively, without index.json).
    static func loadContracts() throws -> [Contract] {
        let files = try jsonFiles(under: contractsDirectory).filter { $0 != "index.json" }
        return try files.map { path in
            let document = try readJSON(contractsDirectory.appendingPathComponent(path))
            guard let id = document["$id"]?.stringValue else {
                throw SchemaError("\(path) has no $id")
            }
            return Contract(relativePath: path, document: document, id: id)
        }
    }

    /// A registry with every contract (including the meta-schema in contracts/meta/).
    static func loadRegistry(_ contracts: [Contract]) throws -> SchemaRegistry {
        let registry = SchemaRegistry()
        for contract in contracts {
            try registry.add(contract.document,
                             retrievalURI: contractsDirectory.appendingPathComponent(contract.relativePath).absoluteString)
        }
        return registry
    }

    /// The document type a contract describes: its `schema_version` const, else its title.
    static func documentName(_ schema: JSON) -> String? {
        if let name = schema["properties"]?["schema_version"]?["const"]?.stringValue { return name }
        return schema["title"]?.stringValue
    }

    static func describe(_ violations: [SchemaViolation]) -> String {
        violations.prefix(8).map { "\($0.instancePointer) [\($0.keyword)] \($0.message)" }.joined(separator: "; ")
    }

    // MARK: - (1) written in the supported subset

    func testEveryContractValidatesAgainstTheSubsetMetaSchema() throws {
        let contracts = try Self.loadContracts()
        XCTAssertGreaterThanOrEqual(contracts.count, 30)
        XCTAssertTrue(contracts.contains { $0.id == Self.metaSchemaID }, "meta-schema missing")
        let validator = SchemaValidator(registry: try Self.loadRegistry(contracts))
        for contract in contracts {
            XCTAssertEqual(contract.document["$schema"]?.stringValue, "https://json-schema.org/draft/2020-12/schema",
                           contract.relativePath)
            let violations = try validator.validate(contract.document, schemaID: Self.metaSchemaID)
            XCTAssertTrue(violations.isEmpty, "\(contract.relativePath): \(Self.describe(violations))")
        }
    }

    func testMetaSchemaRejectsKeywordsOutsideTheSubset() throws {
        let validator = SchemaValidator(registry: try Self.loadRegistry(try Self.loadContracts()))
        let rejected: [JSON] = [
            ["type": "object", "unevaluatedProperties": false],
            ["properties": ["a": ["$dynamicRef": "#x"]]],
            ["type": "string", "format": "email"],
            ["type": "strin"],
            ["required": ["a", "a"]],
            ["minLength": -1],
            ["prefixItems": []],
            ["items": ["type": "string", "reqired": ["x"]]],
        ]
        for schema in rejected {
            XCTAssertFalse(try validator.validate(schema, schemaID: Self.metaSchemaID).isEmpty, "accepted \(schema)")
        }
        let accepted: [JSON] = [
            true,
            ["type": ["string", "null"], "x-note": "annotation", "format": "date-time"],
            ["oneOf": [["$ref": "#/$defs/a"], false], "$defs": ["a": ["const": 1]]],
        ]
        for schema in accepted {
            let violations = try validator.validate(schema, schemaID: Self.metaSchemaID)
            XCTAssertTrue(violations.isEmpty, "rejected \(schema): \(Self.describe(violations))")
        }
    }

    // MARK: - (2) index.json

    func testIndexListsEveryContractExactlyOnce() throws {
        let contracts = try Self.loadContracts()
        let index = try Self.readJSON(Self.contractsDirectory.appendingPathComponent("index.json"))
        let entries = try XCTUnwrap(index["schemas"]?.arrayValue, "index.json has no schemas array")
        var paths: [String] = []
        let byPath = Dictionary(uniqueKeysWithValues: contracts.map { ($0.relativePath, $0) })
        for entry in entries {
            let path = try XCTUnwrap(entry["path"]?.stringValue, "entry without path: \(entry)")
            paths.append(path)
            guard let contract = byPath[path] else {
                XCTFail("index.json lists \(path), which is not a schema file")
                continue
            }
            XCTAssertEqual(entry["id"]?.stringValue, contract.id, "id of \(path)")
            XCTAssertEqual(entry["schema_version"]?.stringValue, Self.documentName(contract.document),
                           "schema_version of \(path)")
            XCTAssertTrue(["input", "output", "evidence", "shared"].contains(entry["role"]?.stringValue ?? ""),
                          "role of \(path)")
            XCTAssertEqual(entry.objectValue?.keys.sorted(), ["id", "path", "role", "schema_version"], path)
        }
        XCTAssertEqual(paths.count, Set(paths).count, "duplicate paths in index.json")
        XCTAssertEqual(Set(paths), Set(byPath.keys), "index.json and the schema files differ")
        XCTAssertEqual(paths, paths.sorted(), "index.json is not sorted by path")
        let ids = contracts.map(\.id)
        XCTAssertEqual(ids.count, Set(ids).count, "two contracts share an $id")
    }

    // MARK: - (3) upstream fixtures

    func testUpstreamFixtureDocumentsValidateAgainstOurContracts() throws {
        guard let fixturesPath = UpstreamData.directory("fixtures") else {
            throw XCTSkip("../shared/upstream/fixtures absent")
        }
        let contracts = try Self.loadContracts()
        let validator = SchemaValidator(registry: try Self.loadRegistry(contracts))
        var contractForVersion: [String: String] = [:]
        for contract in contracts {
            if let name = contract.document["properties"]?["schema_version"]?["const"]?.stringValue {
                contractForVersion[name] = contract.id
            }
        }
        let fixtures = URL(fileURLWithPath: fixturesPath)
        var checked = 0
        var skippedTemplates = 0
        for file in try Self.jsonFiles(under: fixtures) {
            let document = try Self.readJSON(fixtures.appendingPathComponent(file))
            for (pointer, subdocument) in Self.versionedDocuments(document) {
                guard let version = subdocument["schema_version"]?.stringValue,
                      let contractID = contractForVersion[version] else { continue }
                if Self.containsWildcard(subdocument) {
                    skippedTemplates += 1
                    continue
                }
                let violations = try validator.validate(subdocument, schemaID: contractID)
                if Self.isPartialExpectation(file: file, violations) {
                    skippedTemplates += 1
                    continue
                }
                checked += 1
                let label = "\(file)#\(pointer) (\(version))"
                if Self.knownInvalidFixtures.contains(file) && pointer.tokens.isEmpty {
                    XCTAssertFalse(violations.isEmpty, "\(label) should be rejected, as upstream rejects it")
                } else {
                    XCTAssertTrue(violations.isEmpty, "\(label): \(Self.describe(violations))")
                }
            }
        }
        XCTAssertGreaterThanOrEqual(checked, 30, "too few fixture documents found under \(fixturesPath)")
        XCTAssertGreaterThan(skippedTemplates, 0)
    }

    /// The document and every nested object that carries a string `schema_version`, with pointers.
    static func versionedDocuments(_ value: JSON, at pointer: JSONPointer = JSONPointer()) -> [(JSONPointer, JSON)] {
        var out: [(JSONPointer, JSON)] = []
        switch value {
        case .object(let members):
            if members["schema_version"]?.stringValue != nil { out.append((pointer, value)) }
            for key in members.keys.sorted() {
                out += versionedDocuments(members[key]!, at: pointer.appending(key))
            }
        case .array(let items):
            for (i, item) in items.enumerated() { out += versionedDocuments(item, at: pointer.appending(i)) }
        default:
            break
        }
        return out
    }

    /// An expected report that lists only the members a CI script compares (the remote-oss
    /// expectations, e.g. `{exit_code, diagnostics: [{code}]}`): under `expected/`, and every
    /// violation is a member it left out, never a wrong value.
    static func isPartialExpectation(file: String, _ violations: [SchemaViolation]) -> Bool {
        file.contains("/expected/") && !violations.isEmpty && violations.allSatisfy { $0.keyword == "required" }
    }

    /// True when a template placeholder `"__ANY__"` occurs anywhere in the value.
    static func containsWildcard(_ value: JSON) -> Bool {
        switch value {
        case .string(let s): return s == "__ANY__"
        case .array(let items): return items.contains(where: containsWildcard)
        case .object(let members): return members.values.contains(where: containsWildcard)
        default: return false
        }
    }

    // MARK: - (4) references

    func testEveryContractCompilesWithAllReferencesResolved() throws {
        let contracts = try Self.loadContracts()
        let validator = SchemaValidator(registry: try Self.loadRegistry(contracts))
        for contract in contracts {
            XCTAssertNoThrow(try validator.validate(.object([:]), schemaID: contract.id), contract.relativePath)
        }
    }

    func testEveryReferenceTargetExists() throws {
        let contracts = try Self.loadContracts()
        let validator = SchemaValidator(registry: try Self.loadRegistry(contracts))
        var count = 0
        for contract in contracts {
            for reference in Self.references(in: contract.document) {
                let absolute = reference.hasPrefix("#") ? contract.id + reference : reference
                count += 1
                XCTAssertNoThrow(try validator.validate(.null, schema: ["$ref": .string(absolute)]),
                                 "\(contract.relativePath): $ref \(reference)")
            }
        }
        XCTAssertGreaterThan(count, 100)
    }

    /// Every `$ref` value in a schema document (data-valued keywords are not searched).
    static func references(in value: JSON) -> [String] {
        switch value {
        case .object(let members):
            var out: [String] = []
            if let ref = members["$ref"]?.stringValue { out.append(ref) }
            for (key, member) in members where !["const", "enum", "default", "examples"].contains(key) {
                out += references(in: member)
            }
            return out
        case .array(let items):
            return items.flatMap(references(in:))
        default:
            return []
        }
    }
}
