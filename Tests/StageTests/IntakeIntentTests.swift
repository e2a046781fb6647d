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

/// Issue 12, through scripts/x07lp as an operator runs it: packs made with `tar -C pack -czf
/// pack.tar.gz .`, the reference's seal code, the change request's intent, a change for another
/// app than the pack's, and the reference's `--ops-profile` spelling.
final class IntakeIntentTests: XCTestCase {
    static let time = DeployLoopTests.time

    // MARK: helpers

    /// The reference deploy-loop change request with `edit` applied, written to a scratch file.
    func changeRequest(_ edit: (JSON) -> JSON, base: String? = nil) throws -> String {
        let path = try base ?? Upstream.require("fixtures/deploy_loop/common/change_request.app_min.json")
        let json = try JSONParser.parse([UInt8](Data(contentsOf: URL(fileURLWithPath: path))))
        let out = StageProcess.temporaryDirectory() + "/change_request.json"
        try Data(edit(json).canonicalBytes).write(to: URL(fileURLWithPath: out))
        return out
    }

    func intent(_ intent: String) throws -> String { try changeRequest { $0.setting("intent", .string(intent)) } }

    func accept(_ change: String, state: String, pack: String? = nil, time: String = IntakeIntentTests.time, _ extra: [String] = []) throws -> StageResult {
        let pack = try pack ?? Upstream.require("fixtures/baseline/pack_min")
        return try StageProcess.x07lp(["deploy", "accept", "--pack", pack, "--change", change, "--state-dir", state,
                                       "--now-unix-ms", time, "--json"] + extra)
    }

    /// `x07lp deploy`: accept, plan and run in one go, on the reference promote scenario.
    func deployInOneGo(_ change: String, state: String, time: String = IntakeIntentTests.time) throws -> StageResult {
        let promote = try Upstream.require("fixtures/deploy_loop/promote")
        return try StageProcess.x07lp(["deploy", "--change", change, "--pack-dir", try Upstream.require("fixtures/baseline/pack_min"),
                                       "--plan", promote + "/deploy.plan.json", "--metrics-dir", promote, "--pause-scale", "0",
                                       "--state-dir", state, "--now-unix-ms", time, "--json"])
    }

    func stored(_ state: String, _ relative: String) throws -> JSON {
        try JSONParser.parse([UInt8](Data(contentsOf: URL(fileURLWithPath: state + "/" + relative))))
    }

    func files(_ state: String, under directory: String) -> [String] {
        StateFiles.written(state).keys.filter { $0.hasPrefix(directory + "/") }.sorted()
    }

    func reasonCodes(_ report: StageResult) throws -> [String] {
        try JSONParser.parse(report.stdout)["diagnostics"]?.arrayValue?.compactMap { $0["data"]?["reason_code"]?.stringValue } ?? []
    }

    // MARK: 1. packs made with tar -C pack -c... .

    func testATarballOfDotIsAcceptedLikeTheDirectory() throws {
        let work = StageProcess.temporaryDirectory()
        let hello = ExamplePacks.hello
        let direct = try accept(hello + "/change_request.min.json", state: work + "/dir", pack: hello + "/pack")
        XCTAssertEqual(direct.status, 0, direct.stderr)
        for (file, flags) in [("pack.tar.gz", "-czf"), ("pack.tar", "-cf")] {
            let made = try StageProcess.run("/usr/bin/env", ["tar", "-C", hello + "/pack", flags, work + "/" + file, "."])
            XCTAssertEqual(made.status, 0, made.stderr)
            let listed = try StageProcess.run("/usr/bin/env", ["tar", "-tf", work + "/" + file])
            XCTAssertTrue(listed.stdoutText.hasPrefix("./\n"), "tar wrote no root entry first: \(listed.stdoutText)")
            XCTAssertTrue(listed.stdoutText.contains("./app.pack.json\n"), listed.stdoutText)
            let result = try accept(hello + "/change_request.min.json", state: work + "/state-" + file, pack: work + "/" + file)
            XCTAssertEqual(result.status, 0, "\(file): \(result.stderr)")
            XCTAssertEqual(result.stdoutText, direct.stdoutText, file)
        }
    }

