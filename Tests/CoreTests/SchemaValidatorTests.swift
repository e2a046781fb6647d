@testable import LPCore
@testable import LPState
@testable import LPModel
@testable import LPIndex
@testable import LPStage
import Foundation
import Synchronization
import XCTest

final class SchemaValidatorTests: XCTestCase {
    private func parse(_ text: String) throws -> JSON { try JSONParser.parse(text) }

    private func violations(_ instance: String, _ schema: String) throws -> [SchemaViolation] {
        try SchemaValidator(registry: SchemaRegistry()).validate(parse(instance), schema: parse(schema))
    }

    private func assertSchemaError(_ schema: String, instance: String = "{}", containing text: String,
                                   file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try violations(instance, schema), file: file, line: line) { error in
            guard let error = error as? SchemaError else { return XCTFail("not a SchemaError: \(error)", file: file, line: line) }
            XCTAssertTrue(error.message.contains(text), error.message, file: file, line: line)
        }
    }

    // MARK: - Reporting

    /// A missing required property is reported at the pointer where it is missing.
    func testNestedMissingRequiredFieldNamesInstancePointerAndKeywordLocation() throws {
        let registry = SchemaRegistry()
        try registry.add(parse("""
            {"$id": "https://example.test/report.json", "type": "object",
             "properties": {"meta": {"type": "object", "required": ["tool", "run_id"],
                                     "properties": {"tool": {"const": "x07lp"}}},
                            "items": {"type": "array", "items": {"$ref": "#/$defs/item"}}},
             "$defs": {"item": {"type": "object", "required": ["name"]}}}
            """))
        let validator = SchemaValidator(registry: registry)
        let meta = try validator.validate(parse(#"{"meta": {"tool": "x07lp"}}"#), schemaID: "https://example.test/report.json")
        XCTAssertEqual(meta, [SchemaViolation(instancePointer: JSONPointer(tokens: ["meta", "run_id"]),
                                              schemaLocation: "https://example.test/report.json#/properties/meta/required",
                                              keyword: "required", message: "missing required property \"run_id\"")])

        // Through a $ref the location is the referenced schema's own.
        let item = try validator.validate(parse(#"{"items": [{"name": "a"}, {}]}"#), schemaID: "https://example.test/report.json")
        XCTAssertEqual(item.map(\.instancePointer.description), ["/items/1/name"])
        XCTAssertEqual(item.map(\.schemaLocation), ["https://example.test/report.json#/$defs/item/required"])
    }

    func testReportsEveryViolationNotJustTheFirst() throws {
        let found = try violations(#"{"name": "", "count": 1.5, "tags": ["a", "a"], "extra": true}"#, """
            {"type": "object", "required": ["name", "id"], "additionalProperties": false,
             "properties": {"name": {"type": "string", "minLength": 1}, "count": {"type": "integer", "maximum": 1},
                            "tags": {"type": "array", "uniqueItems": true}, "id": {"type": "string"}}}
            """)
        // In a fixed order: keywords in evaluation order, properties sorted by name.
        XCTAssertEqual(found.map { "\($0.instancePointer) \($0.keyword)" },
                       ["/id required", "/count type", "/count maximum", "/name minLength", "/tags uniqueItems",
                        "/extra additionalProperties"])
        XCTAssertEqual(found.first { $0.keyword == "type" }?.message, "expected integer, got number")
        XCTAssertEqual(found.first { $0.keyword == "additionalProperties" }?.message, "property \"extra\" is not allowed")
    }

    func testCombinatorFailuresAreSummarizedOnTheKeyword() throws {
        let schema = """
            {"properties": {"loc": {"oneOf": [
                {"type": "object", "required": ["kind", "ptr"], "properties": {"kind": {"const": "x07ast"}}},
                {"type": "object", "required": ["kind", "span"], "properties": {"kind": {"const": "text"}}}]}}}
            """
        let none = try violations(#"{"loc": {"kind": "text"}}"#, schema)
        XCTAssertEqual(none.count, 1)
        XCTAssertEqual(none.first?.keyword, "oneOf")
        XCTAssertEqual(none.first?.instancePointer.description, "/loc")
        XCTAssertEqual(none.first?.schemaLocation.hasSuffix("#/properties/loc/oneOf"), true)
        XCTAssertEqual(none.first?.message,
                       "matches 0 of the 2 oneOf branches; closest is branch 1 at /loc/span: missing required property \"span\"")
        let both = try violations(#"{"a": 1}"#, #"{"oneOf": [{"type": "object"}, {"required": ["a"]}]}"#)
        XCTAssertEqual(both.map(\.message), ["matches 2 of the 2 oneOf branches (0, 1); exactly one must match"])
        let notMatched = try violations("3", #"{"not": {"type": "integer"}}"#)
        XCTAssertEqual(notMatched.map(\.keyword), ["not"])
    }

    // MARK: - References

    func testCrossFileRefByIdBetweenRegisteredSchemas() throws {
        let registry = SchemaRegistry()
        try registry.add(parse("""
            {"$id": "https://example.test/common.json",
             "$defs": {"id": {"type": "string", "pattern": "^[a-z]+$"}, "positive": {"$anchor": "positive", "minimum": 1}}}
            """))
        try registry.add(parse("""
            {"$id": "https://example.test/deploy.json", "type": "object",
             "properties": {"id": {"$ref": "common.json#/$defs/id"},
                            "count": {"$ref": "https://example.test/common.json#positive"}}}
            """))
        XCTAssertEqual(registry.ids, ["https://example.test/common.json", "https://example.test/deploy.json"])
        let validator = SchemaValidator(registry: registry)
        XCTAssertEqual(try validator.validate(parse(#"{"id": "abc", "count": 2}"#), schemaID: "https://example.test/deploy.json"), [])
        let bad = try validator.validate(parse(#"{"id": "ABC\n", "count": 0}"#), schemaID: "https://example.test/deploy.json")
        XCTAssertEqual(bad.map(\.schemaLocation), ["https://example.test/common.json#/$defs/positive/minimum",
                                                   "https://example.test/common.json#/$defs/id/pattern"])
        // A fragment in the schema id validates against that subschema.
        XCTAssertEqual(try validator.validate("xyz", schemaID: "https://example.test/common.json#/$defs/id"), [])
        XCTAssertThrowsError(try validator.validate("x", schemaID: "https://example.test/nowhere.json"))
    }

    func testRegistryLoadsDirectoryAndSkipsIndex() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("schema-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data(#"{"schemas": [{"id": "a", "path": "a.json"}]}"#.utf8).write(to: directory.appendingPathComponent("index.json"))
        try Data(#"{"$id": "https://example.test/a.json", "$ref": "b.json"}"#.utf8).write(to: directory.appendingPathComponent("a.json"))
        try Data(#"{"$id": "https://example.test/b.json", "type": "integer"}"#.utf8).write(to: directory.appendingPathComponent("b.json"))
        let registry = try SchemaRegistry.load(directory: directory.path)
        XCTAssertEqual(registry.ids, ["https://example.test/a.json", "https://example.test/b.json"])
        XCTAssertEqual(registry.schema(for: "https://example.test/b.json#")?["type"], "integer")
        let found = try SchemaValidator(registry: registry).validate("1", schemaID: "https://example.test/a.json")
        XCTAssertEqual(found.map(\.schemaLocation), ["https://example.test/b.json#/type"])
    }

    func testReRegisteringIsANoOpButAConflictingIdIsAnError() throws {
        let registry = SchemaRegistry()
        let schema = try parse(#"{"$id": "https://example.test/x.json", "type": "string"}"#)
        try registry.add(schema)
        try registry.add(schema)
        XCTAssertThrowsError(try registry.add(parse(#"{"$id": "https://example.test/x.json", "type": "integer"}"#)))
        let validator = SchemaValidator(registry: registry)
        XCTAssertEqual(try validator.validate("s", schema: schema), [])
        XCTAssertEqual(try validator.validate(1, schema: ["type": "integer"]), [])
        XCTAssertEqual(try validator.validate(1, schema: ["type": "integer"]), [])
    }

    // MARK: - Hostile schemas

    func testHostileSchemasThrowSchemaErrorInsteadOfCrashing() throws {
        assertSchemaError(##"{"$ref": "#"}"##, containing: "$ref cycle")
        assertSchemaError(##"{"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"allOf": [{"$ref": "#/$defs/a"}]}}, "$ref": "#/$defs/a"}"##,
                          containing: "$ref cycle")
        assertSchemaError(##"{"$ref": "#/$defs/missing"}"##, containing: "does not exist")
        assertSchemaError(#"{"$ref": "https://elsewhere.test/schema.json"}"#, containing: "no schema is registered")
        assertSchemaError(##"{"$ref": "#no-such-anchor"}"##, containing: "no anchor")
        assertSchemaError(#"{"$ref": 5}"#, containing: "$ref must be a string")
        assertSchemaError(#"{"pattern": "(unclosed"}"#, containing: "invalid regular expression")
        assertSchemaError(#"{"patternProperties": {"[": true}}"#, containing: "invalid regular expression")
        assertSchemaError(#"{"properties": {"a": 5}}"#, containing: "must be an object or a boolean")
        assertSchemaError(#"{"properties": []}"#, containing: "properties must be an object")
        assertSchemaError(#"{"items": [{"type": "string"}]}"#, containing: "prefixItems")
        assertSchemaError(#"{"type": "strnig"}"#, containing: "type name")
        assertSchemaError(#"{"minLength": -1}"#, containing: "non-negative integer")
        assertSchemaError(#"{"multipleOf": 0}"#, containing: "greater than 0")
        assertSchemaError(#"{"allOf": []}"#, containing: "non-empty array")
        assertSchemaError("[]", containing: "must be an object or a boolean")
        // Problems in unused parts of a schema are still found: everything compiles eagerly.
        assertSchemaError(##"{"$defs": {"unused": {"$ref": "#/nowhere"}}}"##, containing: "unresolvable $ref")
        // A recursive schema that consumes the instance on every $ref is fine.
        XCTAssertEqual(try violations("[[[[1]]]]", ##"{"anyOf": [{"type": "integer"}, {"items": {"$ref": "#"}}]}"##), [])
        // After a failed compile the registry is still usable.
        let registry = SchemaRegistry()
        let validator = SchemaValidator(registry: registry)
        XCTAssertThrowsError(try validator.validate(1, schema: ["$ref": "#/$defs/x"]))
        XCTAssertEqual(try validator.validate(1, schema: ["type": "integer"]), [])
    }

    func testDeepInstancesAndDeepRecursionStayWithinLimits() throws {
        var text = "1"
        for _ in 0..<255 { text = "[" + text + "]" }
        let deep = try parse(text)
        XCTAssertEqual(try SchemaValidator(registry: SchemaRegistry())
            .validate(deep, schema: parse(##"{"anyOf": [{"type": "integer"}, {"items": {"$ref": "#"}}]}"##)), [])
        // Twenty in-place $refs per instance level: too deep for 256 levels, refused, not a crash.
        var defs: [String: JSON] = [:]
        for i in 0..<20 { defs["d\(i)"] = ["$ref": .string("#/$defs/d\(i + 1)")] }
        defs["d20"] = ["items": ["$ref": "#/$defs/d0"]]
        let schema: JSON = ["$defs": .object(defs), "$ref": "#/$defs/d0"]
        XCTAssertThrowsError(try SchemaValidator(registry: SchemaRegistry()).validate(deep, schema: schema)) { error in
            XCTAssertTrue(String(describing: error).contains("nested deeper"), "\(error)")
        }
    }

    // MARK: - Keyword details

    func testDateTimeFormat() throws {
        let schema = #"{"type": "string", "format": "date-time"}"#
        for valid in ["2025-11-03T05:20:00Z", "2025-11-03T05:20:00.123+01:00", "2024-02-29T00:00:00z",
                      "1998-12-31T23:59:60Z"] {
            XCTAssertEqual(try violations("\"\(valid)\"", schema), [], valid)
        }
        for invalid in ["2025-13-03T05:20:00Z", "2025-11-03 05:20:00", "2025-11-03T05:20:00", "2023-02-29T00:00:00Z",
                        "2025-11-03T05:20:00.Z", "2025-11-03T05:20:00+0100", "2025-11-03T05:20:60Z"] {
            let found = try violations("\"\(invalid)\"", schema)
            XCTAssertEqual(found.map(\.keyword), ["format"], invalid)
        }
        // Other formats are annotations only.
        XCTAssertEqual(try violations(#""not an email""#, #"{"format": "email"}"#), [])
    }

    func testStringAndNumberDetails() throws {
        XCTAssertEqual(try violations(#""😀é""#, #"{"maxLength": 2, "minLength": 2}"#), [])
        XCTAssertEqual(try violations(#""abc\n""#, #"{"pattern": "^[a-z]+$"}"#).map(\.keyword), ["pattern"])
        XCTAssertEqual(try violations(#""١٢""#, #"{"pattern": "^\\d+$"}"#).map(\.keyword), ["pattern"])
        XCTAssertEqual(try violations("[1, 1.0]", #"{"uniqueItems": true}"#).map(\.message),
                       ["items 0 and 1 are equal; items must be unique"])
        XCTAssertEqual(try violations(#"[{"a": 1, "b": [2]}, {"b": [2.0], "a": 1.0}]"#, #"{"uniqueItems": true}"#).count, 1)
        XCTAssertEqual(try violations("0.0075", #"{"multipleOf": 0.0001}"#), [])
        XCTAssertEqual(try violations("0.3", #"{"multipleOf": 0.1}"#), [])
        XCTAssertEqual(try violations("0.35", #"{"multipleOf": 0.1}"#).map(\.keyword), ["multipleOf"])
        XCTAssertEqual(try violations("1e308", #"{"multipleOf": 0.123456789}"#).map(\.keyword), ["multipleOf"])
        XCTAssertEqual(try violations("1.0", #"{"type": "integer", "const": 1}"#), [])
        XCTAssertEqual(try violations(#""e\u0301""#, #"{"enum": ["\u00e9"]}"#).map(\.keyword), ["enum"])
    }

    func testArrayKeywords() throws {
        let schema = #"{"prefixItems": [{"type": "string"}], "items": false, "contains": {"type": "integer"}, "maxContains": 1}"#
        XCTAssertEqual(try violations(#"["a"]"#, schema).map(\.keyword), ["contains"])
        XCTAssertEqual(try violations(#"[1, 2]"#, schema).map(\.keyword).sorted(), ["items", "maxContains", "type"])
        XCTAssertEqual(try violations(#"[1, 2]"#, schema).first { $0.keyword == "items" }?.message,
                       "array has 2 items, more than the 1 allowed")
    }

    func testIfThenElsePassesBranchViolationsThrough() throws {
        let schema = #"{"if": {"properties": {"kind": {"const": "a"}}}, "then": {"required": ["a"]}, "else": {"required": ["b"]}}"#
        XCTAssertEqual(try violations(#"{"kind": "a"}"#, schema).map(\.schemaLocation).first?.hasSuffix("#/then/required"), true)
        XCTAssertEqual(try violations(#"{"kind": "z"}"#, schema).map(\.message), ["missing required property \"b\""])
    }

    func testConcurrentValidationSharesOneRegistry() throws {
        let registry = SchemaRegistry()
        try registry.add(parse(#"{"$id": "https://example.test/n.json", "type": "array", "items": {"pattern": "^[0-9]+$"}}"#))
        let counts = Mutex([Int](repeating: -1, count: 8))
        DispatchQueue.concurrentPerform(iterations: 8) { i in
            let instance = JSON.array((0..<1000).map { .string($0 == i ? "x" : String($0)) })
            let count = (try? SchemaValidator(registry: registry).validate(instance, schemaID: "https://example.test/n.json").count) ?? -2
            counts.withLock { $0[i] = count }
        }
        XCTAssertEqual(counts.withLock { $0 }, Array(repeating: 1, count: 8))
    }

    // MARK: - URI resolution (RFC 3986 §5.4 examples)

    func testURIResolution() {
        let base = "http://a/b/c/d;p?q"
        let cases = [
            ("g", "http://a/b/c/g"), ("./g", "http://a/b/c/g"), ("g/", "http://a/b/c/g/"), ("/g", "http://a/g"),
            ("//g", "http://g"), ("?y", "http://a/b/c/d;p?y"), ("#s", "http://a/b/c/d;p?q#s"),
            ("", "http://a/b/c/d;p?q"), ("../g", "http://a/b/g"), ("../../../g", "http://a/g"),
            ("g;x=1/../y", "http://a/b/c/y"), ("g:h", "g:h"),
        ]
        for (reference, expected) in cases { XCTAssertEqual(resolveURI(reference, against: base), expected, reference) }
        XCTAssertEqual(resolveURI("#/$defs/a", against: "urn:uuid:deadbeef-1234"), "urn:uuid:deadbeef-1234#/$defs/a")
        XCTAssertEqual(resolveURI("d.json", against: "http://example.com/b/c.json"), "http://example.com/b/d.json")
    }
}

final class ECMAScriptRegexTests: XCTestCase {
    func testDotFollowsECMAScriptLineTerminators() throws {
        let schema: JSON = ["type": "string", "pattern": "^a.b$"]
        let validator = SchemaValidator(registry: SchemaRegistry())
        for ok in ["a\u{0C}b", "a\u{0B}b", "axb"] {
            XCTAssertEqual(try validator.validate(.string(ok), schema: schema), [], ok.debugDescription)
        }
        for bad in ["a\nb", "a\rb", "a\u{2028}b", "a\u{2029}b", "ab\n"] {
            XCTAssertFalse(try validator.validate(.string(bad), schema: schema).isEmpty, bad.debugDescription)
        }
        let literal: JSON = ["type": "string", "pattern": "^[.]\\.$"]
        XCTAssertEqual(try validator.validate(".." as JSON, schema: literal), [])
        XCTAssertFalse(try validator.validate("x." as JSON, schema: literal).isEmpty)
    }
}
