import LPCore
import Foundation
import XCTest

/// `x07lp pack seal DIR` pins an edited pack directory's files again: before, intake refuses the
/// broken seal (exit 12) and `--check` says so; after, `--check` passes and intake accepts it.
final class PackSealTests: XCTestCase {
    func testASealedDirectoryPassesIntake() throws {
        let pack = StageProcess.temporaryDirectory() + "/pack"
        XCTAssertEqual(try StageProcess.run("/bin/cp", ["-R", ExamplePacks.hello + "/pack", pack]).status, 0)
        let assets = try FileManager.default.contentsOfDirectory(atPath: pack + "/assets")
        let css = try XCTUnwrap(assets.first { $0.hasSuffix(".css") })
        let edited = try FileHandle(forWritingTo: URL(fileURLWithPath: pack + "/assets/" + css))
        edited.seekToEndOfFile()
        edited.write(Data("/* edited */\n".utf8))
        try edited.close()
        let change = ExamplePacks.hello + "/change_request.min.json"
        let state = StageProcess.temporaryDirectory() + "/state"
        let broken = try StageProcess.x07lp(["deploy", "accept", "--pack", pack, "--change", change, "--state-dir", state])
        XCTAssertEqual(broken.status, 12, broken.stderr)
        let check = try StageProcess.x07lp(["pack", "seal", pack, "--check"])
        XCTAssertEqual(check.status, 12, check.stderr)
        XCTAssertTrue(check.stderr.contains("run x07lp pack seal"), check.stderr)

        let seal = try StageProcess.x07lp(["pack", "seal", pack])
        XCTAssertEqual(seal.status, 0, seal.stderr)
        let result = try JSONParser.parse(seal.stdout)
        XCTAssertEqual(result["changed"], 1)
        XCTAssertEqual(result["written"], true)
        let row = result["files"]?.arrayValue?.first { $0["path"]?.stringValue == "assets/" + css }
        XCTAssertEqual(row?["changed"], true)
        XCTAssertEqual(row?["bytes_len"]?.doubleValue, Double(try Data(contentsOf: URL(fileURLWithPath: pack + "/assets/" + css)).count))
        XCTAssertEqual(try StageProcess.x07lp(["pack", "seal", pack, "--check"]).status, 0)
        let accepted = try StageProcess.x07lp(["deploy", "accept", "--pack", pack, "--change", change, "--state-dir", state])
        XCTAssertEqual(accepted.status, 0, accepted.stderr)
        // Sealing again changes nothing and leaves the manifest's bytes alone.
        let before = try Data(contentsOf: URL(fileURLWithPath: pack + "/app.pack.json"))
        XCTAssertEqual(try JSONParser.parse(try StageProcess.x07lp(["pack", "seal", pack]).stdout)["written"], false)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: pack + "/app.pack.json")), before)
    }

    func testAnUndeclaredFileIsAWarningAndAMissingOneAnError() throws {
        let pack = StageProcess.temporaryDirectory() + "/pack"
        XCTAssertEqual(try StageProcess.run("/bin/cp", ["-R", ExamplePacks.hello + "/pack", pack]).status, 0)
        XCTAssertTrue(FileManager.default.createFile(atPath: pack + "/notes.txt", contents: Data("x".utf8)))
        let warned = try StageProcess.x07lp(["pack", "seal", pack])
        XCTAssertEqual(warned.status, 0, warned.stderr)
        XCTAssertTrue(warned.stderr.contains("warning[LP_PACK_FILE_UNDECLARED]") && warned.stderr.contains("notes.txt"), warned.stderr)
        XCTAssertEqual(try JSONParser.parse(warned.stdout)["undeclared"], ["notes.txt"])
        let assets = try FileManager.default.contentsOfDirectory(atPath: pack + "/assets")
        try FileManager.default.removeItem(atPath: pack + "/assets/" + assets[0])
        let missing = try StageProcess.x07lp(["pack", "seal", pack])
        XCTAssertEqual(missing.status, 2, missing.stderr)
        XCTAssertTrue(missing.stderr.contains(assets[0]), missing.stderr)
    }
}
