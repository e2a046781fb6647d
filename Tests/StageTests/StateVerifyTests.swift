@testable import LPCore
@testable import LPState
@testable import LPModel
@testable import LPIndex
@testable import LPStage
@testable import LPValidate
@testable import LPPlan
@testable import LPIncident
@testable import LPApply
@testable import LPRegress
@testable import LPQuery
import Foundation
import XCTest

/// `x07lp state verify` end to end: states built by `x07lp deploy accept` on the example pack,
/// then damaged one byte (or one file) at a time.
final class StateVerifyTests: XCTestCase {
    let time = "1767225600000"

    /// A state holding two accepted intakes: the plain one and one with ops, SLO, policy and provenance.
    func acceptedState() throws -> String {
        let state = StageProcess.temporaryDirectory() + "/state"
        let hello = ExamplePacks.hello
        let plain = try StageProcess.x07lp(["deploy", "accept", "--pack", hello + "/pack", "--change",
                                            hello + "/change_request.min.json", "--state-dir", state, "--now-unix-ms", time])
        XCTAssertEqual(plain.status, 0, plain.stderr)
        let gated = try StageProcess.x07lp(["deploy", "accept", "--pack", hello + "/pack.tar.zst",
                                            "--change", hello + "/change_request.ops.json", "--ops", hello + "/ops.canary.json",
                                            "--slo", hello + "/slo.json", "--policy", hello + "/policy.baseline.json",
                                            "--provenance", hello + "/provenance.dsse.json",
                                            "--trusted-key", hello + "/keys/test-signing.pub.pem",
                                            "--state-dir", state, "--now-unix-ms", time])
        XCTAssertEqual(gated.status, 0, gated.stderr)
        return state
    }

    func verify(_ state: String, _ extra: [String] = []) throws -> (StageResult, JSON) {
        let result = try StageProcess.x07lp(["state", "verify", "--state-dir", state] + extra)
        let document = try JSONParser.parse(result.stdout)
        XCTAssertEqual(document["schema_version"], "x07lp.state.verify.result@0.1.0")
        XCTAssertEqual(document["ok"]?.boolValue, result.status == 0)
        return (result, document)
    }

    func findings(_ document: JSON, _ list: String = "problems") -> [(code: String, path: String)] {
        (document[list]?.arrayValue ?? []).map { ($0["code"]?.stringValue ?? "", $0["path"]?.stringValue ?? "") }
    }

