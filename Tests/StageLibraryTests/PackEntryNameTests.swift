@testable import LPCore
@testable import LPModel
@testable import LPValidate
import XCTest

/// Archive entry names (issue 12): `tar -C pack -cf pack.tar .` writes `./` first and every
/// other name under `./`; that leading `./` and the root entry are normal, every other unsafe
/// form is still refused.
final class PackEntryNameTests: XCTestCase {
    func name(_ text: String) throws -> PackEntryName.Normalized { try PackEntryName.normalize(Array(text.utf8)) }

    func testTheRootEntryAndALeadingDotSlashAreNormalised() throws {
        XCTAssertEqual(try name("./"), .root)
        XCTAssertEqual(try name("."), .root)
        XCTAssertEqual(try name("./app.pack.json"), .path("app.pack.json"))
        XCTAssertEqual(try name("./assets/"), .path("assets"))
        XCTAssertEqual(try name("./assets/index.html"), .path("assets/index.html"))
        XCTAssertEqual(try name("assets/"), .path("assets"))
        XCTAssertEqual(try name("assets/index.html"), .path("assets/index.html"))
        XCTAssertEqual(try name("a.b/.well-known/x..y"), .path("a.b/.well-known/x..y"))
    }

    func testTraversalAbsoluteAndInnerDotComponentsAreStillRefused() {
        for unsafe in ["../evil.txt", "./../evil.txt", "assets/../../evil.txt", "/tmp/evil.txt", "//tmp/evil.txt",
                       "./assets/./index.html", "assets/./index.html", "assets/.", "././app.pack.json", "./.", ".//x",
                       "assets//index.html", "assets//", "", "a\\b", "a\u{1}b"] {
            XCTAssertThrowsError(try name(unsafe), unsafe) { error in
                XCTAssertEqual((error as? LPError)?.diagnostics.first?.code, "LP_PACK_PATH_UNSAFE", unsafe)
                XCTAssertEqual((error as? LPError)?.exitCode, .invalidInput, unsafe)
            }
        }
    }

    func testDeclaredPathsMustBeInNormalForm() {
        XCTAssertNoThrow(try PackEntryName.checkDeclared("assets/index.html"))
        for declared in [".", "./", "./assets/index.html", "assets/", "assets/./index.html", "../index.html"] {
            XCTAssertThrowsError(try PackEntryName.checkDeclared(declared), declared) { error in
                XCTAssertEqual((error as? LPError)?.diagnostics.first?.code, "LP_PACK_PATH_UNSAFE", declared)
            }
        }
    }

    func testIntentsIntakeRunsAndTheOnesItRefusesWithTheirVerb() throws {
        for intent in ["deploy", "rollback", "validate_only"] {
            XCTAssertNoThrow(try ChangeIntent(changeRequest: ["intent": .string(intent)]).refuseUnlessIntake(), intent)
        }
        for (intent, verb) in [("stop", "x07lp deploy stop"), ("replay", "x07lp regress from-incident")] {
            XCTAssertThrowsError(try ChangeIntent(changeRequest: ["intent": .string(intent)]).refuseUnlessIntake()) { error in
                let error = error as? LPError
                XCTAssertEqual(error?.exitCode, .gateRejected, intent)
                XCTAssertEqual(error?.diagnostics.first?.code, "LP_INTENT_UNSUPPORTED", intent)
                XCTAssertTrue(error?.diagnostics.first?.message.contains(verb) ?? false, intent)
            }
        }
    }
}
