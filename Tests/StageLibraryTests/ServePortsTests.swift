import XCTest
import LPRuntime

/// Which of serving's fixed ports (20000...59999) a host leaves to outgoing connections.
final class ServePortsTests: XCTestCase {
    func testLinuxsDefaultRangeLeavesTheUpperPortsOpen() {
        XCTAssertEqual(ServePorts.unreserved(portRange: "32768\t60999\n", reserved: "\n"), [32768...59999])
    }

    func testAReservationCoveringTheRangeLeavesNothing() {
        XCTAssertEqual(ServePorts.unreserved(portRange: "32768\t60999\n", reserved: "20000-59999\n"), [])
        XCTAssertEqual(ServePorts.unreserved(portRange: "32768\t60999\n", reserved: "8080,30000-60999\n"), [])
    }

    func testPartialReservationsLeaveTheGaps() {
        XCTAssertEqual(ServePorts.unreserved(portRange: "32768 60999", reserved: "40000-45000,50000"),
                       [32768...39999, 45001...49999, 50001...59999])
    }

    func testAnEphemeralRangeOutsideServingsPortsNeedsNothing() {
        XCTAssertEqual(ServePorts.unreserved(portRange: "61000\t65535", reserved: ""), [])
        XCTAssertEqual(ServePorts.unreserved(portRange: "1024\t19999", reserved: ""), [])
    }

    func testUnreadableTextIsNoClaim() {
        XCTAssertEqual(ServePorts.unreserved(portRange: "garbage", reserved: "x-y"), [])
        XCTAssertEqual(ServePorts.unreserved(portRange: "50000\t40000", reserved: ""), [])
    }
}
