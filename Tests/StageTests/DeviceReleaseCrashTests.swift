import LPCore
import Foundation
import XCTest

/// `kill -9` of release-run and release-observe right after each of their renames into the
/// state (`X07LP_CRASH_AFTER_WRITES=N`) leaves a state `state verify` accepts, and the command
/// run again ends as documented.
final class DeviceReleaseCrashTests: XCTestCase {
    /// Crashes `arguments` at write 1, 2, … on copies of `base` until a run gets through.
    func crashAtEveryWrite(_ name: String, base: String, arguments: [String], doneCodes: [String] = [],
                           file: StaticString = #filePath, line: UInt = #line) throws -> Int {
        var points = 0
        for point in 1...200 {
            let state = StageProcess.temporaryDirectory() + "/state"
            try FileManager.default.copyItem(atPath: base, toPath: state)
            let args = arguments.map { $0 == "STATE" ? state : $0 }
            let crashed = try StageProcess.runUntilSignal(StageProcess.binary("lp-release"), args,
                                                          environment: ["X07LP_CRASH_AFTER_WRITES": String(point)])
            guard crashed else { break }
            points += 1
            let verify = try StageProcess.x07lp(["state", "verify", "--state-dir", state])
            XCTAssertEqual(verify.status, 0, "\(name), crash after write \(point): \(verify.stderr)", file: file, line: line)
            let again = try StageProcess.run(StageProcess.binary("lp-release"), args)
            XCTAssertTrue(again.status == 0 || doneCodes.contains { again.stderr.contains($0) },
                          "\(name), crash after write \(point), run again: \(again.stderr)", file: file, line: line)
            let after = try StageProcess.x07lp(["state", "verify", "--state-dir", state])
            XCTAssertEqual(after.status, 0, "\(name), crash after write \(point), after the re-run: \(after.stderr)", file: file, line: line)
        }
        return points
    }

    func testKillDuringRunAndObserve() throws {
        let bench = try DeviceReleaseBench()
        _ = try bench.create("mock_production_ios", plan: "gated.plan.json", extra: ["--slo-profile", bench.fixtures + "/slo_min.json"])
        let time = ["--now-unix-ms", DeviceReleaseBench.now]
        let runPoints = try crashAtEveryWrite("release-run", base: bench.state,
                                              arguments: ["run", "--plan", bench.root + "/gated.plan.json", "--state-dir", "STATE"] + time)
        XCTAssertGreaterThan(runPoints, 10, "a run writes its package, execution and steps one transaction at a time")

        let execId = try XCTUnwrap(try bench.run("gated.plan.json")["result"]?["exec_id"]?.stringValue)
        try bench.seedTelemetry(execId, scenario: DeviceReleaseBench.policyViolation)
        // A failed gate pauses the release: observing it again is refused (exit 18), as documented.
        let observePoints = try crashAtEveryWrite("release-observe", base: bench.state,
                                                  arguments: ["observe", "--release", execId, "--reason", "look", "--state-dir", "STATE"] + time,
                                                  doneCodes: ["LP_DEVICE_RELEASE_PAUSED"])
        XCTAssertGreaterThan(observePoints, 5)
    }
}