    func files(_ state: String, _ directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: state + "/" + directory).filter { !$0.hasPrefix(".") }.sorted()
            .map { directory + "/" + $0 }
    }

    /// Replaces the first occurrence of `old` with `new` (same length) in a state file.
    func edit(_ state: String, _ path: String, _ old: String, _ new: String) throws {
        let url = URL(fileURLWithPath: state + "/" + path)
        let text = try String(contentsOf: url, encoding: .utf8)
        let range = try XCTUnwrap(text.range(of: old), "\(old) not in \(path)")
        XCTAssertEqual(old.utf8.count, new.utf8.count)
        try text.replacingCharacters(in: range, with: new).write(to: url, atomically: false, encoding: .utf8)
    }

    func testAcceptedStateVerifies() throws {
        let state = try acceptedState()
        let (result, document) = try verify(state)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(findings(document).count, 0)
        let records = try ["runs", "decisions", "deploy"].flatMap { try files(state, $0) }
        XCTAssertGreaterThanOrEqual(document["checked"]?["records"]?.intValue ?? 0, records.count)
        XCTAssertEqual(document["checked"]?["decisions"]?.intValue, try files(state, "decisions").count)
        XCTAssertGreaterThan(document["checked"]?["blobs"]?.intValue ?? 0, 10)

        let report = try StageProcess.x07lp(["state", "verify", "--state-dir", state, "--json"])
        let envelope = try JSONParser.parse(report.stdout)
        XCTAssertEqual(envelope["command"], "state verify")
        XCTAssertEqual(envelope["ok"], true)
        XCTAssertEqual(envelope["result"]?["ok"], true)
    }

    func testOneCorruptByteInABlobIsNamed() throws {
        let state = try acceptedState()
        let blobDirectory = try XCTUnwrap(try files(state, "store/blobs/sha256").first)
        let blob = try XCTUnwrap(try files(state, blobDirectory).first)
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: state + "/" + blob))
        let first = try XCTUnwrap(try handle.read(upToCount: 1)?.first)
        try handle.seek(toOffset: 0)
        try handle.write(contentsOf: Data([first ^ 0x20]))
        try handle.close()

        let (result, document) = try verify(state)
        XCTAssertEqual(result.status, 19)
        XCTAssertTrue(findings(document).contains { $0.code == "LP_STATE_BLOB_DIGEST" && $0.path == blob }, "\(findings(document))")
        XCTAssertTrue(result.stderr.contains("error[LP_STATE_BLOB_DIGEST]: \(blob)"), result.stderr)
    }

    func testEditedDecisionFailsItsRecordDigest() throws {
        let state = try acceptedState()
        let decision = try XCTUnwrap(try files(state, "decisions").first)
        try edit(state, decision, "every gate passed", "every gate passeD")
        let (result, document) = try verify(state)
        XCTAssertEqual(result.status, 19)
        let found = findings(document)
        XCTAssertTrue(found.contains { $0.code == "LP_STATE_DECISION_DIGEST" && $0.path == decision }, "\(found)")
        // The run cites the decision by digest, so the edit also breaks that reference.
        XCTAssertTrue(found.contains { $0.code == "LP_STATE_REF_DIGEST" && $0.path.hasPrefix("runs/") }, "\(found)")
    }

    func testSignedDecisionVerifiesAndATamperedOneIsNamed() throws {
        let state = try acceptedState()
        let directory = StateDirectory(root: state)
        let runFile = try XCTUnwrap(try files(state, "runs").first)
        let runId = String(runFile.dropFirst("runs/".count).dropLast(".json".count))
        let decisionId = Identifier.make(.decision, seed: "state-verify-test-pause")
        let path = StateDirectory.decisionRecord(decisionId)
        try directory.write { tx in
            let signer = try ControlSigner.load(signingKeyPath: nil, in: tx)
            let record = try DecisionRecord(decision_id: decisionId, run_id: runId, created_unix_ms: 1_767_225_601_000,
                                            kind: "deploy.pause.manual", outcome: .allow,
                                            reasons: [.init(code: "LP_CONTROL_PAUSE", message: "operator pause")],
                                            evidence: [], subject: nil, meta: ["reason": "maintenance window"])
            try tx.writeRecord(try JSON(encoding: signer.sign(record)), at: path, logicalName: "lp.decision.record")
        }
        let (signed, signedDocument) = try verify(state)
        XCTAssertEqual(signed.status, 0, signed.stderr)
        XCTAssertEqual(signedDocument["checked"]?["signatures"]?.intValue, 1)

        // Without the state's public key the signature cannot be checked; --trusted-key supplies it.
        let publicKey = StageProcess.temporaryDirectory() + "/control.pub.pem"
        try FileManager.default.moveItem(atPath: directory.path(ControlSigner.publicKeyFile), toPath: publicKey)
        let (unknown, unknownDocument) = try verify(state)
        XCTAssertEqual(unknown.status, 19)
        XCTAssertTrue(findings(unknownDocument).contains { $0.code == "LP_STATE_SIGNATURE_UNKNOWN_KEY" && $0.path == path })
        XCTAssertEqual(try verify(state, ["--trusted-key", publicKey]).0.status, 0)
        try FileManager.default.moveItem(atPath: publicKey, toPath: directory.path(ControlSigner.publicKeyFile))

        try edit(state, path, "operator pause", "operator Pause")
        let (tampered, tamperedDocument) = try verify(state)
        XCTAssertEqual(tampered.status, 19)
        XCTAssertTrue(findings(tamperedDocument).contains { $0.code == "LP_STATE_SIGNATURE_INVALID" && $0.path == path },
                      "\(findings(tamperedDocument))")
        XCTAssertTrue(tampered.stderr.contains("error[LP_STATE_SIGNATURE_INVALID]: \(path)"), tampered.stderr)
    }

    func testLeftoverTempFilesAreNotesAndCleanTempRemovesThem() throws {
        let state = try acceptedState()
        let leftovers = ["runs/.x.json.tmp-1-2", "store/blobs/sha256/.incoming.tmp-3-4"]
        for path in leftovers {
            XCTAssertTrue(FileManager.default.createFile(atPath: state + "/" + path, contents: Data("{\"half".utf8)))
        }
        let (result, document) = try verify(state)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(findings(document, "notes").map(\.path), leftovers)
        XCTAssertEqual(Set(findings(document, "notes").map(\.code)), ["LP_STATE_TEMP_LEFTOVER"])
        XCTAssertTrue(result.stderr.contains("info[LP_STATE_TEMP_LEFTOVER]"), result.stderr)

        let (cleaned, cleanedDocument) = try verify(state, ["--clean-temp"])
        XCTAssertEqual(cleaned.status, 0, cleaned.stderr)
        XCTAssertEqual(Set(findings(cleanedDocument, "notes").map(\.code)), ["LP_STATE_TEMP_REMOVED"])
        for path in leftovers { XCTAssertFalse(FileManager.default.fileExists(atPath: state + "/" + path), path) }
        XCTAssertEqual(findings(try verify(state).1, "notes").count, 0)
    }

    func testExecutionWhoseRunIsMissingFails() throws {
        let state = try acceptedState()
        let execution = try XCTUnwrap(try files(state, "deploy").first)
        let runId = try XCTUnwrap(try JSONParser.parse([UInt8](Data(contentsOf: URL(fileURLWithPath: state + "/" + execution))))["run_id"]?.stringValue)
        try FileManager.default.removeItem(atPath: state + "/" + StateDirectory.runRecord(runId))
        let (result, document) = try verify(state)
        XCTAssertEqual(result.status, 19)
        XCTAssertTrue(findings(document).contains { $0.code == "LP_STATE_REF_MISSING" && $0.path == execution }, "\(findings(document))")
    }

    func testHelpAndMissingStateDirectory() throws {
        let help = try StageProcess.x07lp(["state", "verify", "--help"])
        XCTAssertEqual(help.status, 0)
        XCTAssertTrue(help.stdoutText.contains("lp-validate state verify"), help.stdoutText)
        XCTAssertTrue(help.stdoutText.contains("19"), help.stdoutText)

        let missing = try StageProcess.x07lp(["state", "verify", "--state-dir", StageProcess.temporaryDirectory() + "/absent"])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains("LP_NOT_FOUND"), missing.stderr)
    }
}
