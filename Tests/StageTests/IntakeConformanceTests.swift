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

/// Intake against the reference fixtures in ../shared/upstream/fixtures/baseline (skipped when
/// absent): the goldens' shapes, their exit codes, and the upstream schemas of every record.
final class IntakeConformanceTests: XCTestCase {
    static let pinnedTime = "1762147200000"
    /// The goldens come from another system's run: its ids, digests of records and version differ.
    static let wildcards: Set<String> = ["run_id", "exec_id", "decision_id", "sha256", "bytes_len", "store_uri", "version"]

    func accept(_ changeRequest: String, state: String, extra: [String] = []) throws -> StageResult {
        let baseline = try Upstream.require("fixtures/baseline")
        return try StageProcess.x07lp(["deploy", "accept", "--pack-dir", baseline + "/pack_min",
                                       "--change", baseline + "/" + changeRequest, "--state-dir", state,
                                       "--now-unix-ms", Self.pinnedTime, "--json"] + extra)
    }

    func testMinimalChangeIsAcceptedInTheGoldenShape() throws {
        let state = StageProcess.temporaryDirectory()
        let result = try accept("change_request.min.json", state: state)
        XCTAssertEqual(result.status, 0, result.stderr)
        let golden = try TemplateMatch.load(Upstream.require("fixtures/baseline/golden/deploy_accept.allow.json"))
        let problems = TemplateMatch.mismatches(expected: golden, actual: try TemplateMatch.parse(result.stdout),
                                                wildcardKeys: Self.wildcards)
        XCTAssertEqual(problems, [], result.stdoutText)
        // Digests of the inputs are the reference system's, byte for byte.
        XCTAssertTrue(result.stdoutText.contains("0cf6d7a63a42a87c5df522f546b9f7e37496dad36f1cd970778c5c35336c962b"))
        XCTAssertTrue(result.stdoutText.contains("511b5970048be6f05b88bd8bd39004cb8df0e2471ab31ec95ae9dfefa9b905fb"))
    }

    func testOpsRequiredWithoutOpsIsDeniedAsInTheGolden() throws {
        let state = StageProcess.temporaryDirectory()
        let result = try accept("change_request.ops_required.json", state: state)
        XCTAssertEqual(result.status, 13, result.stderr)
        let golden = try TemplateMatch.load(Upstream.require("fixtures/baseline/golden/deploy_accept.deny.ops_required.json"))
        let problems = TemplateMatch.mismatches(expected: golden, actual: try TemplateMatch.parse(result.stdout),
                                                wildcardKeys: Self.wildcards)
        XCTAssertEqual(problems, [], result.stdoutText)
        XCTAssertTrue(result.stderr.contains("error[LP_GATE_REJECTED]"))
        let executions = try FileManager.default.contentsOfDirectory(atPath: state + "/deploy")
        XCTAssertEqual(executions.count, 1)
        let execution = try String(contentsOfFile: state + "/deploy/" + executions[0], encoding: .utf8)
        XCTAssertTrue(execution.contains("\"status\":\"failed\"") && execution.contains("\"outcome\":\"rejected\""), execution)
    }

    func testBrokenSealIsRefusedWithExit12NamingTheAssetAndWritesNothing() throws {
        let state = StageProcess.temporaryDirectory()
        let result = try accept("change_request.min.json", state: state, extra: ["--pack-manifest", "app.pack.bad.json"])
        XCTAssertEqual(result.status, 12, result.stderr)
        XCTAssertTrue(result.stderr.contains("error[LP_PACK_DIGEST_MISMATCH_FILE]"), result.stderr)
        XCTAssertTrue(result.stderr.contains("assets/c34ce30e274c7ae075844129264500f696781b58c8f58490d722227115734a9b.mjs"), result.stderr)
        XCTAssertEqual(Array(StateFiles.written(state).keys), [], "a refused pack must leave no file in the state")
    }

    func testStoredRecordsValidateAgainstTheUpstreamSchemas() throws {
        let contracts = try Upstream.require("lp-contracts")
        let state = StageProcess.temporaryDirectory()
        for request in ["change_request.min.json", "change_request.ops_required.json"] {
            _ = try accept(request, state: state)
        }
        let pairs = [("runs", "lp.pipeline.run"), ("decisions", "lp.decision.record"), ("deploy", "lp.deploy.execution")]
        for (directory, contract) in pairs {
            let files = try FileManager.default.contentsOfDirectory(atPath: state + "/" + directory)
            XCTAssertEqual(files.count, 2, directory)
            for file in files {
                let check = try StageProcess.x07lp(["schema", "validate", "--schema", "\(contracts)/\(contract).schema.json",
                                                    "--in", "\(state)/\(directory)/\(file)"])
                XCTAssertEqual(check.status, 0, "\(directory)/\(file): \(check.stderr)")
            }
        }
    }
}
