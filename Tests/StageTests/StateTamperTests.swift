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

/// Issue 13, class 3: tampering that used to go unnoticed. Each test edits a state the way an
/// attacker with write access to the state directory (but not to the trusted keys) would, and
/// expects `state verify` (or the view) to show it (docs/state.md#tamper-evidence).
final class StateTamperTests: XCTestCase, ExampleDeploymentSupport {
    // MARK: helpers

    func verify(_ state: String, _ extra: [String] = [], environment: [String: String] = [:]) throws -> (StageResult, JSON) {
        let result = try StageProcess.x07lp(["state", "verify", "--state-dir", state] + extra, environment: environment)
        let document = try JSONParser.parse(result.stdout)
        XCTAssertEqual(document["ok"]?.boolValue, result.status == 0)
        return (result, document)
    }

    func codes(_ document: JSON, _ list: String = "problems") -> [(code: String, path: String)] {
        (document[list]?.arrayValue ?? []).map { ($0["code"]?.stringValue ?? "", $0["path"]?.stringValue ?? "") }
    }

    func read(_ state: String, _ path: String) throws -> JSON {
        try JSONParser.parse([UInt8](Data(contentsOf: URL(fileURLWithPath: state + "/" + path))))
    }

    /// Rewrites a record in place the way a tamperer would (canonical bytes, no transaction, no index update).
    func rewrite(_ state: String, _ path: String, _ change: (inout JSON) -> Void) throws {
        var document = try read(state, path)
        change(&document)
        try Data(document.canonicalBytes).write(to: URL(fileURLWithPath: state + "/" + path))
    }

    /// A blue-green deployment promoted by the signed `deploy promote` control action.
    func promotedByControl() throws -> Fixture {
        let fixture = try accepted()
        let plan = try plan(fixture, strategy: ["type": "blue_green", "canary": nil, "blue_green": ["auto_promote": false]])
        XCTAssertEqual(try run(fixture, plan: plan, metricsDir: try metrics(fixture, [Self.good])).status, 0)
        let promote = try StageProcess.x07lp(["deploy", "promote", "--deployment-id", fixture.id, "--reason", "looks good",
                                              "--state-dir", fixture.state, "--now-unix-ms", time])
        XCTAssertEqual(promote.status, 0, promote.stderr)
        return fixture
    }

    func signedControlDecision(_ fixture: Fixture) throws -> String {
        try XCTUnwrap(try stored(fixture)["meta"]?["latest_signed_control_decision_id"]?.stringValue)
    }

    func summary(_ fixture: Fixture) throws -> JSON {
        let query = try StageProcess.x07lp(["deploy", "query", "--deployment-id", fixture.id, "--view", "summary",
                                            "--state-dir", fixture.state, "--json"])
        XCTAssertEqual(query.status, 0, query.stderr)
        return try JSONParser.parse(query.stdout)["result"] ?? .null
    }

    // MARK: untampered states stay green

    func testUntamperedDeploymentsVerifyAndListTheKeysTheyTrusted() throws {
        let auto = try accepted()
        XCTAssertEqual(try run(auto, plan: nil, metricsDir: try metrics(auto, [Self.good])).status, 0)
        let (plain, plainDocument) = try verify(auto.state)
        XCTAssertEqual(plain.status, 0, plain.stderr)
        XCTAssertEqual(plainDocument["trusted_keys"], [])

        let fixture = try promotedByControl()
        let (result, document) = try verify(fixture.state)
        XCTAssertEqual(result.status, 0, result.stderr)
        let key = try XCTUnwrap(document["trusted_keys"]?.arrayValue?.first)
        XCTAssertEqual(key["trust"], "trusted_on_first_use")
        XCTAssertEqual(key["source"], .string(ControlSigner.publicKeyFile))
        XCTAssertTrue(codes(document, "notes").contains { $0.code == "LP_STATE_KEY_TOFU" }, "\(codes(document, "notes"))")
        XCTAssertEqual(try summary(fixture)["signature_status"], "valid")

        // Trusting the same key from outside the state (flag, environment, pin) keeps it green.
        let outside = StageProcess.temporaryDirectory() + "/control.pub.pem"
        try FileManager.default.copyItem(atPath: fixture.state + "/" + ControlSigner.publicKeyFile, toPath: outside)
        let keyId = try XCTUnwrap(key["keyid"]?.stringValue)
        for (extra, environment) in [(["--trusted-key", outside], [:]), ([], ["X07LP_TRUSTED_KEYS": outside]),
                                     (["--trusted-keyid", keyId], [:])] {
            let (anchored, anchoredDocument) = try verify(fixture.state, extra, environment: environment)
            XCTAssertEqual(anchored.status, 0, anchored.stderr)
            XCTAssertFalse(codes(anchoredDocument, "notes").contains { $0.code == "LP_STATE_KEY_TOFU" })
        }
    }

