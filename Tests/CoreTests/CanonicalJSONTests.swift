@testable import LPCore
@testable import LPState
@testable import LPModel
@testable import LPIndex
@testable import LPStage
import XCTest

final class CanonicalJSONTests: XCTestCase {
    func testRFC8785VectorsByteForByte() throws {
        guard let jcs = UpstreamData.directory("jcs") else { throw XCTSkip("../shared/upstream absent") }
        let inputs = try FileManager.default.contentsOfDirectory(atPath: jcs + "/input").sorted()
        XCTAssertGreaterThanOrEqual(inputs.count, 6)
        for name in inputs {
            let input = try Data(contentsOf: URL(fileURLWithPath: jcs + "/input/" + name))
            let expected = try Data(contentsOf: URL(fileURLWithPath: jcs + "/output/" + name))
            let value = try JSONParser.parse([UInt8](input))
            XCTAssertEqual(value.canonicalBytes, [UInt8](expected), name)
        }
    }

    func testECMAScriptNumberLayout() {
        let cases: [(Double, String)] = [
            (0, "0"), (-0.0, "0"), (1, "1"), (-1, "-1"), (1.5, "1.5"), (0.1, "0.1"),
            (1e21, "1e+21"), (1e20, "100000000000000000000"), (123e-9, "1.23e-7"),
            (0.000001, "0.000001"), (1e-7, "1e-7"), (Double.leastNonzeroMagnitude, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"), (Double(9007199254740992), "9007199254740992"),
            (333333333.33333329, "333333333.3333333"), (-4.5e-300, "-4.5e-300"),
        ]
        for (value, text) in cases { XCTAssertEqual(JSON.ecmaScriptString(value), text, "\(value)") }
    }

    func testStringEscapingIsMinimal() {
        let value = JSON.string("a\"\\\u{1}\u{1f}\n\u{7f}\u{2028}é/")
        XCTAssertEqual(value.canonicalString, "\"a\\\"\\\\\\u0001\\u001f\\n\u{7f}\u{2028}é/\"")
    }

    func testKeysSortByUTF16CodeUnits() throws {
        let value = try JSONParser.parse(#"{"\u20ac":1,"\ud83d\ude00":2,"a":3,"B":4,"":5}"#)
        XCTAssertEqual(value.canonicalString, "{\"\":5,\"B\":4,\"a\":3,\"€\":1,\"😀\":2}")
    }

    func testPrettyKeepsOrderAndRoundTrips() throws {
        let value = try JSONParser.parse(#"{"b":[1,{"c":null}],"a":{}}"#)
        let pretty = String(decoding: value.encoded(.pretty), as: UTF8.self)
        XCTAssertEqual(pretty, "{\n  \"a\": {},\n  \"b\": [\n    1,\n    {\n      \"c\": null\n    }\n  ]\n}")
        XCTAssertEqual(try JSONParser.parse(pretty), value)
    }
}
