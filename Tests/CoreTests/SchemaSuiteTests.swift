@testable import LPCore
@testable import LPState
@testable import LPModel
@testable import LPIndex
@testable import LPStage
import Foundation
import XCTest

/// Conformance: the official JSON-Schema-Test-Suite (draft 2020-12) for the keywords in scope,
/// and the upstream lp/x07 contracts with their examples.
final class SchemaSuiteTests: XCTestCase {
    /// The suite files for the supported keywords. refRemote.json is left out: it needs the
    /// suite's remote documents (served on localhost:1234), which are not shipped here. Cases
    /// inside these files that need unsupported features (the draft 2020-12 metaschema,
    /// unevaluatedProperties) stay in the denominator.
    static let suiteFiles = [
        "type", "ref", "defs", "boolean_schema", "properties", "additionalProperties", "patternProperties",
        "required", "enum", "const", "pattern", "minLength", "maxLength", "minimum", "maximum",
        "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "items", "prefixItems", "minItems", "maxItems",
        "uniqueItems", "oneOf", "anyOf", "allOf", "not", "if-then-else", "propertyNames", "minProperties",
        "maxProperties", "contains", "minContains", "maxContains", "dependentRequired", "anchor",
        "optional/format/date-time",
    ]

    func testOfficialSuiteAgreement() throws {
        guard let suite = UpstreamData.directory("json-schema-test-suite") else {
            throw XCTSkip("../shared/upstream/json-schema-test-suite absent")
        }
        var total = 0
        var failures: [String] = []
        for file in SchemaSuiteTests.suiteFiles {
            let groups = try readJSON(suite + "/" + file + ".json").arrayValue ?? []
            XCTAssertFalse(groups.isEmpty, file)
            for group in groups {
                // A fresh registry per group: groups reuse the same $ids with different schemas.
                let validator = SchemaValidator(registry: SchemaRegistry())
                let schema = group["schema"] ?? .null
                let groupName = group["description"]?.stringValue ?? "?"
                for test in group["tests"]?.arrayValue ?? [] {
                    total += 1
                    let expected = test["valid"]?.boolValue ?? false
                    let name = "\(file): \(groupName): \(test["description"]?.stringValue ?? "?")"
                    do {
                        let violations = try validator.validate(test["data"] ?? .null, schema: schema)
                        if violations.isEmpty != expected {
                            failures.append("\(name) (expected \(expected ? "valid" : "invalid"))")
                        }
                    } catch {
                        failures.append("\(name) (threw: \(error))")
                    }
                }
            }
        }
        let agreed = total - failures.count
        let ratio = Double(agreed) / Double(max(total, 1))
        print("JSON-Schema-Test-Suite agreement: \(agreed)/\(total) = \(String(format: "%.2f", ratio * 100))%")
        for failure in failures { print("  disagrees: \(failure)") }
        XCTAssertGreaterThan(total, 800)
        XCTAssertGreaterThanOrEqual(ratio, 0.99, failures.joined(separator: "\n"))
    }

    func testEveryUpstreamSchemaCompiles() throws {
        let (registry, directories) = try upstreamRegistry()
        var count = 0
        for directory in directories {
            for name in try schemaFiles(in: directory) {
                let id = try schemaID(of: directory + "/" + name)
                XCTAssertNotNil(registry.schema(for: id), name)
                XCTAssertNoThrow(try SchemaValidator(registry: registry).validate(.object([:]), schemaID: id), name)
                count += 1
            }
        }
        XCTAssertGreaterThan(count, 100)
    }

    func testUpstreamExamplesValidateAndMissingRequiredFieldsAreRejected() throws {
        let (registry, directories) = try upstreamRegistry()
        guard let examples = UpstreamData.directory("lp-contracts-examples") else {
            throw XCTSkip("../shared/upstream/lp-contracts-examples absent")
        }
        let validator = SchemaValidator(registry: registry)
        let names = try FileManager.default.contentsOfDirectory(atPath: examples)
            .filter { $0.hasSuffix(".example.json") }.sorted()
        XCTAssertFalse(names.isEmpty)
        for name in names {
            let example = try readJSON(examples + "/" + name)
            let schemaID = try schemaIDForExample(named: name, example, directories: directories)
            let violations = try validator.validate(example, schemaID: schemaID)
            XCTAssertEqual(violations, [], "\(name) against \(schemaID)")

            let required = registry.schema(for: schemaID)?["required"]?.arrayValue?.compactMap(\.stringValue) ?? []
            XCTAssertFalse(required.isEmpty, name)
            guard case .object(let members) = example else { XCTFail("\(name) is not an object"); continue }
            for field in required {
                var members = members
                members[field] = nil
                let missing = try validator.validate(.object(members), schemaID: schemaID)
                XCTAssertTrue(missing.contains { $0.keyword == "required" && $0.message.contains("\"\(field)\"") },
                              "\(name) without \(field): \(missing)")
            }
        }
    }

    // MARK: - Helpers

    private func readJSON(_ path: String) throws -> JSON {
        try JSONParser.parse([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
    }

    private func upstreamRegistry() throws -> (SchemaRegistry, [String]) {
        guard let lp = UpstreamData.directory("lp-contracts"), let x07 = UpstreamData.directory("x07-schemas") else {
            throw XCTSkip("../shared/upstream/lp-contracts or x07-schemas absent")
        }
        let registry = try SchemaRegistry.load(directory: lp)
        try registry.add(directory: x07)
        return (registry, [lp, x07])
    }

    private func schemaFiles(in directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".schema.json") }.sorted()
    }

    private func schemaID(of path: String) throws -> String {
        try readJSON(path)["$id"]?.stringValue ?? URL(fileURLWithPath: path).standardizedFileURL.absoluteString
    }

    /// `lp.X.example.json` pairs with the schema whose title or `schema_version` const is the
    /// example's `schema_version`, else with the file `lp.X.schema.json`.
    private func schemaIDForExample(named name: String, _ example: JSON, directories: [String]) throws -> String {
        let version = example["schema_version"]?.stringValue
        for directory in directories {
            for file in try schemaFiles(in: directory) {
                let schema = try readJSON(directory + "/" + file)
                let declared = schema["properties"]?["schema_version"]?["const"]?.stringValue ?? schema["title"]?.stringValue
                if let version, declared == version { return try schemaID(of: directory + "/" + file) }
            }
        }
        let fallback = name.replacingOccurrences(of: ".example.json", with: ".schema.json")
        for directory in directories where FileManager.default.fileExists(atPath: directory + "/" + fallback) {
            return try schemaID(of: directory + "/" + fallback)
        }
        throw SchemaError("no upstream schema for example \(name)")
    }
}
