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

/// Intake on the project's own example packs: archive formats, hostile archives, provenance,
/// policy and ops gates, determinism.
final class IntakeExampleTests: XCTestCase {
    let time = "1767225600000"

    func accept(pack: String, change: String = "change_request.min.json", state: String, _ extra: [String] = []) throws -> StageResult {
        let hello = ExamplePacks.hello
        return try StageProcess.x07lp(["deploy", "accept", "--pack", pack.hasPrefix("/") ? pack : hello + "/" + pack,
                                       "--change", hello + "/" + change, "--state-dir", state, "--now-unix-ms", time] + extra)
    }


    func testEveryArchiveFormatGivesTheSameDocumentAsTheDirectory() throws {
        var outputs: [String: [UInt8]] = [:]
        for pack in ["pack", "pack.tar", "pack.tar.gz", "pack.tar.xz", "pack.tar.zst", "pack.zip"] {
            let result = try accept(pack: pack, state: StageProcess.temporaryDirectory())
            XCTAssertEqual(result.status, 0, "\(pack): \(result.stderr)")
            outputs[pack] = result.stdout
        }
        XCTAssertEqual(Set(outputs.values).count, 1, "stdout differs between formats")
        XCTAssertTrue(String(decoding: outputs["pack"] ?? [], as: UTF8.self).contains("\"status\":\"planned\""))
    }

    func testHostileArchivesAreRefusedWithTheirCodeAndLeaveNothingBehind() throws {
        let expected = try JSONParser.parse([UInt8](Data(contentsOf: URL(fileURLWithPath: ExamplePacks.hostile + "/expected.json"))))
        let cases = expected["cases"]?.arrayValue ?? []
        XCTAssertGreaterThanOrEqual(cases.count, 15)
        let outside = StageProcess.temporaryDirectory()
        for item in cases {
            guard let file = item["file"]?.stringValue, let code = item["code"]?.stringValue,
                  let exit = item["exit"]?.intValue else { XCTFail("bad case \(item)"); continue }
            let state = outside + "/state-" + file
            let result = try StageProcess.run(StageProcess.x07lp,
                                              ["deploy", "accept", "--pack", ExamplePacks.hostile + "/" + file,
                                               "--change", ExamplePacks.hello + "/change_request.min.json", "--state-dir", state],
                                              cwd: outside)
            XCTAssertEqual(result.status, Int32(exit), "\(file): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("error[\(code)]"), "\(file): \(result.stderr)")
            XCTAssertEqual(Array(StateFiles.written(state).keys), [], "\(file) left files in the state")
            XCTAssertTrue(result.stdoutIsOnlyTheFailedReport, file)
        }
        // Nothing escaped next to the state dirs or to the absolute path the corpus names.
        let escaped = try FileManager.default.contentsOfDirectory(atPath: outside).filter { !$0.hasPrefix("state-") }
        XCTAssertEqual(escaped, [])
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/tmp/x07lp-evil.txt"))
    }

    func testTightCapsAreConfigurable() throws {
        let state = StageProcess.temporaryDirectory()
        let entries = try accept(pack: "pack.tar", state: state, ["--max-pack-entries", "3"])
        XCTAssertEqual(entries.status, 3)
        XCTAssertTrue(entries.stderr.contains("LP_PACK_TOO_MANY_ENTRIES"), entries.stderr)
        let bytes = try accept(pack: "pack.tar.gz", state: state, ["--max-pack-bytes", "64"])
        XCTAssertEqual(bytes.status, 3)
        XCTAssertTrue(bytes.stderr.contains("LP_PACK_TOO_LARGE"), bytes.stderr)
    }

    private func gated(_ ops: String, provenance: String?, key: String = "test-signing.pub.pem",
                       policies: [String] = ["policy.baseline.json"], change: String = "change_request.ops.json") throws -> StageResult {
        let hello = ExamplePacks.hello
        var extra = ["--ops", hello + "/" + ops, "--slo", hello + "/slo.json", "--trusted-key", hello + "/keys/" + key, "--json"]
        for policy in policies { extra += ["--policy", hello + "/" + policy] }
        if let provenance { extra += ["--provenance", hello + "/" + provenance] }
        return try accept(pack: "pack.tar.zst", change: change, state: StageProcess.temporaryDirectory(), extra)
    }

    func testVerifiedProvenanceIsAccepted() throws {
        let result = try gated("ops.canary.json", provenance: "provenance.dsse.json")
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdoutText.contains("\"outcome\":\"allow\""))
        XCTAssertTrue(result.stderr.contains("warning[LP_POLICY_WARN]"), result.stderr)
    }

    func testEachProvenanceFailureHasItsOwnReason() throws {
        let cases = [
            ("provenance.wrong-key.dsse.json", "LP_PROVENANCE_UNTRUSTED_KEY"),
            ("provenance.tampered.dsse.json", "LP_PROVENANCE_SIGNATURE_INVALID"),
            ("provenance.bad-subject.dsse.json", "LP_PROVENANCE_SUBJECT_MISMATCH"),
        ]
        for (file, reason) in cases {
            let result = try gated("ops.canary.json", provenance: file)
            XCTAssertEqual(result.status, 13, "\(file): \(result.stderr)")
            XCTAssertTrue(result.stdoutText.contains("\"reason_code\":\"\(reason)\""), "\(file): \(result.stdoutText)")
            for (_, other) in cases where other != reason {
                XCTAssertFalse(result.stdoutText.contains(other), "\(file) also reported \(other)")
            }
        }
        let missing = try gated("ops.canary.json", provenance: nil)
        XCTAssertEqual(missing.status, 13)
        XCTAssertTrue(missing.stdoutText.contains("LP_PROVENANCE_MISSING"))
        let untrusted = try gated("ops.canary.json", provenance: "provenance.dsse.json", key: "other-signing.pub.pem")
        XCTAssertEqual(untrusted.status, 13)
        XCTAssertTrue(untrusted.stdoutText.contains("LP_PROVENANCE_UNTRUSTED_KEY"))
    }