    // MARK: executions are cross-checked against their evidence

    func testRewrittenOutcomeAndWeightAreFound() throws {
        let fixture = try accepted()
        XCTAssertEqual(try run(fixture, plan: nil, metricsDir: try metrics(fixture, [Self.good])).status, 0)
        let path = StateDirectory.execution(fixture.id)

        try rewrite(fixture.state, path) { $0 = $0.setting(["meta", "routing", "candidate_weight_pct"], 40) }
        let (weight, weightDocument) = try verify(fixture.state)
        XCTAssertEqual(weight.status, 19)
        XCTAssertTrue(codes(weightDocument).contains { $0.code == "LP_STATE_EXECUTION_EVIDENCE" && $0.path == path },
                      "\(codes(weightDocument))")

        // "It was rolled back": no SLO rollback or manual rollback decision says so.
        try rewrite(fixture.state, path) {
            $0 = $0.setting(["meta", "routing", "candidate_weight_pct"], 0).setting(["meta", "outcome"], "rolled_back")
        }
        let (outcome, outcomeDocument) = try verify(fixture.state)
        XCTAssertEqual(outcome.status, 19)
        let messages = (outcomeDocument["problems"]?.arrayValue ?? []).compactMap { $0["message"]?.stringValue }
        XCTAssertTrue(messages.contains { $0.contains("outcome is rolled_back") }, "\(messages)")
    }

    func testTamperedIndexRowsAreFoundByComparingWithTheFiles() throws {
        let fixture = try promotedByControl()
        XCTAssertEqual(try summary(fixture)["outcome"], "promoted", "the query leaves a current index")
        let (clean, _) = try verify(fixture.state)
        XCTAssertEqual(clean.status, 0, clean.stderr)
        // Rewrite the outcome in the index behind its back: the files still say promoted.
        let edit = try StageProcess.run("/usr/bin/env", ["python3", "-c", """
            import sqlite3, sys
            for name in ("control_plane", "deploy_loop"):
                db = sqlite3.connect(sys.argv[1] + "/index/" + name + ".sqlite")
                db.execute("UPDATE executions SET outcome = 'rolled_back', current_weight_pct = 0")
                db.commit()
                db.close()
            """, fixture.state])
        XCTAssertEqual(edit.status, 0, edit.stderr)
        XCTAssertEqual(try summary(fixture)["outcome"], "rolled_back", "the edit went unnoticed by the views")
        let (result, document) = try verify(fixture.state)
        XCTAssertEqual(result.status, 19, result.stderr)
        let found = codes(document).filter { $0.code == "LP_STATE_INDEX_MISMATCH" }
        XCTAssertEqual(Set(found.map(\.path)), ["index/control_plane.sqlite", "index/deploy_loop.sqlite"], result.stderr)
    }

    func testAPromotedOutcomeNeedsAPromoteDecision() throws {
        let fixture = try accepted()
        // Stopped by a control action, then rewritten to look promoted at weight 100.
        let plan = try plan(fixture, strategy: ["type": "blue_green", "canary": nil, "blue_green": ["auto_promote": false]])
        XCTAssertEqual(try run(fixture, plan: plan, metricsDir: try metrics(fixture, [Self.good])).status, 0)
        let stop = try StageProcess.x07lp(["deploy", "stop", "--deployment-id", fixture.id, "--reason", "no",
                                           "--state-dir", fixture.state, "--now-unix-ms", time])
        XCTAssertEqual(stop.status, 0, stop.stderr)
        XCTAssertEqual(try verify(fixture.state).0.status, 0)
        let path = StateDirectory.execution(fixture.id)
        try rewrite(fixture.state, path) {
            $0 = $0.setting(["status"], "completed").setting(["meta", "outcome"], "promoted")
                .setting(["meta", "routing", "candidate_weight_pct"], 100)
        }
        let (result, document) = try verify(fixture.state)
        XCTAssertEqual(result.status, 19)
        let messages = (document["problems"]?.arrayValue ?? []).compactMap { $0["message"]?.stringValue }
        XCTAssertTrue(messages.contains { $0.contains("no deploy.promote") }, "\(messages)")
    }

