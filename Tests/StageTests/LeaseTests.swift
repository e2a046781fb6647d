import LPCore
@testable import LPServe
import Foundation
import XCTest

/// x07lpd's app/env lease under contention: of requests racing for one environment exactly one
/// wins, whatever the interleaving (a lease file seen half-written once let two runs in).
final class LeaseTests: XCTestCase {
    func testOfRacingRequestsExactlyOneTakesTheLease() {
        let state = StageProcess.temporaryDirectory()
        for round in 0..<40 {
            let winners = Locked<[String]>([])
            DispatchQueue.concurrentPerform(iterations: 6) { index in
                let id = "lpexec_round\(round)_\(index)"
                if (try? Lease.acquire(state: state, app: "app", env: "staging", execId: id, holderPid: getpid(), nowMs: Lease.nowMs())) != nil {
                    winners.update { $0.append(id) }
                }
            }
            XCTAssertEqual(winners.value.count, 1, "round \(round): \(winners.value)")
            for id in winners.value { Lease.release(state: state, app: "app", env: "staging", execId: id) }
        }
    }

    func testADeadHoldersLeaseIsTakenOverAndALiveOneIsNot() throws {
        let state = StageProcess.temporaryDirectory()
        _ = try Lease.acquire(state: state, app: "a", env: "e", execId: "lpexec_dead", holderPid: Int32.max - 1, nowMs: Lease.nowMs())
        let taken = try Lease.acquire(state: state, app: "a", env: "e", execId: "lpexec_live", holderPid: getpid(), nowMs: Lease.nowMs())
        XCTAssertEqual(taken.lease_holder, "lpexec_live")
        XCTAssertThrowsError(try Lease.acquire(state: state, app: "a", env: "e", execId: "lpexec_other", holderPid: getpid(), nowMs: Lease.nowMs()))
        Lease.release(state: state, app: "a", env: "e", execId: "lpexec_other")
        XCTAssertThrowsError(try Lease.acquire(state: state, app: "a", env: "e", execId: "lpexec_x", holderPid: getpid(), nowMs: Lease.nowMs()),
                             "only its holder releases a lease")
    }
}
