@testable import LPCore
@testable import LPState
@testable import LPModel
@testable import LPIndex
@testable import LPStage
import Foundation
import XCTest

/// The derived query index (docs/index.md): built from the state files, reused while
/// current, rebuilt when missing, damaged or stale, kept current incrementally by writers.
final class StateIndexTests: XCTestCase {
    var root = ""
    var state: StateDirectory { StateDirectory(root: root) }

    override func setUpWithError() throws {
        root = NSTemporaryDirectory() + "lp-index-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: root)
    }

    // MARK: record builders (shapes of Sources/LPModel/Records and contracts/)

    static func execId(_ n: Int) -> String { Identifier.make(.execution, parts: ["test", String(n)]) }
    static func runId(_ n: Int) -> String { Identifier.make(.run, parts: ["test", String(n)]) }
    static func decisionId(_ n: Int) -> String { Identifier.make(.decision, parts: ["test", String(n)]) }
    static func incidentId(_ n: Int) -> String { Identifier.make(.incident, parts: ["test", String(n)]) }
    static let digestA = DigestRef(sha256: String(repeating: "a", count: 64), bytes_len: 10)
    static let digestB = DigestRef(sha256: String(repeating: "b", count: 64), bytes_len: 20)

    static func execution(_ id: String, run: String, app: String?, env: String = "staging", created: Int64,
                          status: ExecutionStatus = .completed, weight: Int = 100, outcome: DeployOutcome = .promoted,
                          steps: Int = 2) throws -> JSON {
        var execution = DeployExecution(exec_id: id, run_id: run, created_unix_ms: created, status: status,
                                        plan: .init(digest: digestA))
        for idx in 0..<steps {
            var step = DeployExecution.Step(idx: idx, name: "set_weight \(idx * 50)", kind: "set_weight", status: .ok,
                                            started_unix_ms: created + Int64(idx))
            step.ended_unix_ms = created + Int64(idx) + 1
            step.latest_weight_pct = idx * 50
            step.decisions = [decisionId(idx)]
            step.evidence = [TypedRef(kind: "x07.metrics.snapshot@0.1.0", digest: digestB, label: "metrics_snapshot")]
            execution.steps.append(step)
        }
        if let app {
            var meta = ExecutionMetaLocal(appId: app, environment: env, plan: execution.plan, publicListener: "http://127.0.0.1:20001",
                                          retryBudget: 3, nowUnixMs: created)
            meta.outcome = outcome
            meta.control_state = .terminal
            meta.routing.candidate_weight_pct = weight
            meta.updated_unix_ms = created + 50
            meta.latest_decision_id = decisionId(steps - 1)
            execution.meta = .local(meta)
        }
        return try execution.json()
    }

    static func decision(_ id: String, run: String, exec: String?, step: Int?, created: Int64, kind: String = "deploy.step",
                         evidence: [TypedRef] = [], meta extra: JSON? = nil) throws -> JSON {
        var meta: JSON = [:]
        if let exec { meta = meta.setting("exec_id", .string(exec)) }
        if let step { meta = meta.setting("step_idx", .number(Double(step))) }
        if let extra { meta = extra }
        let record = try DecisionRecord(decision_id: id, run_id: run, created_unix_ms: created, kind: kind, outcome: .allow,
                                        reasons: [.init(code: "LP_TEST_\(created)", message: "because"), .init(code: "LP_TEST_SECOND")],
                                        evidence: evidence, subject: nil, meta: meta)
        return try JSON(encoding: record)
    }

    static func run(_ id: String, exec: String, app: String, env: String = "staging", created: Int64) throws -> JSON {
        let run = PipelineRun(
            run_id: id, created_unix_ms: created,
            inputs: .init(change_request: nil,
                          artifact: .init(kind: "x07.app.pack@0.1.0", manifest: .init(kind: "x07.app.pack@0.1.0", digest: digestA),
                                          profile_id: nil), vcs: nil),
            steps: [], decisions: [], state: .init(stage: "intake", status: "succeeded", current_step: nil),
            meta: ["app_id": .string(app), "environment": .string(env), "exec_id": .string(exec)])
        return try run.json()
    }

    static func incidentBundle(_ id: String, app: String, env: String = "staging", created: Int64) -> JSON {
        ["schema_version": "lp.incident.bundle@0.2.0", "incident_id": .string(id), "created_unix_ms": .number(Double(created)),
         "app_id": .string(app), "environment": ["kind": .string(env)],
         "window": ["start_unix_ms": .number(Double(created - 10)), "end_unix_ms": .number(Double(created))],
         "diag_codes": ["LP_SLO_DECISION_ROLLBACK"], "refs": [], "notes": "captured in a test"]
    }

    static func incidentMeta(deployment: String?, run: String, app: String, env: String = "staging", captured: Int64,
                             status: String = "open") -> JSON {
        ["schema_version": "lp.incident.bundle.meta.local@0.2.0", "classification": "slo_rollback", "source": "slo",
         "incident_status": .string(status), "deployment_id": deployment.map(JSON.string) ?? .null, "run_id": .string(run),
         "target": ["app_id": .string(app), "environment": .string(env)], "captured_unix_ms": .number(Double(captured)),
         "regression_status": "not_requested", "candidate_weight_pct": 10]
    }

