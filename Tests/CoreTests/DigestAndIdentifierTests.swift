@testable import LPCore
@testable import LPState
@testable import LPModel
@testable import LPIndex
@testable import LPStage
import XCTest

final class DigestAndIdentifierTests: XCTestCase {
    func testSHA256KnownAnswers() {
        XCTAssertEqual(SHA256.hex([]), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex(Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let hasher = SHA256Hasher()
        hasher.update(Array("a".utf8))
        hasher.update(Array("bc".utf8))
        XCTAssertEqual(Hex.encode(hasher.finish()), SHA256.hex(Array("abc".utf8)))
    }

    func testDigestRefOfDocumentUsesCanonicalBytes() throws {
        let a = try JSONParser.parse(#"{ "b": 1, "a": [1.0, 2] }"#)
        let ref = DigestRef(of: a)
        XCTAssertEqual(ref.bytes_len, #"{"a":[1,2],"b":1}"#.utf8.count)
        XCTAssertEqual(ref.sha256, SHA256.hex(Array(#"{"a":[1,2],"b":1}"#.utf8)))
        XCTAssertEqual(ref.json.canonicalString, "{\"bytes_len\":17,\"sha256\":\"\(ref.sha256)\"}")
    }

    func testIdentifiersAreCrockfordOfTheSeedDigest() {
        // The 26 chars are the first 130 bits of SHA-256("abc") = ba7816bf..., in base32 groups of 5 bits.
        XCTAssertEqual(Identifier.crockford26(SHA256.digest(Array("abc".utf8))), "q9w1dfwf077ymga183f5vbh24e")
        let id = Identifier.make(.execution, seed: "abc")
        XCTAssertEqual(id, "lpexec_q9w1dfwf077ymga183f5vbh24e")
        XCTAssertTrue(Identifier.isValid(id, prefix: .execution))
        XCTAssertFalse(Identifier.isValid(id, prefix: .run))
        XCTAssertFalse(Identifier.isValid("lpexec_Q9W1DFWF077YMGA183F5VBH24E", prefix: .execution))
        XCTAssertEqual(Identifier.make(.run, parts: ["a", "b"]), Identifier.make(.run, parts: ["a", "b"]))
        XCTAssertNotEqual(Identifier.make(.run, parts: ["a", "b"]), Identifier.make(.run, parts: ["ab"]))
        for prefix in IdentifierPrefix.allCases {
            let made = Identifier.make(prefix, seed: "x")
            XCTAssertTrue(made.range(of: "^[a-z]+_[0-9a-hjkmnp-tv-z]{26}$", options: .regularExpression) != nil, made)
        }
    }

    func testExitCodeTableHasReferenceValues() {
        XCTAssertEqual(ExitCode.gateRejected.rawValue, 13)
        XCTAssertEqual(ExitCode.stateLocked.rawValue, 17)
        XCTAssertEqual(ExitCode.unsupportedPlanStep.rawValue, 26)
        XCTAssertTrue(ExitCode.table.contains(" 50  internal error"))
    }

    func testLogicalClockIsDerivedFromThePinnedBase() {
        let clock = LogicalClock(pinnedBase: 1_762_147_200_000)
        XCTAssertEqual(clock.unixMs(step: 3), 1_762_147_200_003)
        XCTAssertEqual(LogicalClock.rfc3339(unixMs: 1_762_147_200_123), "2025-11-03T05:20:00.123Z")
        XCTAssertEqual(LogicalClock.rfc3339(unixMs: 0), "1970-01-01T00:00:00.000Z")
    }
}