    func testPolicyCardsDenyRequireAndAudit() throws {
        let deny = try gated("ops.blue_green.json", provenance: nil, policies: ["policy.deny-blue-green.json"])
        XCTAssertEqual(deny.status, 13, deny.stderr)
        XCTAssertTrue(deny.stdoutText.contains("LP_POLICY_DENY"), deny.stdoutText)
        let require = try gated("ops.no-provenance.json", provenance: nil)
        XCTAssertEqual(require.status, 13, require.stderr)
        XCTAssertTrue(require.stdoutText.contains("LP_POLICY_REQUIRE_FAILED"), require.stdoutText)
        let audited = try gated("ops.no-provenance.json", provenance: nil, change: "change_request.audit.json")
        XCTAssertEqual(audited.status, 0, audited.stderr)
        XCTAssertTrue(audited.stderr.contains("warning[LP_POLICY_REQUIRE_FAILED]"), audited.stderr)
    }

    func testOpsProfileFilesMustMatchTheirPinnedDigests() throws {
        let hello = ExamplePacks.hello
        let work = StageProcess.temporaryDirectory()
        let slo = try String(contentsOfFile: hello + "/slo.json", encoding: .utf8)
        try (slo + "\n").write(toFile: work + "/slo.json", atomically: true, encoding: .utf8)
        let result = try accept(pack: "pack", change: "change_request.ops.json", state: work + "/state",
                                ["--ops", hello + "/ops.blue_green.json", "--slo", work + "/slo.json", "--json"])
        XCTAssertEqual(result.status, 13, result.stderr)
        XCTAssertTrue(result.stdoutText.contains("LP_OPS_PINNED_DIGEST_MISMATCH"), result.stdoutText)
        let noSLO = try accept(pack: "pack", change: "change_request.ops.json", state: work + "/state2",
                               ["--ops", hello + "/ops.blue_green.json", "--json"])
        XCTAssertEqual(noSLO.status, 13)
        XCTAssertTrue(noSLO.stdoutText.contains("LP_OPS_SLO_MISSING"), noSLO.stdoutText)
    }

    func testSameInputsAndPinnedTimeGiveByteIdenticalOutputAndState() throws {
        let hello = ExamplePacks.hello
        let extra = ["--ops", hello + "/ops.canary.json", "--slo", hello + "/slo.json", "--policy", hello + "/policy.baseline.json",
                     "--provenance", hello + "/provenance.dsse.json", "--trusted-key", hello + "/keys/test-signing.pub.pem", "--json"]
        let a = StageProcess.temporaryDirectory(), b = StageProcess.temporaryDirectory()
        let first = try accept(pack: "pack.tar.gz", change: "change_request.ops.json", state: a, extra)
        let second = try accept(pack: "pack.zip", change: "change_request.ops.json", state: b, extra)
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertEqual(first.stdout, second.stdout)
        let filesA = StateFiles.written(a), filesB = StateFiles.written(b)
        XCTAssertEqual(filesA.keys.sorted(), filesB.keys.sorted())
        XCTAssertEqual(filesA, filesB)
        // Re-running into the same state is idempotent: same document, no new records.
        let again = try accept(pack: "pack", change: "change_request.ops.json", state: a, extra)
        XCTAssertEqual(again.stdout, first.stdout)
        XCTAssertEqual(StateFiles.written(a), filesA)
    }

    func testRecordsOfAGatedIntakeValidateAgainstOurContracts() throws {
        let state = StageProcess.temporaryDirectory()
        let hello = ExamplePacks.hello
        let result = try accept(pack: "pack", change: "change_request.ops.json", state: state,
                                ["--ops", hello + "/ops.canary.json", "--slo", hello + "/slo.json",
                                 "--policy", hello + "/policy.baseline.json", "--provenance", hello + "/provenance.dsse.json",
                                 "--trusted-key", hello + "/keys/test-signing.pub.pem"])
        XCTAssertEqual(result.status, 0, result.stderr)
        for (directory, contract) in [("runs", "lp.pipeline.run@0.1.0"), ("decisions", "lp.decision.record@0.1.0"),
                                      ("deploy", "lp.deploy.execution@0.1.0")] {
            for file in try FileManager.default.contentsOfDirectory(atPath: state + "/" + directory) {
                let check = try StageProcess.x07lp(["schema", "validate", "--schema", contract, "--in", "\(state)/\(directory)/\(file)"])
                XCTAssertEqual(check.status, 0, "\(directory)/\(file): \(check.stderr)")
            }
        }
        let reports = StateFiles.written(state).filter {
            $0.key.hasPrefix("store/blobs/") && (try? JSONParser.parse($0.value))?["schema_version"] == "x07lp.gate.report@0.1.0"
        }
        XCTAssertGreaterThanOrEqual(reports.count, 3)
        for (path, _) in reports {
            let check = try StageProcess.x07lp(["schema", "validate", "--schema", "x07lp.gate.report@0.1.0", "--in", state + "/" + path])
            XCTAssertEqual(check.status, 0, "\(path): \(check.stderr)")
        }
    }
}