    static func killSwitch(_ scope: String, engaged: Bool, at time: Int64) -> JSON {
        ["schema_version": "x07lp.kill.switch@0.1.0", "scope": .string(scope), "engaged": .bool(engaged), "reason": "test",
         "decision_id": .string(decisionId(900)), "updated_unix_ms": .number(Double(time))]
    }

    static func controlAction(_ id: String, deployment: String, decision: String, created: Int64) -> JSON {
        ["schema_version": "lp.control.action.result@0.1.0", "action_id": .string(id), "kind": "deploy.pause.manual",
         "scope": "deployment", "ok": true, "approval_state": "not_required", "created_unix_ms": .number(Double(created)),
         "target": ["deployment_id": .string(deployment)], "reason": "test", "affected_executions": [.string(deployment)],
         "new_execution_id": .null, "state_before": .null, "state_after": .null,
         "decision": ["decision_id": .string(decision), "signature_status": "valid"]]
    }

    // MARK: writing

    /// Writes a record the way stages do (atomic rename), optionally telling the index.
    @discardableResult
    func write(_ document: JSON, at relative: String, index: StateIndex? = nil) throws -> ArtifactRef {
        let ref = try state.write { try $0.writeRecord(document, at: relative, logicalName: "test") }
        try index?.recordWritten(relativePath: relative, document: document, digest: ref.digest)
        return ref
    }

    func incidentPath(_ app: String, _ env: String, _ id: String, _ file: String) -> String {
        StateDirectory.incidentDirectory(app: app, env: env, id: id) + "/" + file
    }

    /// Every row of every table but the index's own bookkeeping, as sorted text.
    func dump(_ index: StateIndex) throws -> [String: [String]] {
        var result: [String: [String]] = [:]
        for (name, type) in IndexSchema.objects where type == "table" && !["meta", "index_fingerprints"].contains(name) {
            var rows: [String] = []
            try index.db.query("SELECT * FROM \(name)") { row in
                rows.append((0..<row.columnCount).map { row.string($0) ?? "NULL" }.joined(separator: "|"))
            }
            result[name] = rows.sorted()
        }
        return result
    }

    func smallState() throws {
        try write(Self.run(Self.runId(1), exec: Self.execId(1), app: "shop", created: 1_000), at: StateDirectory.runRecord(Self.runId(1)))
        try write(Self.execution(Self.execId(1), run: Self.runId(1), app: "shop", created: 1_000),
                  at: StateDirectory.execution(Self.execId(1)))
        try write(Self.decision(Self.decisionId(1), run: Self.runId(1), exec: Self.execId(1), step: 0, created: 1_001),
                  at: StateDirectory.decisionRecord(Self.decisionId(1)))
    }

    // MARK: open, reuse, staleness

    func testFreshStateBuildsAndASecondOpenReusesIt() throws {
        try smallState()
        let (first, rebuilt) = try StateIndex.open(state: state)
        XCTAssertTrue(rebuilt)
        XCTAssertTrue(first.isPersistent)
        XCTAssertEqual(first.path, root + "/index/control_plane.sqlite")
        XCTAssertTrue(FileManager.default.fileExists(atPath: first.path))
        let row = try XCTUnwrap(try first.execution(id: Self.execId(1)))
        XCTAssertEqual(row.app_id, "shop")
        XCTAssertEqual(row.environment, "staging")
        XCTAssertEqual(row.status, "completed")
        XCTAssertEqual(row.outcome, "promoted")
        XCTAssertEqual(row.current_weight_pct, 100)
        XCTAssertEqual(row.plan, Self.digestA)
        XCTAssertEqual(row.record, DigestRef(of: try state.read(StateDirectory.execution(Self.execId(1)))))
        XCTAssertEqual(try first.steps(execId: Self.execId(1)).map(\.idx), [0, 1])
        XCTAssertEqual(try first.steps(execId: Self.execId(1)).last?.evidence.first?.label, "metrics_snapshot")
        XCTAssertEqual(try first.artifacts(execId: Self.execId(1)).map(\.role), ["deploy_plan", "metrics_snapshot"])

        let (second, again) = try StateIndex.open(state: state)
        XCTAssertFalse(again)
        XCTAssertEqual(try second.latestExecution(appId: "shop", environment: "staging")?.exec_id, Self.execId(1))
        XCTAssertFalse(try StateIndex.open(state: state).rebuilt)
    }

