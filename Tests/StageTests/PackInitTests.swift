import LPCore
import Foundation
import XCTest

/// `x07lp pack init DIR` writes a starter set that deploys as it is: its pack is sealed, intake
/// accepts it with every pin matching, and the canary runs to promoted on its own metrics.
final class PackInitTests: XCTestCase {
    func testTheStarterSetSealsAndDeploysToPromoted() throws {
        let dir = StageProcess.temporaryDirectory() + "/starter"
        let initialized = try StageProcess.x07lp(["pack", "init", dir, "--app-id", "shop.web"])
        XCTAssertEqual(initialized.status, 0, initialized.stderr)
        let result = try JSONParser.parse(initialized.stdout)
        let listed = Set(result["files"]?.arrayValue?.compactMap { $0["path"]?.stringValue } ?? [])
        XCTAssertEqual(listed, ["capabilities.json", "change_request.json", "metrics/analysis.1.json", "metrics/analysis.2.json",
                                "ops.json", "pack/app.pack.json", "pack/app.wasm", "pack/bundle.json", "pack/index.html",
                                "policy.json", "slo.json"])
        XCTAssertEqual(try StageProcess.x07lp(["pack", "seal", dir + "/pack", "--check"]).status, 0)

        let state = StageProcess.temporaryDirectory() + "/state"
        let deploy = try StageProcess.x07lp(["deploy", "--pack", dir + "/pack", "--change", dir + "/change_request.json",
                                             "--ops", dir + "/ops.json", "--slo", dir + "/slo.json", "--policy", dir + "/policy.json",
                                             "--capabilities", dir + "/capabilities.json", "--metrics-dir", dir + "/metrics", "--pause-scale", "0", "--state-dir", state, "--json"])
        XCTAssertEqual(deploy.status, 0, deploy.stderr)
        let report = try JSONParser.parse(deploy.stdout)
        XCTAssertEqual(report["result"]?["outcome"], "promoted", deploy.stdoutText)
        let latest = try StageProcess.x07lp(["deploy", "query", "--app-id", "shop.web", "--env", "staging", "--latest", "--state-dir", state])
        XCTAssertEqual(latest.status, 0, latest.stderr)
        XCTAssertEqual(try JSONParser.parse(latest.stdout)["deployment_id"], report["result"]?["deployment_id"], latest.stdoutText)
        // Every pin of the ops profile matched (no digest left unpinned or wrong).
        let accepted = try StageProcess.x07lp(["deploy", "accept", "--pack", dir + "/pack", "--change", dir + "/change_request.json",
                                               "--ops", dir + "/ops.json", "--slo", dir + "/slo.json", "--policy", dir + "/policy.json",
                                               "--state-dir", state, "--json"])
        XCTAssertEqual(accepted.status, 0, accepted.stderr)
        XCTAssertFalse(accepted.stderr.contains("LP_OPS_DIGEST_NOT_PINNED") || accepted.stderr.contains("MISMATCH"), accepted.stderr)

        // An edited page fails the seal until `pack seal` pins it again.
        let page = dir + "/pack/index.html"
        try Data((try String(contentsOfFile: page, encoding: .utf8) + "<!-- edited -->\n").utf8).write(to: URL(fileURLWithPath: page))
        XCTAssertEqual(try StageProcess.x07lp(["pack", "seal", dir + "/pack", "--check"]).status, 12)
        XCTAssertEqual(try StageProcess.x07lp(["pack", "seal", dir + "/pack"]).status, 0)
        XCTAssertEqual(try StageProcess.x07lp(["pack", "seal", dir + "/pack", "--check"]).status, 0)
    }

    func testItNeverWritesOverAnythingNorLeavesHalfASet() throws {
        let dir = StageProcess.temporaryDirectory() + "/taken"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        XCTAssertTrue(FileManager.default.createFile(atPath: dir + "/mine.txt", contents: Data("keep".utf8)))
        let refused = try StageProcess.x07lp(["pack", "init", dir])
        XCTAssertEqual(refused.status, 2, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("LP_INIT_DIR_NOT_EMPTY"), refused.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["mine.txt"])

        let parent = StageProcess.temporaryDirectory()
        let invalid = try StageProcess.x07lp(["pack", "init", parent + "/new", "--app-id", "not an id"])
        XCTAssertEqual(invalid.status, 3, invalid.stderr)
        XCTAssertTrue(invalid.stderr.contains("--app-id not an id"), invalid.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: parent), [])

        // An empty directory is taken.
        let empty = parent + "/empty"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        XCTAssertEqual(try StageProcess.x07lp(["pack", "init", empty]).status, 0)
        XCTAssertTrue(FileManager.default.fileExists(atPath: empty + "/ops.json"))
    }
}
