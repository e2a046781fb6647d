import LPCore
import Foundation
import XCTest

/// The stages read their environment from `environ` (ProcessEnvironment) instead of Foundation:
/// the answer must be the same dictionary.
final class ProcessEnvironmentTests: XCTestCase {
    func testTheEnvironmentIsFoundationsDictionary() {
        setenv("X07LP_ENV_PROBE", "a=b=c", 1)
        setenv("X07LP_ENV_EMPTY", "", 1)
        defer { unsetenv("X07LP_ENV_PROBE"); unsetenv("X07LP_ENV_EMPTY") }
        let ours = ProcessEnvironment.current()
        XCTAssertEqual(ours["X07LP_ENV_PROBE"], "a=b=c")
        XCTAssertEqual(ours["X07LP_ENV_EMPTY"], "")
        XCTAssertEqual(ours, ProcessInfo.processInfo.environment)
    }
}