    func testRecordsWrittenBehindItsBackMakeTheNextOpenRebuild() throws {
        try smallState()
        _ = try StateIndex.open(state: state)
        settle()
        try write(Self.execution(Self.execId(2), run: Self.runId(2), app: "shop", created: 2_000),
                  at: StateDirectory.execution(Self.execId(2)))
        let (index, rebuilt) = try StateIndex.open(state: state)
        XCTAssertTrue(rebuilt)
        XCTAssertEqual(try index.latestExecution(appId: "shop", environment: "staging")?.exec_id, Self.execId(2))

        // A new incident directory deep below incidents/, and a kill switch in a new app:<app>/ directory.
        settle()
        let incident = Self.incidentId(1)
        try write(Self.incidentBundle(incident, app: "shop", created: 3_000), at: incidentPath("shop", "staging", incident, "incident.bundle.json"))
        let (afterIncident, rebuiltForIncident) = try StateIndex.open(state: state)
        XCTAssertTrue(rebuiltForIncident)
        XCTAssertEqual(try afterIncident.incident(id: incident)?.created_unix_ms, 3_000)
        settle()
        try write(Self.killSwitch("app:shop/staging", engaged: true, at: 4_000), at: StateDirectory.killSwitch("app:shop/staging"))
        let (afterKill, rebuiltForKill) = try StateIndex.open(state: state)
        XCTAssertTrue(rebuiltForKill)
        XCTAssertEqual(try afterKill.apps().first?.kill_state, "app")
        XCTAssertFalse(try StateIndex.open(state: state).rebuilt)
    }

    func testAnExistingIncidentRewrittenBehindItsBackIsNotSeenButRebuildFindsIt() throws {
        // The documented limit: an incident's own directory is not stamped (100,000 of them would
        // make the check a walk), so rewriting the meta of an existing incident by hand, outside
        // any write transaction (no generation moves), is only seen by a rebuild.
        let incident = Self.incidentId(1)
        try write(Self.incidentBundle(incident, app: "shop", created: 3_000), at: incidentPath("shop", "staging", incident, "incident.bundle.json"))
        try write(Self.incidentMeta(deployment: nil, run: Self.runId(1), app: "shop", captured: 3_000),
                  at: incidentPath("shop", "staging", incident, "incident.meta.local.json"))
        _ = try StateIndex.open(state: state)
        settle()
        try AtomicFile.write(Self.incidentMeta(deployment: nil, run: Self.runId(1), app: "shop", captured: 3_000, status: "resolved").canonicalBytes,
                             to: state.path(incidentPath("shop", "staging", incident, "incident.meta.local.json")))
        let (index, rebuilt) = try StateIndex.open(state: state)
        XCTAssertFalse(rebuilt)
        XCTAssertEqual(try index.incident(id: incident)?.status, "open")
        try index.rebuild()
        XCTAssertEqual(try index.incident(id: incident)?.status, "resolved")
    }

    func testDamagedIndexFilesAreRebuilt() throws {
        try smallState()
        let path = root + "/index/control_plane.sqlite"
        let damages: [(String, () throws -> Void)] = [
            ("deleted", { try FileManager.default.removeItem(atPath: path) }),
            ("truncated", {
                let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
                try bytes.prefix(bytes.count / 3).write(to: URL(fileURLWithPath: path))
            }),
            ("zero length", { try Data().write(to: URL(fileURLWithPath: path)) }),
            ("random bytes", { try Data((0..<8192).map { _ in UInt8.random(in: 0...255) }).write(to: URL(fileURLWithPath: path)) }),
            ("sqlite header then garbage", {
                var bytes = Array("SQLite format 3\u{0}".utf8)
                bytes += (0..<20_000).map { _ in UInt8.random(in: 0...255) }
                try Data(bytes).write(to: URL(fileURLWithPath: path))
            }),
            ("a directory", {
                try FileManager.default.removeItem(atPath: path)
                try FileManager.default.createDirectory(atPath: path + "/inside", withIntermediateDirectories: true)
            }),
            ("another schema version", {
                let db = try Database(path: path, create: false)
                try db.execute("PRAGMA user_version = 99")
            }),
            ("a dropped table", {
                let db = try Database(path: path, create: false)
                try db.execute("DROP TABLE target_heads")
            }),
        ]
        for (name, damage) in damages {
            _ = try StateIndex.open(state: state)
            try damage()
            let (index, rebuilt) = try StateIndex.open(state: state)
            XCTAssertTrue(rebuilt, name)
            XCTAssertEqual(try index.execution(id: Self.execId(1))?.app_id, "shop", name)
            XCTAssertEqual(try index.apps().count, 1, name)
            XCTAssertFalse(try StateIndex.open(state: state).rebuilt, name)
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: root).filter { $0.contains(".rebuild-") }
        XCTAssertEqual(leftovers, [])
    }

