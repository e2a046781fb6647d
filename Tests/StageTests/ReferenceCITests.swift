import LPCore
import Foundation
import XCTest

/// The reference system's own CI scripts (../shared/upstream/reference-ci, unchanged, driving
/// scripts/x07lp through their shim) pass against x07lp, the Command Center cases included. The
/// scripts start `ui serve` with no flag of ours and POST controls without a token, so the run sets
/// X07LP_UI_ALLOW_LOCAL_CONTROL=1, the environment's form of `--allow-local-control`.
final class ReferenceCITests: XCTestCase {
    struct Outcome {
        var exit: Int
        var log: String
    }

    /// Runs `run.sh SCRIPT...` and returns each script's exit status and log text.
    func run(_ scripts: [String]) throws -> [String: Outcome] {
        let kit = try Upstream.require("reference-ci")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [kit + "/run.sh"] + scripts
        var environment = ProcessInfo.processInfo.environment
        environment["X07LP"] = StageProcess.x07lp
        environment["X07LP_BIN_DIR"] = StageProcess.binDir
        environment["X07LP_CONTRACTS_DIR"] = StageProcess.repoRoot + "/contracts"
        environment["TMPDIR"] = StageProcess.temporaryDirectory()
        environment["X07LP_UI_ALLOW_LOCAL_CONTROL"] = "1"
        process.environment = environment
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        var outcomes: [String: Outcome] = [:]
        // "deploy_loop: exit 0, 6 cases ok; log: /tmp/…/deploy_loop.log"
        for line in text.split(separator: "\n") where line.contains(": exit ") && line.contains("; log: ") {
            let name = String(line.prefix { $0 != ":" })
            let exit = Int(line.split(separator: " ")[2].trimmingCharacters(in: .punctuationCharacters)) ?? -1
            let path = String(line[line.range(of: "; log: ")!.upperBound...])
            outcomes[name] = Outcome(exit: exit, log: (try? String(contentsOfFile: path, encoding: .utf8)) ?? "")
        }
        XCTAssertEqual(Set(outcomes.keys), Set(scripts), text)
        return outcomes
    }

    func testDeployLoopControlPlaneAndCheckGoldenPass() throws {
        let outcomes = try run(["deploy_loop", "control_plane", "check_golden"])
        let deployLoop = try XCTUnwrap(outcomes["deploy_loop"])
        XCTAssertEqual(deployLoop.exit, 0, String(deployLoop.log.suffix(3000)))
        XCTAssertTrue(deployLoop.log.contains("ok: deploy loop"))
        let golden = try XCTUnwrap(outcomes["check_golden"])
        XCTAssertEqual(golden.exit, 0, String(golden.log.suffix(3000)))
        XCTAssertTrue(golden.log.contains("ok: bad digest"))
        let controlPlane = try XCTUnwrap(outcomes["control_plane"])
        XCTAssertEqual(controlPlane.exit, 0, String(controlPlane.log.suffix(3000)))
        for scenario in ["baseline promote", "incident_capture_5xx", "incident_query", "incident_capture_slo_rollback",
                         "regression_from_incident", "app_list", "pause_and_rerun", "kill_switch", "ui_smoke"] {
            XCTAssertTrue(controlPlane.log.contains("ok: " + scenario), "control_plane did not pass \(scenario):\n"
                          + String(controlPlane.log.suffix(3000)))
        }
    }

    /// The device release line end to end: mock providers, observe/halt/stop/rerun, native
    /// incidents and regressions, and the Command Center's device routes and controls.
    func testDeviceReleasePasses() throws {
        let outcome = try XCTUnwrap(try run(["device-release"])["device-release"])
        XCTAssertEqual(outcome.exit, 0, String(outcome.log.suffix(3000)))
        XCTAssertTrue(outcome.log.contains("ok: device release"), String(outcome.log.suffix(3000)))
    }
}
