import LPCore
import Foundation
import XCTest

/// Progress on a terminal's stderr (`script -qc` gives the stages a pseudo-terminal): intake shows
/// the bytes read of the pack's total, a pause counts down, each line names its step; in a pipe
/// nothing of it appears.
final class ProgressTerminalTests: XCTestCase {
    let hello = ExamplePacks.hello

    func inputs(_ state: String) -> [String] {
        ["--pack", hello + "/pack.tar.gz", "--change", hello + "/change_request.ops.json",
         "--ops", hello + "/ops.canary.json", "--slo", hello + "/slo.json",
         "--policy", hello + "/policy.baseline.json", "--provenance", hello + "/provenance.dsse.json",
         "--trusted-key", hello + "/keys/test-signing.pub.pem", "--state-dir", state, "--json"]
    }

    var run: [String] { ["--metrics-dir", StageProcess.repoRoot + "/examples/hello/metrics", "--pause-scale", "1.5"] }

    /// x07lp on a pseudo-terminal (stdout and stderr), with progress redrawn in place.
    func onTerminal(_ arguments: [String]) throws -> StageResult {
        let line = ([StageProcess.x07lp] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
            .joined(separator: " ")
        return try StageProcess.run("/usr/bin/script", ["-qec", line, "/dev/null"], stdin: [])
    }

    func testATerminalSeesTheIntakeTotal() throws {
        let accepted = try onTerminal(["deploy", "accept"] + inputs(StageProcess.temporaryDirectory() + "/state"))
        XCTAssertEqual(accepted.status, 0, accepted.stdoutText)
        let manifest = try FileManager.default.attributesOfItem(atPath: hello + "/pack/app.pack.json")[.size] as? Int ?? 0
        let assets = try FileManager.default.contentsOfDirectory(atPath: hello + "/pack/assets").map {
            try FileManager.default.attributesOfItem(atPath: hello + "/pack/assets/" + $0)[.size] as? Int ?? 0
        }
        let total = ProgressReporter.size(Int64(manifest + assets.reduce(0, +)))
        XCTAssertTrue(accepted.stdoutText.contains("intake: \(total) of \(total) read (100%)"), accepted.stdoutText)
    }

    func testATerminalSeesPausesCountDownAndAPipeSeesNoProgress() throws {
        let shown = try onTerminal(["deploy"] + inputs(StageProcess.temporaryDirectory() + "/state") + run)
        XCTAssertEqual(shown.status, 0, shown.stdoutText)
        for step in ["deploy step 3 pause_1", "deploy step 6 pause_1"] {
            for expected in ["waiting 1.5s", "2s left of 1.5s", "1s left of 1.5s", "waited 1.5s, resuming"] {
                XCTAssertTrue(shown.stdoutText.contains("\(step): \(expected)"), "no \"\(step): \(expected)\" in\n\(shown.stdoutText)")
            }
        }
        XCTAssertTrue(shown.stdoutText.contains("\"outcome\":\"promoted\""), shown.stdoutText)

        let piped = try StageProcess.x07lp(["deploy"] + inputs(StageProcess.temporaryDirectory() + "/state") + run)
        XCTAssertEqual(piped.status, 0, piped.stderr)
        XCTAssertFalse(piped.stderr.contains("intake:") || piped.stderr.contains("left of") || piped.stderr.contains("waiting"),
                       piped.stderr)
    }
}