    func testDamageFoundWhileReadingIsRepaired() throws {
        try smallState()
        let (index, _) = try StateIndex.open(state: state)
        // Garbage over every page after the first, behind the back of a connection that had
        // already passed its open checks.
        index.db = try Database(path: ":memory:", create: true)
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: index.path))
        try handle.seek(toOffset: 4096)
        try handle.write(contentsOf: Data((0..<65_536).map { _ in UInt8.random(in: 0...255) }))
        try handle.close()
        index.db = try Database(path: index.path, create: false)
        XCTAssertEqual(try index.execution(id: Self.execId(1))?.app_id, "shop")
        XCTAssertEqual(try index.apps().map(\.latest_exec_id), [Self.execId(1)])
    }

    func testAnIndexDeletedUnderAnOpenWriterIsRebuiltAndKeepsItsUpdates() throws {
        try smallState()
        let (writer, _) = try StateIndex.open(state: state)
        XCTAssertNotNil(try writer.execution(id: Self.execId(1)))
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: writer.path + suffix) }
        try write(Self.execution(Self.execId(2), run: Self.runId(1), app: "shop", created: 2_000),
                  at: StateDirectory.execution(Self.execId(2)), index: writer)
        XCTAssertTrue(FileManager.default.fileExists(atPath: writer.path))
        XCTAssertEqual(try writer.latestExecution(appId: "shop", environment: "staging")?.exec_id, Self.execId(2))
        let (reader, rebuilt) = try StateIndex.open(state: state)
        XCTAssertFalse(rebuilt)
        XCTAssertEqual(try reader.latestExecution(appId: "shop", environment: "staging")?.exec_id, Self.execId(2))
    }

    func testMissingStateDirectoryGivesAnEmptyIndexAndCreatesNothing() throws {
        let missing = StateDirectory(root: root + "/nothing-here")
        let (index, rebuilt) = try StateIndex.open(state: missing)
        XCTAssertFalse(rebuilt)
        XCTAssertFalse(index.isPersistent)
        XCTAssertEqual(try index.apps(), [])
        XCTAssertNil(try index.execution(id: Self.execId(1)))
        XCTAssertFalse(FileManager.default.fileExists(atPath: missing.root))
        XCTAssertThrowsError(try StateIndex.rebuild(state: missing)) { error in
            XCTAssertEqual((error as? LPError)?.diagnostics.first?.code, "LP_NOT_FOUND")
        }
    }

    // MARK: incremental updates

    func testIncrementalUpdatesMoveHeadsAndAppsAndMatchAFullRebuild() throws {
        let (index, rebuilt) = try StateIndex.open(state: state)
        XCTAssertTrue(rebuilt)
        try write(Self.run(Self.runId(1), exec: Self.execId(1), app: "shop", created: 1_000),
                  at: StateDirectory.runRecord(Self.runId(1)), index: index)
        try write(Self.execution(Self.execId(1), run: Self.runId(1), app: "shop", created: 1_000, weight: 100),
                  at: StateDirectory.execution(Self.execId(1)), index: index)
        XCTAssertEqual(try index.latestExecution(appId: "shop", environment: "staging")?.exec_id, Self.execId(1))

        try write(Self.execution(Self.execId(2), run: Self.runId(1), app: "shop", created: 2_000, status: .started, weight: 10,
                                 outcome: .unknown),
                  at: StateDirectory.execution(Self.execId(2)), index: index)
        try write(Self.execution(Self.execId(3), run: Self.runId(1), app: "shop", env: "prod", created: 500),
                  at: StateDirectory.execution(Self.execId(3)), index: index)
        // An older execution rewritten later does not take the head back.
        try write(Self.execution(Self.execId(1), run: Self.runId(1), app: "shop", created: 1_000, weight: 0, outcome: .rolledBack),
                  at: StateDirectory.execution(Self.execId(1)), index: index)
        XCTAssertEqual(try index.latestExecution(appId: "shop", environment: "staging")?.exec_id, Self.execId(2))
        XCTAssertEqual(try index.execution(id: Self.execId(1))?.outcome, "rolled_back")

        var apps = try index.apps()
        XCTAssertEqual(apps.map(\.environment), ["prod", "staging"])
        XCTAssertEqual(apps.last?.latest_exec_id, Self.execId(2))
        XCTAssertEqual(apps.last?.status, "started")
        XCTAssertEqual(apps.last?.current_weight_pct, 10)
        XCTAssertEqual(apps.last?.kill_state, "none")

        try write(Self.killSwitch("app:shop/staging", engaged: true, at: 3_000), at: StateDirectory.killSwitch("app:shop/staging"), index: index)
        apps = try index.apps()
        XCTAssertEqual(apps.map(\.kill_state), ["none", "app"])
        try write(Self.killSwitch("platform", engaged: true, at: 3_001), at: StateDirectory.killSwitch("platform"), index: index)
        XCTAssertEqual(try index.apps().map(\.kill_state), ["platform", "platform"])
        try write(Self.killSwitch("platform", engaged: false, at: 3_002), at: StateDirectory.killSwitch("platform"), index: index)
        XCTAssertEqual(try index.apps().map(\.kill_state), ["none", "app"])
        try write(Self.controlAction(Identifier.make(.action, parts: ["t"]), deployment: Self.execId(2), decision: Self.decisionId(7),
                                     created: 3_003),
                  at: StateDirectory.controlAction(Identifier.make(.action, parts: ["t"])), index: index)

        // Every write was reported, so the index is current: no rebuild, and a rebuild from the
        // files gives exactly the rows the incremental updates gave.
        XCTAssertFalse(try StateIndex.open(state: state).rebuilt)
        let incremental = try dump(index)
        XCTAssertEqual(incremental["control_actions"]?.count, 1)
        XCTAssertEqual(incremental["kill_switches"]?.count, 2)
        // The same file reported twice gives the same rows.
        try index.recordWritten(relativePath: StateDirectory.execution(Self.execId(2)),
                                document: try state.readJSON(StateDirectory.execution(Self.execId(2))),
                                digest: DigestRef(of: try state.read(StateDirectory.execution(Self.execId(2)))))
        XCTAssertEqual(try dump(index), incremental)
        try index.rebuild()
        XCTAssertEqual(try dump(index), incremental)
        XCTAssertFalse(try StateIndex.open(state: state).rebuilt)
    }

    func testPlannedExecutionLearnsItsAppFromItsRunInEitherOrder() throws {
        let (index, _) = try StateIndex.open(state: state)
        // Intake writes the decision, then the run, then the planned execution (no meta yet).
        try write(Self.decision(Self.decisionId(1), run: Self.runId(1), exec: nil, step: nil, created: 1_000, kind: "intake.accept"),
                  at: StateDirectory.decisionRecord(Self.decisionId(1)), index: index)
        try write(Self.execution(Self.execId(1), run: Self.runId(1), app: nil, created: 1_000, status: .planned),
                  at: StateDirectory.execution(Self.execId(1)), index: index)
        XCTAssertNil(try index.execution(id: Self.execId(1))?.app_id)
        XCTAssertEqual(try index.apps(), [])
        try write(Self.run(Self.runId(1), exec: Self.execId(1), app: "shop", created: 1_000),
                  at: StateDirectory.runRecord(Self.runId(1)), index: index)
        XCTAssertEqual(try index.execution(id: Self.execId(1))?.app_id, "shop")
        XCTAssertEqual(try index.apps().map(\.latest_exec_id), [Self.execId(1)])
        XCTAssertEqual(try index.decisions(execId: Self.execId(1)).map(\.kind), ["intake.accept"])
        let incremental = try dump(index)
        try index.rebuild()
        XCTAssertEqual(try dump(index), incremental)
    }

    func testDecisionsOfAnExecutionAreOrderedWithReasonsAndEvidence() throws {
        let (index, _) = try StateIndex.open(state: state)
        let exec = Self.execId(1), run = Self.runId(1)
        let evidence = [TypedRef(kind: "x07.metrics.snapshot@0.1.0", digest: Self.digestA, label: "metrics_snapshot"),
                        TypedRef(kind: "x07.wasm.slo.eval.report@0.1.0", digest: Self.digestB, label: "slo_eval_report")]
        // Written out of order; two share a time (then the id orders them).
        for (n, created) in [(3, 3_000), (1, 1_000), (4, 2_000), (2, 2_000)] {
            try write(Self.decision(Self.decisionId(n), run: run, exec: exec, step: n, created: Int64(created), evidence: evidence),
                      at: StateDirectory.decisionRecord(Self.decisionId(n)), index: index)
        }
        // A signed control decision on the deployment names it in meta.target, not meta.exec_id.
        try write(Self.decision(Self.decisionId(5), run: run, exec: nil, step: nil, created: 4_000, kind: "control.deploy.pause.manual",
                                meta: ["scope": "deployment", "target": ["deployment_id": .string(exec)]]),
                  at: StateDirectory.decisionRecord(Self.decisionId(5)), index: index)
        try write(Self.decision(Self.decisionId(6), run: run, exec: Self.execId(2), step: 0, created: 500),
                  at: StateDirectory.decisionRecord(Self.decisionId(6)), index: index)

        let decisions = try index.decisions(execId: exec)
        let tied = [Self.decisionId(2), Self.decisionId(4)].sorted()
        XCTAssertEqual(decisions.map(\.decision_id), [Self.decisionId(1)] + tied + [Self.decisionId(3), Self.decisionId(5)])
        XCTAssertEqual(decisions.map(\.created_unix_ms), [1_000, 2_000, 2_000, 3_000, 4_000])
        let first = try XCTUnwrap(decisions.first)
        XCTAssertEqual(first.step_idx, 1)
        XCTAssertEqual(first.reasons.map(\.code), ["LP_TEST_1000", "LP_TEST_SECOND"])
        XCTAssertEqual(first.reasons.first?.message, "because")
        XCTAssertEqual(first.evidence.map(\.role), ["metrics_snapshot", "slo_eval_report"])
        XCTAssertEqual(first.evidence.last?.digest, Self.digestB)
        XCTAssertEqual(first.store_uri, "file:decisions/\(Self.decisionId(1)).json")
        XCTAssertEqual(decisions.last?.kind, "control.deploy.pause.manual")
        XCTAssertEqual(decisions.last?.evidence, [])
        XCTAssertEqual(try index.decisions(execId: Self.execId(2)).count, 1)
        XCTAssertEqual(try index.decision(id: Self.decisionId(3))?.reasons.count, 2)
        XCTAssertEqual(try index.decisions(execId: "lpexec_none"), [])
    }

    func testIncidentsAreListedNewestFirstWithALimit() throws {
        let (index, _) = try StateIndex.open(state: state)
        try write(Self.run(Self.runId(1), exec: Self.execId(1), app: "shop", created: 100), at: StateDirectory.runRecord(Self.runId(1)), index: index)
        try write(Self.execution(Self.execId(1), run: Self.runId(1), app: "shop", created: 100), at: StateDirectory.execution(Self.execId(1)), index: index)
        // Incidents 1...5 of execution 1 (4 and 5 closed), 6 of no deployment, 7 of another app.
        for n in 1...7 {
            let id = Self.incidentId(n)
            let app = n == 7 ? "blog" : "shop"
            let created = Int64([0, 1_000, 5_000, 3_000, 2_000, 4_000, 6_000, 7_000][n])
            // Meta first for odd ones: the row must not depend on the order of the two files.
            let meta = Self.incidentMeta(deployment: n <= 5 ? Self.execId(1) : nil, run: Self.runId(1), app: app, captured: created,
                                         status: n >= 4 && n <= 5 ? "resolved" : "open")
            let files: [(JSON, String)] = [(Self.incidentBundle(id, app: app, created: created), "incident.bundle.json"),
                                           (meta, "incident.meta.local.json")]
            for (document, file) in n % 2 == 1 ? files.reversed() : files {
                try write(document, at: incidentPath(app, "staging", id, file), index: index)
            }
        }
        let byDeployment = try index.incidents(deploymentId: Self.execId(1), limit: 3)
        XCTAssertEqual(byDeployment.map(\.incident_id), [2, 5, 3].map(Self.incidentId))
        XCTAssertEqual(try index.incidents(deploymentId: Self.execId(1), limit: 100).count, 5)
        let byApp = try index.incidents(appId: "shop", environment: "staging", limit: 2)
        XCTAssertEqual(byApp.map(\.incident_id), [Self.incidentId(6), Self.incidentId(2)])
        XCTAssertEqual(try index.incidents(appId: "blog", environment: "staging").map(\.incident_id), [Self.incidentId(7)])
        XCTAssertEqual(try index.incidents(appId: "shop", environment: "prod"), [])

        let one = try XCTUnwrap(try index.incident(id: Self.incidentId(3)))
        XCTAssertEqual(one.classification, "slo_rollback")
        XCTAssertEqual(one.source, "slo")
        XCTAssertEqual(one.status, "open")
        XCTAssertEqual(one.deployment_id, Self.execId(1))
        XCTAssertEqual(one.run_id, Self.runId(1))
        XCTAssertEqual(one.regression_status, "not_requested")
        XCTAssertEqual(one.candidate_weight_pct, 10)
        XCTAssertEqual(one.reason, "captured in a test")
        XCTAssertEqual(one.created_unix_ms, 3_000)
        XCTAssertEqual(one.bundle_store_uri, "file:" + incidentPath("shop", "staging", Self.incidentId(3), "incident.bundle.json"))
        XCTAssertNotNil(one.meta)

        let app = try XCTUnwrap(try index.apps().first)
        XCTAssertEqual(app.incident_count_total, 6)
        XCTAssertEqual(app.incident_count_open, 4)
        XCTAssertEqual(app.latest_incident_id, Self.incidentId(6))
        let incremental = try dump(index)
        try index.rebuild()
        XCTAssertEqual(try dump(index), incremental)
    }

    func testBlobsAreListedWithTheirMeta() throws {
        let (index, _) = try StateIndex.open(state: state)
        let blob = try state.write { try $0.putBlob(Array("{\"a\":1}".utf8), logicalName: "metrics/analysis.1.json") }
        index.blobWritten(blob)
        var execution = try Self.execution(Self.execId(1), run: Self.runId(1), app: "shop", created: 1_000, steps: 0)
        let artifact: JSON = ["role": "metrics_snapshot", "ord": 0, "kind": "x07.metrics.snapshot@0.1.0", "digest": blob.digest.json,
                              "media_type": "application/json", "store_uri": .string(blob.store_uri)]
        execution = execution.setting("meta", (execution["meta"] ?? [:]).setting("artifacts", [artifact]))
        try write(execution, at: StateDirectory.execution(Self.execId(1)), index: index)
        let artifacts = try index.artifacts(execId: Self.execId(1))
        XCTAssertEqual(artifacts.map(\.role), ["deploy_plan", "metrics_snapshot"])
        XCTAssertEqual(artifacts.last?.logical_name, "metrics/analysis.1.json")
        XCTAssertEqual(artifacts.last?.store_uri, "sha256:" + blob.sha256)
        let incremental = try dump(index)
        try index.rebuild()
        XCTAssertEqual(try dump(index), incremental)
    }

    // MARK: robustness

    func testBadRecordsAndBadRowsNeverTrap() throws {
        try smallState()
        try Data("{ not json".utf8).write(to: URL(fileURLWithPath: root + "/deploy/lpexec_broken.json"))
        try write(["schema_version": "lp.deploy.execution@0.1.0", "exec_id": 7, "created_unix_ms": "soon", "steps": "x"],
                  at: "deploy/lpexec_wrongtypes.json")
        try write(["schema_version": "lp.deploy.execution@0.1.0", "exec_id": "lpexec_odd", "created_unix_ms": 1e300,
                   "steps": [["idx": 1.5], ["idx": 2, "decisions": [1, "x"], "evidence": [["digest": "no"]]]],
                   "meta": ["target": ["app_id": 3], "routing": ["candidate_weight_pct": "all"]]],
                  at: "deploy/lpexec_odd.json")
        try write(["schema_version": "lp.decision.record@0.1.0", "decision_id": "lpdec_odd", "reasons": [["message": 1]],
                   "evidence": [["kind": "x"], 5]], at: "decisions/lpdec_odd.json")
        try write(["schema_version": "lp.incident.bundle@0.2.0"], at: "incidents/shop/staging/lpinc_odd/incident.bundle.json")
        let (index, rebuilt) = try StateIndex.open(state: state)
        XCTAssertTrue(rebuilt)
        XCTAssertEqual(try index.execution(id: "lpexec_odd")?.created_unix_ms, 0)
        XCTAssertEqual(try index.steps(execId: "lpexec_odd").map(\.decisions), [["x"]])
        XCTAssertEqual(try index.decision(id: "lpdec_odd")?.reasons.map(\.code), [""])
        XCTAssertEqual(try index.incident(id: "lpinc_odd")?.app_id, "shop")
        var listed: [String: String] = [:]
        try index.db.query("SELECT path, schema_version FROM indexed_records") { listed[$0.string(0) ?? ""] = $0.string(1) ?? "NULL" }
        XCTAssertEqual(listed["deploy/lpexec_broken.json"], "NULL")
        XCTAssertEqual(listed["deploy/lpexec_wrongtypes.json"], "lp.deploy.execution@0.1.0")

        // Rows of the wrong type (someone poked at the file with the sqlite3 CLI) read as nil.
        try index.db.execute("""
            UPDATE executions SET created_unix_ms = 'yesterday', current_weight_pct = 1e300, kill_latched = x'00ff',
              plan_bytes_len = 'many' WHERE exec_id = '\(Self.execId(1))';
            UPDATE execution_steps SET decisions_json = '{', evidence_json = 'null', idx = idx WHERE exec_id = '\(Self.execId(1))';
            INSERT INTO incidents(incident_id, app_id, environment, created_unix_ms, dir) VALUES ('lpinc_x', 'shop', 'staging', 'x', 'y');
            """)
        let row = try XCTUnwrap(try index.execution(id: Self.execId(1)))
        XCTAssertEqual(row.created_unix_ms, 0)
        XCTAssertEqual(row.current_weight_pct, 0)
        XCTAssertEqual(row.plan?.bytes_len, 0)
        XCTAssertEqual(try index.steps(execId: Self.execId(1)).first?.decisions, [])
        XCTAssertEqual(try index.incident(id: "lpinc_x")?.created_unix_ms, 0)
    }

    func testReadersKeepAnsweringWhileAWriterUpdates() throws {
        try smallState()
        let (writer, _) = try StateIndex.open(state: state)
        let shared = ReaderLog()
        let reader = Thread { [root] in
            do {
                let (index, _) = try StateIndex.open(state: StateDirectory(root: root))
                while !shared.isDone {
                    _ = try index.execution(id: Self.execId(1))
                    _ = try index.apps()
                    _ = try index.decisions(execId: Self.execId(1))
                    shared.countRead()
                }
            } catch {
                shared.fail("\(error)")
            }
        }
        reader.start()
        for n in 2...150 {
            try write(Self.execution(Self.execId(n), run: Self.runId(1), app: "app\(n % 5)", created: Int64(n)),
                      at: StateDirectory.execution(Self.execId(n)), index: writer)
        }
        shared.finish()
        while !reader.isFinished { usleep(1_000) }
        XCTAssertEqual(shared.errors, [])
        XCTAssertGreaterThan(shared.reads, 0)
        XCTAssertEqual(try writer.apps().count, 5 + 1)
        XCTAssertFalse(try StateIndex.open(state: state).rebuilt)
    }

    func testAWriterKilledMidTransactionLeavesTheIndexIntact() throws {
        let cli = "/usr/bin/sqlite3"
        guard FileManager.default.isExecutableFile(atPath: cli) else { throw XCTSkip("no sqlite3 CLI to kill") }
        try smallState()
        let (index, _) = try StateIndex.open(state: state)
        let before = try dump(index)
        // A writer that deletes everything inside a transaction, then hangs until killed -9.
        let child = Process()
        child.executableURL = URL(fileURLWithPath: cli)
        child.arguments = [index.path]
        let input = Pipe()
        child.standardInput = input
        child.standardOutput = FileHandle.nullDevice
        child.standardError = FileHandle.nullDevice
        try child.run()
        input.fileHandleForWriting.write(Data("""
            BEGIN IMMEDIATE;
            DELETE FROM executions; DELETE FROM target_heads; DELETE FROM decisions;
            WITH RECURSIVE forever(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM forever) SELECT count(*) FROM forever;

            """.utf8))
        usleep(300_000)
        kill(child.processIdentifier, SIGKILL)
        child.waitUntilExit()
        let (after, rebuilt) = try StateIndex.open(state: state)
        XCTAssertFalse(rebuilt)
        XCTAssertEqual(try dump(after), before)
        XCTAssertEqual(try after.execution(id: Self.execId(1))?.app_id, "shop")
    }

    // MARK: scale

    func testTenThousandExecutionsAnswerInMilliseconds() throws {
        // Written straight to disk (no per-file fsync): this test is about the index, not the writer.
        let deploy = root + "/deploy", runs = root + "/runs"
        try FileManager.default.createDirectory(atPath: deploy, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: runs, withIntermediateDirectories: true)
        let count = 10_000
        let template = try Self.execution(Self.execId(0), run: Self.runId(0), app: "app0", created: 0)
        for n in 0..<count {
            let meta = (template["meta"] ?? [:]).setting("target", ["app_id": .string("app\(n % 50)"),
                                                                    "environment": n % 2 == 0 ? "staging" : "prod"])
            let document = template.setting("exec_id", .string(Self.execId(n))).setting("run_id", .string(Self.runId(n % 100)))
                .setting("created_unix_ms", .number(Double(1_000_000 + n))).setting("meta", meta)
            try writeWithoutSync(document.canonicalBytes, to: deploy + "/\(Self.execId(n)).json")
        }
        var start = Date()
        let (built, rebuilt) = try StateIndex.open(state: state)
        let rebuildSeconds = Date().timeIntervalSince(start)
        XCTAssertTrue(rebuilt)
        _ = built

        start = Date()
        let (index, again) = try StateIndex.open(state: state)
        let openSeconds = Date().timeIntervalSince(start)
        XCTAssertFalse(again)

        start = Date()
        let row = try index.execution(id: Self.execId(4_321))
        let lookupSeconds = Date().timeIntervalSince(start)
        XCTAssertEqual(row?.app_id, "app21")

        start = Date()
        let apps = try index.apps()
        let appsSeconds = Date().timeIntervalSince(start)
        XCTAssertEqual(apps.count, 50)
        XCTAssertEqual(try index.latestExecution(appId: "app49", environment: "prod")?.exec_id, Self.execId(count - 1))

        let newest = try Self.execution(Self.execId(count), run: Self.runId(0), app: "app0", created: 9_000_000)
        let ref = try state.write { try $0.writeRecord(newest, at: StateDirectory.execution(Self.execId(count)), logicalName: "lp.deploy.execution") }
        start = Date()
        try index.recordWritten(ref, document: newest)
        let firstUpdateSeconds = Date().timeIntervalSince(start)
        let newer = try Self.execution(Self.execId(count + 1), run: Self.runId(0), app: "app0", created: 9_000_001)
        let newerRef = try state.write { try $0.writeRecord(newer, at: StateDirectory.execution(Self.execId(count + 1)), logicalName: "lp.deploy.execution") }
        start = Date()
        try index.recordWritten(newerRef, document: newer)
        let updateSeconds = Date().timeIntervalSince(start)
        XCTAssertEqual(try index.latestExecution(appId: "app0", environment: "staging")?.exec_id, Self.execId(count + 1))

        print(String(format: "StateIndex with %d executions: rebuild %.3f s, open without rebuild %.2f ms, execution(id:) %.2f ms, apps() %.2f ms, recordWritten %.2f ms (first after open %.2f ms)",
                     count, rebuildSeconds, openSeconds * 1000, lookupSeconds * 1000, appsSeconds * 1000, updateSeconds * 1000,
                     firstUpdateSeconds * 1000))
        XCTAssertLessThan(openSeconds, 0.5)
        XCTAssertLessThan(lookupSeconds, 0.5)
        XCTAssertLessThan(appsSeconds, 0.5)
        XCTAssertLessThan(firstUpdateSeconds, 0.5)
        XCTAssertLessThan(updateSeconds, 0.5)
    }

    private func writeWithoutSync(_ bytes: [UInt8], to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw AtomicFile.ioError("create", path) }
        defer { close(fd) }
        try AtomicFile.writeAll(fd, bytes, path: path)
    }

    /// Lets the file-system clock tick past the index's last stamp. Kernels with fine-grained
    /// (multigrain) timestamps need nothing; with coarse ones two renames within one tick share
    /// an mtime — the documented limit of the staleness check (docs/index.md).
    private func settle() { usleep(20_000) }
}


/// What the reader thread of `testReadersKeepAnsweringWhileAWriterUpdates` reports.
private final class ReaderLog: @unchecked Sendable {
    private let lock = NSLock()
    private var done = false
    private(set) var reads = 0
    private(set) var errors: [String] = []

    var isDone: Bool { lock.lock(); defer { lock.unlock() }; return done }
    func finish() { lock.lock(); done = true; lock.unlock() }
    func countRead() { lock.lock(); reads += 1; lock.unlock() }
    func fail(_ message: String) { lock.lock(); errors.append(message); lock.unlock() }
}
