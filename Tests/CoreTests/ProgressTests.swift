@testable import LPCore
@testable import LPState
@testable import LPModel
@testable import LPIndex
@testable import LPStage
import XCTest

/// When progress is shown and what it writes: redraws on a terminal, plain lines under NO_COLOR,
/// nothing for pipes, `--quiet` or X07LP_NO_PROGRESS.
final class ProgressTests: XCTestCase {
    func testModeFollowsTerminalQuietAndEnvironment() {
        XCTAssertEqual(ProgressReporter.mode(requested: true, stderrIsTTY: true, environment: [:]), .redraw)
        XCTAssertEqual(ProgressReporter.mode(requested: true, stderrIsTTY: false, environment: [:]), .off)
        XCTAssertEqual(ProgressReporter.mode(requested: false, stderrIsTTY: true, environment: [:]), .off, "--quiet")
        XCTAssertEqual(ProgressReporter.mode(requested: true, stderrIsTTY: true, environment: ["X07LP_NO_PROGRESS": ""]), .off)
        XCTAssertEqual(ProgressReporter.mode(requested: true, stderrIsTTY: true, environment: ["NO_COLOR": "1"]), .lines)
        // no-color.org: an empty NO_COLOR does not count.
        XCTAssertEqual(ProgressReporter.mode(requested: true, stderrIsTTY: true, environment: ["NO_COLOR": ""]), .redraw)
        XCTAssertEqual(ProgressReporter.mode(requested: true, stderrIsTTY: false, environment: ["NO_COLOR": "1"]), .off)
    }

    func testRenderRedrawsInPlaceOrWritesPlainLines() {
        XCTAssertEqual(ProgressReporter.render("intake: 64 MiB read", mode: .redraw), "\r\u{1B}[Kintake: 64 MiB read")
        XCTAssertEqual(ProgressReporter.render("intake: 64 MiB read", mode: .lines), "intake: 64 MiB read\n")
        XCTAssertNil(ProgressReporter.render("intake: 64 MiB read", mode: .off))
    }

    func testAReporterClosesItsRedrawnLineOnceAndOnlyWhenOpen() {
        for (mode, expected) in [(ProgressReporter.Mode.redraw, "\r\u{1B}[Ka\r\u{1B}[Kb\n"), (.lines, "a\nb\n"), (.off, "")] {
            var written = ""
            let reporter = ProgressReporter(mode: mode) { written += $0 }
            reporter.show("a")
            reporter.show("b")
            reporter.finish()
            reporter.finish()
            XCTAssertEqual(written, expected, "\(mode)")
            XCTAssertFalse(mode == .lines && written.contains("\u{1B}"), "NO_COLOR output carries no escape codes")
        }
    }

    func testByteCounterShowsEvery64MiB() {
        var written: [String] = []
        let count = ProgressReporter(mode: .lines) { written.append($0) }.byteCounter(label: "intake")
        for mib: Int64 in [1, 63, 64, 100, 127, 128, 300] { count(mib << 20) }
        XCTAssertEqual(written, ["intake: 64 MiB read\n", "intake: 128 MiB read\n", "intake: 300 MiB read\n"])
    }

    func testByteCounterWithATotalShowsTheShareAndTheEndOnce() {
        var written: [String] = []
        var total: Int64?
        let count = ProgressReporter(mode: .lines) { written.append($0) }.byteCounter(label: "intake") { total }
        count(10 << 20)
        total = 1000 << 20  // learnt from the manifest part way
        for mib: Int64 in [60, 100, 120, 150, 1000, 1001] { count(mib << 20) }
        XCTAssertEqual(written, ["intake: 100 MiB of 1000 MiB read (10%)\n", "intake: 150 MiB of 1000 MiB read (15%)\n",
                                 "intake: 1000 MiB of 1000 MiB read (100%)\n"])
        written = []
        let small = ProgressReporter(mode: .lines) { written.append($0) }.byteCounter(label: "intake") { 2048 }
        for bytes: Int64 in [100, 1024, 2048, 2048] { small(bytes) }
        XCTAssertEqual(written, ["intake: 2 KiB of 2 KiB read (100%)\n"])
        XCTAssertEqual(ProgressReporter.size(512), "512 B")
    }

    func testPauseLines() {
        let step = "deploy step 3 pause_10"
        XCTAssertEqual(ProgressReporter.pauseWaiting(step: step, seconds: 10), "deploy step 3 pause_10: waiting 10s")
        XCTAssertEqual(ProgressReporter.pauseEnded(step: step, seconds: 10, endedBy: nil), "deploy step 3 pause_10: waited 10s, resuming")
        XCTAssertEqual(ProgressReporter.pauseEnded(step: step, seconds: 10, endedBy: "deployment stopped"),
                       "deploy step 3 pause_10: deployment stopped during the pause")
        XCTAssertEqual(ProgressReporter.pauseLeft(step: step, left: 7, of: 10), "deploy step 3 pause_10: 7s left of 10s")
        XCTAssertEqual(ProgressReporter.duration(0.05), "0.05s")
        XCTAssertEqual(ProgressReporter.duration(59), "59s")
        XCTAssertEqual(ProgressReporter.duration(125), "2m05s")
        XCTAssertEqual(ProgressReporter.duration(3600), "60m00s")
    }
}
