import LPCore
import LPVerbs
import Foundation
import XCTest

/// A verb run in-process answers the report the CLI prints: two states made the same way, one
/// driven through `scripts/x07lp`, the other through `VerbRunner`, give the same bytes.
final class VerbRunnerTests: XCTestCase {
    func testInProcessVerbsAnswerTheReportsOfTheCLI() throws {
        let viaCLI = try IncidentTests.promoted()
        let inProcess = try IncidentTests.promoted()
        XCTAssertEqual(viaCLI.deployment, inProcess.deployment)
        let time = ["--now-unix-ms", "1767225600000"]
        func capture(_ setup: IncidentTests.Setup) -> [String] {
            ["--deployment-id", setup.deployment, "--request", setup.work + "/request.json", "--response",
             setup.work + "/response.json", "--trace", setup.work + "/trace.json", "--reason", "greet returns 502"] + time
        }
        let verbs: [([String], (IncidentTests.Setup) -> [String])] = [
            (["deploy", "query"], { ["--deployment-id", $0.deployment, "--view", "full"] }),
            (["deploy", "status"], { ["--deployment", $0.deployment] }),
            (["app", "list"], { _ in [] }),
            (["deploy", "pause"], { ["--deployment-id", $0.deployment, "--reason", "too late"] + time }),
            (["incident", "capture"], capture),
            (["incident", "list"], { _ in [] }),
            (["incident", "list"], { ["--deployment-id", $0.deployment] }),
            (["route"], { ["--deployment-id", $0.deployment, "--route-key", "user-7"] }),
            (["state", "verify"], { _ in [] }),
            (["deploy", "query"], { _ in ["--view", "nonsense"] }),
        ]
        for (words, arguments) in verbs {
            let pinned = ["X07LP_NOW_UNIX_MS": "1767225600500"]
            let cli = try StageProcess.x07lp(words + arguments(viaCLI) + ["--state-dir", viaCLI.state, "--json"], environment: pinned)
            let result = VerbRunner.run(words, arguments(inProcess) + ["--state-dir", inProcess.state], environment: pinned)
            let expected = try JSONParser.parse(cli.stdout)
            XCTAssertEqual(result.exitCode.rawValue, cli.status, "\(words): \(cli.stderr)")
            // State paths differ between the two states; everything else is the same.
            XCTAssertEqual(result.report.canonicalString.replacingOccurrences(of: inProcess.state, with: "S")
                            .replacingOccurrences(of: inProcess.work, with: "W"),
                           expected.canonicalString.replacingOccurrences(of: viaCLI.state, with: "S")
                            .replacingOccurrences(of: viaCLI.work, with: "W"), "\(words)")
        }
        XCTAssertEqual(VerbRunner.run(["deploy", "fly"], [], environment: [:]).exitCode, .usage)
    }
}