    func testHalfDoneOperationsAreReported() throws {
        let fixture = try promotedByControl()
        let path = StateDirectory.execution(fixture.id)
        let signed = try signedControlDecision(fixture)

        // A control receipt missing for a signed control decision.
        let actions = try FileManager.default.contentsOfDirectory(atPath: fixture.state + "/control/actions")
        let action = try XCTUnwrap(actions.first { !$0.hasPrefix(".") })
        let saved = StageProcess.temporaryDirectory() + "/" + action
        try FileManager.default.moveItem(atPath: fixture.state + "/control/actions/" + action, toPath: saved)
        let (receipt, receiptDocument) = try verify(fixture.state)
        XCTAssertEqual(receipt.status, 19)
        XCTAssertTrue(codes(receiptDocument).contains {
            $0.code == "LP_STATE_CONTROL_RECEIPT_MISSING" && $0.path == StateDirectory.decisionRecord(signed)
        }, "\(codes(receiptDocument))")
        try FileManager.default.moveItem(atPath: saved, toPath: fixture.state + "/control/actions/" + action)

        // Decisions the execution names that are not there, and incident counts without incidents.
        let step = try XCTUnwrap(try stored(fixture)["steps"]?.arrayValue?.first?["decisions"]?.arrayValue?.first?.stringValue)
        try FileManager.default.removeItem(atPath: fixture.state + "/" + StateDirectory.decisionRecord(step))
        try rewrite(fixture.state, path) {
            $0 = $0.setting(["meta", "latest_decision_id"], .string(Identifier.make(.decision, seed: "gone")))
                .setting(["meta", "incident_count_total"], 1)
        }
        let (missing, missingDocument) = try verify(fixture.state)
        XCTAssertEqual(missing.status, 19)
        let found = codes(missingDocument).filter { $0.path == path }.map(\.code)
        XCTAssertEqual(found.filter { $0 == "LP_STATE_REF_MISSING" }.count, 2, "\(codes(missingDocument))")
        XCTAssertTrue(found.contains("LP_STATE_INCIDENT_COUNT"), "\(codes(missingDocument))")
    }

    func testSignatureStatusValidWithoutASignedDecisionIsFound() throws {
        let fixture = try accepted()
        XCTAssertEqual(try run(fixture, plan: nil, metricsDir: try metrics(fixture, [Self.good])).status, 0)
        let path = StateDirectory.execution(fixture.id)
        try rewrite(fixture.state, path) { $0 = $0.setting(["meta", "signature_status"], "valid") }
        let (result, document) = try verify(fixture.state)
        XCTAssertEqual(result.status, 19)
        XCTAssertTrue(codes(document).contains { $0.code == "LP_STATE_EXECUTION_EVIDENCE" && $0.path == path }, "\(codes(document))")
    }

    // MARK: trusted keys come from outside the state