    func testDotSlashDoesNotLetTraversalOrInnerDotComponentsThrough() throws {
        let work = StageProcess.temporaryDirectory()
        let hello = ExamplePacks.hello
        // The example pack as `tar -C pack -cf - .` lays it out, plus (or with) one hostile name.
        let script = """
            import io, os, sys, tarfile
            root, out, extra = sys.argv[1], sys.argv[2], sys.argv[3]
            names = sorted(os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs)
            with tarfile.open(out, "w", format=tarfile.GNU_FORMAT) as tar:
                d = tarfile.TarInfo("./"); d.type = tarfile.DIRTYPE; d.mode = 0o755; tar.addfile(d)
                for name in names:
                    data = open(os.path.join(root, name), "rb").read()
                    arc = "./" + name
                    if extra.startswith("inner:") and name == extra[6:]:
                        arc = "./" + name.replace("/", "/./", 1)
                    info = tarfile.TarInfo(arc); info.size = len(data); tar.addfile(info, io.BytesIO(data))
                if extra.startswith("add:"):
                    info = tarfile.TarInfo(extra[4:]); info.size = 5; tar.addfile(info, io.BytesIO(b"evil\\n"))
            """
        let manifest = try stored(hello + "/pack", "app.pack.json")
        let asset = manifest["assets"]?.arrayValue?.first?["file"]?["path"]?.stringValue ?? ""
        XCTAssertTrue(asset.contains("/"), asset)
        for (file, extra) in [("ok.tar", "none"), ("traversal.tar", "add:./../evil.txt"), ("inner.tar", "inner:" + asset),
                              ("absolute.tar", "add:/tmp/x07lp-evil.txt")] {
            let made = try StageProcess.run("/usr/bin/env", ["python3", "-c", script, hello + "/pack", work + "/" + file, extra])
            XCTAssertEqual(made.status, 0, made.stderr)
            let state = work + "/state-" + file
            let result = try accept(hello + "/change_request.min.json", state: state, pack: work + "/" + file)
            if file == "ok.tar" {
                XCTAssertEqual(result.status, 0, result.stderr)
                continue
            }
            XCTAssertEqual(result.status, 3, "\(file): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("error[LP_PACK_PATH_UNSAFE]"), "\(file): \(result.stderr)")
            XCTAssertEqual(Array(StateFiles.written(state).keys), [], "\(file) left files in the state")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/tmp/x07lp-evil.txt"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: work + "/evil.txt"))
    }

    // MARK: 2. the reference's seal code

    func testAWrongFileDigestIsTheReferenceCodeWithExit12() throws {
        let baseline = try Upstream.require("fixtures/baseline")
        let state = StageProcess.temporaryDirectory()
        // check_golden.sh "bad digest": the report's diagnostics name LP_PACK_DIGEST_MISMATCH_FILE.
        let result = try StageProcess.x07lp(["deploy", "accept", "--pack-dir", baseline + "/pack_min",
                                             "--pack-manifest", "app.pack.bad.json", "--change", baseline + "/change_request.min.json",
                                             "--state-dir", state, "--now-unix-ms", Self.time, "--json"])
        XCTAssertEqual(result.status, 12, result.stderr)
        let report = try JSONParser.parse(result.stdout)
        XCTAssertEqual(report["ok"], false)
        XCTAssertEqual(report["exit_code"]?.intValue, 12)
        XCTAssertEqual(report["command"], "deploy accept")
        let diagnostics = report["diagnostics"]?.arrayValue ?? []
        XCTAssertTrue(diagnostics.contains { $0["code"] == "LP_PACK_DIGEST_MISMATCH_FILE" }, result.stdoutText)
        XCTAssertFalse(result.stdoutText.contains("\"LP_DIGEST_MISMATCH\""), result.stdoutText)
        let mismatch = diagnostics.first { $0["code"] == "LP_PACK_DIGEST_MISMATCH_FILE" }
        XCTAssertEqual(mismatch?["data"]?["path"]?.stringValue?.hasPrefix("assets/"), true, result.stdoutText)
        XCTAssertEqual(Array(StateFiles.written(state).keys), [])
    }

    // MARK: 3. intent

    func testValidateOnlyIsNeverDeployedByTheOneShotDeploy() throws {
        let state = StageProcess.temporaryDirectory()
        let result = try deployInOneGo(try intent("validate_only"), state: state)
        XCTAssertEqual(result.status, 13, "a validate_only change must not be deployed: \(result.stdoutText)\n\(result.stderr)")
        XCTAssertTrue(result.stderr.contains("LP_INTENT_VALIDATE_ONLY"), result.stderr)
        XCTAssertFalse(result.stdoutText.contains("\"outcome\":\"promoted\""), result.stdoutText)
        // Intake recorded it and ended it; nothing was planned, started or routed.
        let executions = files(state, under: "deploy")
        XCTAssertEqual(executions.count, 1, "\(executions)")
        let execution = try stored(state, executions[0])
        XCTAssertEqual(execution["status"], "completed")
        XCTAssertEqual(execution["plan"], .null)
        XCTAssertEqual(execution["steps"], [])
        XCTAssertNil(execution["meta"])
        XCTAssertEqual(files(state, under: "plans"), [])
        XCTAssertEqual(files(state, under: "router"), [])
        XCTAssertEqual(files(state, under: "runtime").filter { !$0.hasSuffix(".lock") }, [])
        let decisions = try files(state, under: "decisions").map { try stored(state, $0) }
        XCTAssertEqual(decisions.map { $0["kind"] }, ["intake.accept"])
        XCTAssertEqual(decisions.first?["outcome"], "allow")
        XCTAssertEqual(decisions.first?["meta"]?["intent"], "validate_only")
        XCTAssertEqual(decisions.first?["reasons"]?.arrayValue?.compactMap { $0["code"]?.stringValue },
                       ["LP_INTAKE_ALLOWED", "LP_INTENT_VALIDATE_ONLY"])
        // The execution still validates against its contract (ours and the public one), and the
        // state verifies.
        let id = execution["exec_id"]?.stringValue ?? ""
        var schemas = ["lp.deploy.execution@0.1.0"]
        if let contracts = try? Upstream.require("lp-contracts") { schemas.append(contracts + "/lp.deploy.execution.schema.json") }
        for schema in schemas {
            let check = try StageProcess.x07lp(["schema", "validate", "--schema", schema, "--in", "\(state)/deploy/\(id).json"])
            XCTAssertEqual(check.status, 0, "\(schema): \(check.stderr)")
        }
        let verify = try StageProcess.x07lp(["state", "verify", "--state-dir", state])
        XCTAssertEqual(verify.status, 0, verify.stdoutText + verify.stderr)
        let summary = try StageProcess.x07lp(["deploy", "query", "--deployment-id", id, "--view", "summary", "--state-dir", state])
        XCTAssertEqual(summary.status, 0, summary.stderr)
    }

    func testValidateOnlyIsAcceptedOrDeniedByIntakeAndRefusedByPlanAndApply() throws {
        let state = StageProcess.temporaryDirectory()
        let accepted = try accept(try intent("validate_only"), state: state)
        XCTAssertEqual(accepted.status, 0, accepted.stderr)
        let report = try JSONParser.parse(accepted.stdout)
        XCTAssertEqual(report["result"]?["outcome"], "allow")
        XCTAssertTrue(report["diagnostics"]?.arrayValue?.contains { $0["code"] == "LP_INTENT_VALIDATE_ONLY" } ?? false, accepted.stdoutText)
        let id = report["result"]?["exec_id"]?.stringValue ?? ""
        let promote = try Upstream.require("fixtures/deploy_loop/promote")
        let before = StateFiles.written(state).filter { !$0.key.hasPrefix("index/") }
        for (stage, extra) in [("lp-plan", ["--plan", promote + "/deploy.plan.json"]), ("lp-apply", ["--metrics-dir", promote])] {
            let refused = try StageProcess.run(StageProcess.binary(stage), ["--deployment-id", id, "--state-dir", state] + extra)
            XCTAssertEqual(refused.status, 13, "\(stage): \(refused.stderr)")
            XCTAssertTrue(refused.stderr.contains("error[LP_INTENT_VALIDATE_ONLY]"), "\(stage): \(refused.stderr)")
        }
        // Piped, too: the accepted execution into lp-plan.
        let piped = try StageProcess.run(StageProcess.binary("lp-plan"), ["--state-dir", state], stdin: accepted.stdout)
        XCTAssertEqual(piped.status, 13, piped.stderr)
        XCTAssertEqual(StateFiles.written(state).filter { !$0.key.hasPrefix("index/") }, before, "a refusal wrote to the state")

        // Denied by a gate as any change: failed, rejected, exit 13.
        let deniedState = StageProcess.temporaryDirectory()
        let denied = try accept(try changeRequest {
            $0.setting("intent", "validate_only")
                .setting("acceptance", ["policy_mode": "enforce", "required_checks": ["x07_wasm_app_verify", "x07_wasm_ops_validate"]])
        }, state: deniedState)
        XCTAssertEqual(denied.status, 13, denied.stderr)
        XCTAssertEqual(try reasonCodes(denied), ["LP_OPS_PROFILE_MISSING"])
        let execution = try stored(deniedState, files(deniedState, under: "deploy")[0])
        XCTAssertEqual(execution["status"], "failed")
        XCTAssertEqual(execution["meta"], ["outcome": "rejected"])
    }

    func testStopAndReplayAreRefusedWithTheVerbToUse() throws {
        for (name, verb) in [("stop", "x07lp deploy stop"), ("replay", "x07lp regress from-incident")] {
            let state = StageProcess.temporaryDirectory()
            let result = try accept(try intent(name), state: state)
            XCTAssertEqual(result.status, 13, "\(name): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("error[LP_INTENT_UNSUPPORTED]"), result.stderr)
            XCTAssertTrue(result.stderr.contains(verb), result.stderr)
            XCTAssertTrue(result.stdoutIsOnlyTheFailedReport, result.stdoutText)
            XCTAssertEqual(Array(StateFiles.written(state).keys), [], "\(name) left files in the state")
        }
    }

    func testRollbackMustNameAReleaseTheAppAlreadyRanThenDeploysLikeADeploy() throws {
        let state = StageProcess.temporaryDirectory()
        let rollback = try intent("rollback")
        // Nothing of app_min ran yet: there is nothing to roll back to.
        let first = try accept(rollback, state: state)
        XCTAssertEqual(first.status, 13, first.stderr)
        XCTAssertEqual(try reasonCodes(first), ["LP_ROLLBACK_TARGET_UNKNOWN"])
        XCTAssertEqual(try stored(state, "deploy/\(try JSONParser.parse(first.stdout)["result"]?["exec_id"]?.stringValue ?? "").json")["status"], "failed")

        // A deploy of the pack that only got accepted (never run) is no release either. (Each
        // later step runs at a later time: the same inputs at the same time name the same records.)
        let deploy = try changeRequest { $0 }
        XCTAssertEqual(try accept(deploy, state: state, time: "1762147201000").status, 0)
        XCTAssertEqual(try reasonCodes(try accept(rollback, state: state, time: "1762147202000")), ["LP_ROLLBACK_TARGET_UNKNOWN"])

        // Deployed and promoted: now the pack is a release of app_min in staging.
        let promoted = try deployInOneGo(deploy, state: state, time: "1762147203000")
        XCTAssertEqual(promoted.status, 0, promoted.stderr)
        let again = try deployInOneGo(rollback, state: state, time: "1762147204000")
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(try JSONParser.parse(again.stdout)["result"]?["outcome"], "promoted", again.stdoutText)

        // The same release, for another environment or app, is not theirs.
        let prod = try changeRequest {
            $0.setting("intent", "rollback").setting("target", ["app_id": "app_min", "environment": ["kind": "prod"]])
        }
        XCTAssertEqual(try reasonCodes(try accept(prod, state: state, time: "1762147205000")), ["LP_ROLLBACK_TARGET_UNKNOWN"])
        let other = try changeRequest {
            $0.setting("intent", "rollback").setting("target", ["app_id": "app_other", "environment": ["kind": "staging"]])
        }
        XCTAssertEqual(try reasonCodes(try accept(other, state: state, time: "1762147206000")), ["LP_ROLLBACK_TARGET_UNKNOWN"])
    }

    // MARK: 4. a change for another app than the pack's

    func testAChangeForAnotherAppThanThePacksProvenanceIsRefusedAndWritesNothing() throws {
        let hello = ExamplePacks.hello
        let extra = ["--ops", hello + "/ops.canary.json", "--slo", hello + "/slo.json", "--policy", hello + "/policy.baseline.json",
                     "--provenance", hello + "/provenance.dsse.json", "--trusted-key", hello + "/keys/test-signing.pub.pem"]
        let own = try accept(hello + "/change_request.ops.json", state: StageProcess.temporaryDirectory(), pack: hello + "/pack", extra)
        XCTAssertEqual(own.status, 0, own.stderr)
        let other = try changeRequest({ $0.setting("target", ["app_id": "example.other.web", "environment": ["kind": "staging"]]) },
                                      base: hello + "/change_request.ops.json")
        let state = StageProcess.temporaryDirectory()
        let result = try accept(other, state: state, pack: hello + "/pack.tar.gz", extra)
        XCTAssertEqual(result.status, 3, result.stderr)
        XCTAssertTrue(result.stderr.contains("error[LP_CHANGE_APP_MISMATCH]"), result.stderr)
        XCTAssertTrue(result.stderr.contains("example.hello.web") && result.stderr.contains("example.other.web"), result.stderr)
        XCTAssertTrue(result.stdoutIsOnlyTheFailedReport, result.stdoutText)
        XCTAssertEqual(Array(StateFiles.written(state).keys), [], "a refused change left files in the state")
    }

    // MARK: 5. --ops-profile

    func testOpsProfileIsTheReferenceSpellingOfOps() throws {
        let hello = ExamplePacks.hello
        func run(_ flag: String) throws -> StageResult {
            try accept(hello + "/change_request.ops.json", state: StageProcess.temporaryDirectory(), pack: hello + "/pack",
                       [flag, hello + "/ops.canary.json", "--slo", hello + "/slo.json", "--policy", hello + "/policy.baseline.json",
                        "--provenance", hello + "/provenance.dsse.json", "--trusted-key", hello + "/keys/test-signing.pub.pem"])
        }
        let ops = try run("--ops"), profile = try run("--ops-profile")
        XCTAssertEqual(ops.status, 0, ops.stderr)
        XCTAssertEqual(profile.status, 0, profile.stderr)
        XCTAssertEqual(profile.stdoutText, ops.stdoutText)
        let direct = try StageProcess.run(StageProcess.binary("lp-validate"),
                                          ["--pack", hello + "/pack", "--ops-profile", hello + "/ops.canary.json", "--slo", hello + "/slo.json",
                                           "--policy", hello + "/policy.baseline.json", "--provenance", hello + "/provenance.dsse.json",
                                           "--trusted-key", hello + "/keys/test-signing.pub.pem", "--state-dir", StageProcess.temporaryDirectory(),
                                           "--now-unix-ms", Self.time, "--in", hello + "/change_request.ops.json"])
        XCTAssertEqual(direct.status, 0, direct.stderr)
        // The reference's denial names the flag it wants.
        let missing = try accept(hello + "/change_request.ops.json", state: StageProcess.temporaryDirectory(), pack: hello + "/pack")
        XCTAssertEqual(missing.status, 13)
        XCTAssertTrue(missing.stdoutText.contains("--ops-profile"), missing.stdoutText)
    }
}
