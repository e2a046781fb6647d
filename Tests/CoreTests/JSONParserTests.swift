@testable import LPCore
@testable import LPState
@testable import LPModel
@testable import LPIndex
@testable import LPStage
import XCTest

final class JSONParserTests: XCTestCase {
    private func kind(_ text: String) -> JSONParseError.Kind? {
        kind(Array(text.utf8))
    }

    private func kind(_ bytes: [UInt8]) -> JSONParseError.Kind? {
        do { _ = try JSONParser.parse(bytes); return nil } catch let e as JSONParseError { return e.kind } catch { return nil }
    }

    func testParsesEveryValueKind() throws {
        let value = try JSONParser.parse(#" {"a":[1,-2.5e3,true,false,null,"x\u00e9\ud83d\ude00"],"b":{}} "#)
        XCTAssertEqual(value["a"], [1, -2500, true, false, nil, "xé😀"])
        XCTAssertEqual(value["b"], [:])
    }

    func testRejectsSyntaxErrorsWithPosition() {
        for text in ["", "{", "[1,]", "{\"a\" 1}", "01", "1.", "-", "+1", "tru", "[1] x", "'a'", "{\"a\":1,}", "\"\t\"", "\"\\x\""] {
            XCTAssertEqual(kind(text), .syntax, text)
        }
        do { _ = try JSONParser.parse("{\n  \"a\": ?}") } catch let e as JSONParseError {
            XCTAssertEqual(e.line, 2)
            XCTAssertEqual(e.column, 8)
        } catch { XCTFail("\(error)") }
    }

    func testRejectsInvalidUTF8AndLoneSurrogates() {
        XCTAssertEqual(kind([0x22, 0xC3, 0x28, 0x22]), .invalidUTF8)
        XCTAssertEqual(kind([0x22, 0xED, 0xA0, 0x80, 0x22]), .invalidUTF8)  // encoded surrogate
        XCTAssertEqual(kind(#""\ud800""#), .invalidUTF8)
        XCTAssertEqual(kind(#""\udc00\ud800""#), .invalidUTF8)
        XCTAssertEqual(kind([0x5B, 0xFF, 0x5D]), .syntax)
    }

    func testRejectsDuplicateKeys() {
        XCTAssertEqual(kind(#"{"a":1,"a":2}"#), .duplicateKey)
        XCTAssertEqual(kind(#"{"a":1,"\u0061":2}"#), .duplicateKey)
    }

    func testNumbersOutsideDoubleRangeAreRefused() {
        XCTAssertEqual(kind("1e400"), .numberOutOfRange)
        XCTAssertEqual(kind("-1e400"), .numberOutOfRange)
        XCTAssertEqual(kind("[" + String(repeating: "9", count: 400) + "]"), .numberOutOfRange)
        XCTAssertNil(kind("1e-400"))  // underflows to 0, which is representable
    }

    func testDeepNestingIsRefusedNotACrash() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        XCTAssertEqual(kind(deep), .tooDeep)
        let objects = String(repeating: "{\"a\":", count: 10_000) + "1" + String(repeating: "}", count: 10_000)
        XCTAssertEqual(kind(objects), .tooDeep)
        let ok = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        XCTAssertNil(kind(ok))
    }

    func testHugeStringsAreRefused() {
        var bytes: [UInt8] = [0x22]
        bytes += [UInt8](repeating: 0x61, count: 17 << 20)
        bytes.append(0x22)
        XCTAssertEqual(kind(bytes), .stringTooLong)
    }

    func testJSONPointerEscapingAndResolution() throws {
        let doc = try JSONParser.parse(#"{"a/b":{"c~d":[10,20]}}"#)
        let pointer = JSONPointer(tokens: ["a/b", "c~d", "1"])
        XCTAssertEqual(pointer.description, "/a~1b/c~0d/1")
        XCTAssertEqual(JSONPointer("/a~1b/c~0d/1"), pointer)
        XCTAssertEqual(pointer.resolve(in: doc), 20)
        XCTAssertNil(JSONPointer("/a~1b/c~0d/01")?.resolve(in: doc))
        XCTAssertNil(JSONPointer("/a~1b/c~0d/2")?.resolve(in: doc))
        XCTAssertNil(JSONPointer("a"))
        XCTAssertNil(JSONPointer("/~2"))
        XCTAssertEqual(JSONPointer("")?.resolve(in: doc), doc)
    }

    func testIntValueNeverTraps() {
        XCTAssertEqual(JSON.number(42).intValue, 42)
        XCTAssertNil(JSON.number(1.5).intValue)
        XCTAssertNil(JSON.number(1e300).intValue)
        XCTAssertNil(JSON.string("1").intValue)
    }

    func testCodableBridgeRoundTrips() throws {
        struct Model: Codable, Equatable { var name: String; var size: Int; var meta: JSON }
        let model = Model(name: "x", size: 3, meta: ["k": [1, "v"]])
        let json = try JSON(encoding: model)
        XCTAssertEqual(json.canonicalString, #"{"meta":{"k":[1,"v"]},"name":"x","size":3}"#)
        XCTAssertEqual(try json.decode(Model.self), model)
    }
}
