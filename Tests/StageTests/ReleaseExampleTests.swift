import LPCore
import LPState
import LPModel
import LPIndex
import LPStage
import LPValidate
import LPPlan
import LPIncident
import LPApply
import LPRegress
import LPQuery
import Foundation
import XCTest

/// The README's main job as a new user runs it: `scripts/release-example` in a clean clone of the
/// repository reaches a promoted deployment, an incident and a generated regression, and says
/// where each document is. (The stage binaries of this test run are reused through
/// $X07LP_BIN_DIR instead of a second release build; CI builds them from the same clean clone.)
final class ReleaseExampleTests: XCTestCase {
    func testTheMainJobFromACleanCloneReachesPromotionAnIncidentAndARegression() throws {
        let clone = StageProcess.temporaryDirectory() + "/x07lp"
        let git = try StageProcess.run(try ShellTools.path("git"), ["clone", "--quiet", StageProcess.repoRoot, clone])
        XCTAssertEqual(git.status, 0, git.stderr)
        let out = StageProcess.temporaryDirectory() + "/example"
        let job = try StageProcess.run(clone + "/scripts/release-example", [out], cwd: clone)
        XCTAssertEqual(job.status, 0, job.stdoutText + job.stderr)

        func document(_ name: String) throws -> JSON {
            try JSONParser.parse([UInt8](Data(contentsOf: URL(fileURLWithPath: out + "/" + name))))
        }
        XCTAssertEqual(try document("05.execution.promoted.json")["status"], "completed")
        XCTAssertEqual(try document("05.execution.promoted.json")["meta"]?["outcome"], "promoted")
        let bundle = try document("08.incident.bundle.json")
        XCTAssertEqual(bundle["schema_version"], "lp.incident.bundle@0.2.0")
        XCTAssertEqual(bundle["deploy_execution"]?["exec_id"], try document("05.execution.promoted.json")["exec_id"])
        XCTAssertEqual(try document("09.incident.full.json")["classification"], "http_5xx")
        let regression = try document("10.regression.result.json")
        XCTAssertEqual(regression["ok"], true)
        XCTAssertEqual(regression["incident_status_after"], "generated")
        XCTAssertEqual(try document("11.incident.list.json")["items"]?.arrayValue?.first?["incident_status"], "open")
        XCTAssertEqual(try document("12.state.verify.json")["ok"], true)
        for file in ["regression.request.json", "replay.trace.json", "http.test.sh"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/regressions/hello_502/" + file), file)
        }
        // It says where every document is.
        for name in ["05.execution.promoted.json", "08.incident.bundle.json", "10.regression.result.json", "regressions/hello_502"] {
            XCTAssertTrue(job.stdoutText.contains(out + "/" + name), "\(name) not announced: \(job.stdoutText)")
        }
    }
}