    func testReplacedKeyAndResignedDecisionAreVisible() throws {
        let fixture = try promotedByControl()
        let state = StateDirectory(root: fixture.state)
        let original = StageProcess.temporaryDirectory() + "/original.pub.pem"
        try FileManager.default.copyItem(atPath: state.path(ControlSigner.publicKeyFile), toPath: original)
        let originalId = try XCTUnwrap(try verify(fixture.state).1["trusted_keys"]?.arrayValue?.first?["keyid"]?.stringValue)

        // The attacker replaces the key pair and re-signs an edited control decision.
        let signed = try signedControlDecision(fixture)
        let decisionPath = StateDirectory.decisionRecord(signed)
        try FileManager.default.removeItem(atPath: state.path(ControlSigner.privateKeyFile))
        try FileManager.default.removeItem(atPath: state.path(ControlSigner.publicKeyFile))
        var record = try read(fixture.state, decisionPath).decode(DecisionRecord.self)
        record.reasons = [.init(code: record.reasons.first?.code ?? "LP_CONTROL", message: "approved by the release board")]
        record.integrity.signatures = []
        let resigned = try state.write { tx in try ControlSigner.load(signingKeyPath: nil, in: tx).sign(record) }
        try Data(try JSON(encoding: resigned).canonicalBytes).write(to: URL(fileURLWithPath: state.path(decisionPath)))

        // Trust on first use: still ok, but the result names the new key, not the original.
        let (tofu, tofuDocument) = try verify(fixture.state)
        XCTAssertEqual(tofu.status, 0, tofu.stderr)
        let listed = tofuDocument["trusted_keys"]?.arrayValue?.compactMap { $0["keyid"]?.stringValue } ?? []
        XCTAssertFalse(listed.contains(originalId))
        XCTAssertEqual(tofuDocument["trusted_keys"]?.arrayValue?.first?["trust"], "trusted_on_first_use")

        // With the original key given from outside (flag, environment or pin) the forgery fails.
        for (extra, environment) in [(["--trusted-key", original], [:]), ([], ["X07LP_TRUSTED_KEYS": original]),
                                     (["--trusted-keyid", originalId], [:])] {
            let (anchored, document) = try verify(fixture.state, extra, environment: environment)
            XCTAssertEqual(anchored.status, 19, "\(extra) \(environment)")
            XCTAssertTrue(codes(document).contains { $0.code == "LP_STATE_SIGNATURE_UNKNOWN_KEY" && $0.path == decisionPath },
                          "\(codes(document))")
            XCTAssertTrue(document["trusted_keys"]?.arrayValue?.contains { $0["trust"] == "not_trusted" } ?? false)
        }
    }

    // MARK: views check signatures at view time

    func testViewsShowTheSignatureStatusOfTheRecordAsItIsNow() throws {
        let fixture = try promotedByControl()
        XCTAssertEqual(try summary(fixture)["signature_status"], "valid")
        let decisionPath = StateDirectory.decisionRecord(try signedControlDecision(fixture))
        try rewrite(fixture.state, decisionPath) { record in
            record = record.setting(["reasons"], [["code": "LP_CONTROL_DEPLOY_PROMOTE_MANUAL", "message": "approved by the board"]])
        }
        XCTAssertEqual(try summary(fixture)["signature_status"], "invalid")
    }

    func testIncidentViewsShowATamperedIncident() throws {
        let setup = try IncidentTests.promoted()
        let capture = try IncidentTests.capture(setup)
        XCTAssertEqual(capture.status, 0, capture.stderr)
        let id = try IncidentTests.incidentId(capture)
        func shown() throws -> (get: JSON?, list: JSON?) {
            let get = try StageProcess.x07lp(["incident", "get", "--incident-id", id, "--view", "summary",
                                              "--state-dir", setup.state, "--json"])
            XCTAssertEqual(get.status, 0, get.stderr)
            let list = try StageProcess.x07lp(["incident", "list", "--deployment-id", setup.deployment,
                                               "--state-dir", setup.state, "--json"])
            XCTAssertEqual(list.status, 0, list.stderr)
            return (try JSONParser.parse(get.stdout)["result"]?["signature_status"],
                    try JSONParser.parse(list.stdout)["result"]?["items"]?.arrayValue?.first?["signature_status"])
        }
        let before = try shown()
        XCTAssertNotEqual(before.get, "invalid")
        // The capture decision records the bundle's digest: an edited bundle no longer matches it.
        let directory = try XCTUnwrap(StateFiles.written(setup.state).keys.first { $0.hasSuffix("/\(id)/incident.bundle.json") })
        try rewrite(setup.state, directory) { $0 = $0.setting(["notes"], "nothing to see here") }
        let after = try shown()
        XCTAssertEqual(after.get, "invalid")
        XCTAssertEqual(after.list, "invalid")
    }
}

private extension JSON {
    /// A copy with the member at `path` set to `value` (objects along the path must exist).
    func setting(_ path: [String], _ value: JSON) -> JSON {
        guard let first = path.first, case .object(var members) = self else { return self }
        members[first] = path.count == 1 ? value : (members[first] ?? .null).setting(Array(path.dropFirst()), value)
        return .object(members)
    }
}
