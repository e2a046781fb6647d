@testable import LPCore
@testable import LPState
@testable import LPModel
@testable import LPIndex
import Foundation
import XCTest

/// The index files at the reference system's paths (docs/index.md): `index/control_plane.sqlite`
/// and its copy `index/deploy_loop.sqlite`, with the tables and columns the reference CI scripts
/// query, both kept current by the same updates.
final class IndexFilesTests: XCTestCase {
    typealias Records = StateIndexTests
    var root = ""
    var state: StateDirectory { StateDirectory(root: root) }
    var controlPlane: String { root + "/index/control_plane.sqlite" }
    var deployLoop: String { root + "/index/deploy_loop.sqlite" }

    override func setUpWithError() throws {
        root = NSTemporaryDirectory() + "lp-index-files-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: root)
    }

    @discardableResult
    func write(_ document: JSON, at relative: String, index: StateIndex? = nil) throws -> ArtifactRef {
        let ref = try state.write { try $0.writeRecord(document, at: relative, logicalName: "test") }
        try index?.recordWritten(relativePath: relative, document: document, digest: ref.digest)
        return ref
    }

    static let regressionId = Identifier.make(.regression, parts: ["test", "1"])

    static func regressionRequest(incident: String) -> JSON {
        ["schema_version": "lp.regression.request@0.2.0", "regression_id": .string(regressionId), "created_unix_ms": 5_000,
         "incident": ["kind": "lp.incident.bundle@0.2.0", "digest": Records.digestA.json],
         "target_artifact": ["kind": "x07.app.pack@0.1.0", "digest": Records.digestB.json], "replay_target_kind": .null,
         "invariants": ["http.status_lt_500"], "notes": "test",
         "meta": ["name": "health_500", "incident_id": .string(incident), "deployment_id": .null, "request_id": .null]]
    }

    static func regressionResult(incident: String) -> JSON {
        ["schema_version": "lp.regression.run.result@0.2.0", "incident_id": .string(incident), "regression_id": .string(regressionId),
         "ok": true, "tool": ["name": "x07 wasm", "command": "app regress from-incident"], "dry_run": false,
         "created_unix_ms": 5_000, "out_dir": "tests/regress", "replay_target_kind": .null, "replay_mode": "app_trace",
         "replay_synthesis_status": "generated", "incident_status_after": "generated",
         "report": ["digest": Records.digestB.json, "media_type": "application/json", "logical_name": "regression.report",
                    "store_uri": .string("sha256:" + Records.digestB.sha256), "kind": "x07lp.regression.report@0.1.0"],
         "generated": [], "generated_trace_artifact_refs": [], "generated_report_artifact_refs": []]
    }

    /// One deployment with two steps and decisions, an incident with captures and diagnostics, a
    /// regression of it, a control action and a kill switch; every write reported to `index`
    /// when one is given.
    func controlPlaneState(index: StateIndex? = nil) throws {
        let exec = Records.execId(1), run = Records.runId(1), incident = Records.incidentId(1)
        try write(Records.run(run, exec: exec, app: "app_min", created: 1_000), at: StateDirectory.runRecord(run), index: index)
        try write(Records.execution(exec, run: run, app: "app_min", created: 1_000), at: StateDirectory.execution(exec), index: index)
        for n in 0..<2 {
            try write(Records.decision(Records.decisionId(n), run: run, exec: exec, step: n, created: 1_001 + Int64(n)),
                      at: StateDirectory.decisionRecord(Records.decisionId(n)), index: index)
        }
        let bundle = Records.incidentBundle(incident, app: "app_min", created: 3_000)
            .setting("request", ["kind": "x07.http.request.envelope@0.1.0", "digest": Records.digestA.json])
            .setting("refs", [["kind": "x07.metrics.snapshot@0.1.0", "digest": Records.digestB.json, "label": "metrics_snapshot"]])
        let location = IncidentLocation(app: "app_min", env: "staging", id: incident)
        try write(bundle, at: location.bundlePath, index: index)
        try write(Records.incidentMeta(deployment: exec, run: run, app: "app_min", captured: 3_000), at: location.metaPath, index: index)
        try write(Self.regressionResult(incident: incident), at: StateDirectory.regression(Self.regressionId) + "/result.json",
                  index: index)
        try write(Self.regressionRequest(incident: incident), at: StateDirectory.regression(Self.regressionId) + "/request.json",
                  index: index)
        let action = Identifier.make(.action, parts: ["t"])
        try write(Records.controlAction(action, deployment: exec, decision: Records.decisionId(7), created: 4_000),
                  at: StateDirectory.controlAction(action), index: index)
        try write(Records.killSwitch("app:app_min/staging", engaged: true, at: 4_001), at: StateDirectory.killSwitch("app:app_min/staging"),
                  index: index)
    }

    /// The objects `assert_sqlite_schema` (deploy_loop.sh) and `assert_control_plane_sqlite_schema`
    /// (control_plane.sh) require, and their row queries, run as the scripts run them.
    func assertReferenceQueries(_ path: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let db = try Database(path: path, create: false)
        var names = Set<String>()
        try db.query("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')") { names.insert($0.string(0) ?? "") }
        let required: Set = ["meta", "executions", "target_heads", "execution_steps", "decisions", "decision_reasons", "artifacts",
                             "execution_artifacts", "decision_evidence", "indexed_records", "latest_execution_summary_v1", "incidents",
                             "incident_artifacts", "incident_diagnostics", "regressions", "app_heads", "control_actions", "kill_switches"]
        XCTAssertEqual(required.subtracting(names), [], path, file: file, line: line)
        let exec = Records.execId(1)
        let count = { (sql: String, values: [SQLValue]) in try db.first(sql, values) { $0.int(0) } ?? -1 }
        XCTAssertEqual(try db.first("SELECT exec_id, app_id, environment FROM executions WHERE exec_id = ?", [.text(exec)]) {
            [$0.string(0), $0.string(1), $0.string(2)]
        }, [exec, "app_min", "staging"], file: file, line: line)
        XCTAssertEqual(try db.first("SELECT exec_id FROM target_heads WHERE app_id = ? AND environment = ?",
                                    [.text("app_min"), .text("staging")]) { $0.string(0) }, exec, file: file, line: line)
        XCTAssertEqual(try count("SELECT count(*) FROM execution_steps WHERE exec_id = ?", [.text(exec)]), 2, file: file, line: line)
        XCTAssertEqual(try count("SELECT count(*) FROM decisions WHERE exec_id = ?", [.text(exec)]), 2, file: file, line: line)
        XCTAssertEqual(try db.first("SELECT app_id, environment FROM app_heads WHERE app_id = ? AND environment = ?",
                                    [.text("app_min"), .text("staging")]) { $0.string(1) }, "staging", file: file, line: line)
        XCTAssertEqual(try db.first("SELECT incident_id FROM incidents WHERE incident_id = ?", [.text(Records.incidentId(1))]) {
            $0.string(0)
        }, Records.incidentId(1), file: file, line: line)
        XCTAssertEqual(try db.first("SELECT regression_id FROM regressions WHERE regression_id = ?", [.text(Self.regressionId)]) {
            $0.string(0)
        }, Self.regressionId, file: file, line: line)
        XCTAssertEqual(try count("SELECT count(*) FROM control_actions", []), 1, file: file, line: line)
    }

    func rows(_ path: String, _ sql: String) throws -> [String] {
        let db = try Database(path: path, create: false)
        return try db.rows(sql) { row in (0..<row.columnCount).map { row.string($0) ?? "NULL" }.joined(separator: "|") }
    }

    /// Every row of every table (without the build time), as sorted text.
    func dump(_ path: String) throws -> [String: [String]] {
        var result: [String: [String]] = [:]
        for (name, type) in IndexSchema.objects where type == "table" || type == "view" {
            result[name] = try rows(path, "SELECT * FROM \(name)" + (name == "meta" ? " WHERE k <> 'built_unix_ms'" : "")).sorted()
        }
        return result
    }

    // MARK: both files, the reference's tables

    func testAFullBuildWritesBothFilesWithTheReferenceTablesAndRows() throws {
        try controlPlaneState()
        let (index, rebuilt) = try StateIndex.open(state: state)
        XCTAssertTrue(rebuilt)
        XCTAssertEqual(index.path, controlPlane)
        try assertReferenceQueries(controlPlane)
        try assertReferenceQueries(deployLoop)
        XCTAssertEqual(try dump(deployLoop), try dump(controlPlane))
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/index.sqlite"))
        XCTAssertFalse(try StateIndex.open(state: state).rebuilt)
    }

    func testIncidentAndRegressionRows() throws {
        try controlPlaneState()
        _ = try StateIndex.open(state: state)
        let incident = Records.incidentId(1)
        XCTAssertEqual(try rows(controlPlane, "SELECT ord, role, kind, sha256, store_uri FROM incident_artifacts ORDER BY ord"), [
            "0|incident_bundle|lp.incident.bundle@0.2.0|\(try digest(IncidentLocation(app: "app_min", env: "staging", id: incident).bundlePath))|file:incidents/app_min/staging/\(incident)/incident.bundle.json",
            "1|incident_meta|lp.incident.bundle.meta.local@0.2.0|\(try digest(IncidentLocation(app: "app_min", env: "staging", id: incident).metaPath))|file:incidents/app_min/staging/\(incident)/incident.meta.local.json",
            "2|incident_request|x07.http.request.envelope@0.1.0|\(Records.digestA.sha256)|sha256:\(Records.digestA.sha256)",
            "3|metrics_snapshot|x07.metrics.snapshot@0.1.0|\(Records.digestB.sha256)|sha256:\(Records.digestB.sha256)",
        ])
        XCTAssertEqual(try rows(controlPlane, "SELECT incident_id, ord, code FROM incident_diagnostics"),
                       ["\(incident)|0|LP_SLO_DECISION_ROLLBACK"])
        let regressionDir = StateDirectory.regression(Self.regressionId)
        XCTAssertEqual(try rows(controlPlane, """
            SELECT regression_id, incident_id, name, created_unix_ms, ok, incident_status_after, out_dir, report_sha256,
                   request_sha256, result_sha256, dir FROM regressions
            """), ["\(Self.regressionId)|\(incident)|health_500|5000|1|generated|tests/regress|\(Records.digestB.sha256)|"
                   + "\(try digest(regressionDir + "/request.json"))|\(try digest(regressionDir + "/result.json"))|\(regressionDir)"])
        XCTAssertEqual(try rows(controlPlane, """
            SELECT app_id, environment, latest_deployment_id, deployment_status, outcome, incident_count_total, incident_count_open,
                   latest_incident_id, kill_state FROM app_heads
            """), ["app_min|staging|\(Records.execId(1))|completed|promoted|1|1|\(incident)|app"])
    }

    func digest(_ relative: String) throws -> String { DigestRef(of: try state.read(relative)).sha256 }

    // MARK: the copy follows

    func testIncrementalUpdatesReachBothFilesAndMatchAFullRebuild() throws {
        let (index, rebuilt) = try StateIndex.open(state: state)
        XCTAssertTrue(rebuilt)
        XCTAssertTrue(FileManager.default.fileExists(atPath: deployLoop))
        try controlPlaneState(index: index)
        try assertReferenceQueries(deployLoop)
        let incremental = try dump(controlPlane)
        XCTAssertEqual(try dump(deployLoop), incremental)
        XCTAssertFalse(try StateIndex.open(state: state).rebuilt)
        try index.rebuild()
        XCTAssertEqual(try dump(controlPlane), incremental)
        XCTAssertEqual(try dump(deployLoop), incremental)
    }

    func testAMissingDamagedOrStaleCopyIsBroughtBackByTheNextOpen() throws {
        try controlPlaneState()
        _ = try StateIndex.open(state: state)
        let expected = try dump(controlPlane)
        let damages: [(String, () throws -> Void)] = [
            ("deleted", { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: self.deployLoop + suffix) } }),
            ("garbage", { try Data(repeating: 0x5A, count: 8192).write(to: URL(fileURLWithPath: self.deployLoop)) }),
            ("another schema version", { try Database(path: self.deployLoop, create: false).execute("PRAGMA user_version = 99") }),
            ("rows dropped behind its back", {
                let db = try Database(path: self.deployLoop, create: false)
                try db.execute("DELETE FROM executions; DELETE FROM index_fingerprints")
            }),
        ]
        for (name, damage) in damages {
            try damage()
            let (index, rebuilt) = try StateIndex.open(state: state)
            XCTAssertFalse(rebuilt, "\(name): the queried file was current")
            XCTAssertEqual(try index.apps().count, 1, name)
            XCTAssertEqual(try dump(deployLoop), expected, name)
        }
        // A record written behind both files' backs: both are brought up to date.
        settle()
        try write(Records.execution(Records.execId(2), run: Records.runId(1), app: "app_min", created: 9_000),
                  at: StateDirectory.execution(Records.execId(2)))
        XCTAssertTrue(try StateIndex.open(state: state).rebuilt)
        XCTAssertEqual(try rows(deployLoop, "SELECT exec_id FROM target_heads"), [Records.execId(2)])
        XCTAssertEqual(try dump(deployLoop), try dump(controlPlane))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: root + "/index").filter { $0.contains(".rebuild-") }
        XCTAssertEqual(leftovers, [])
    }

    func testTheIndexOfAnOlderLayoutIsRemovedWhenTheNewOneIsBuilt() throws {
        try controlPlaneState()
        for name in ["index.sqlite", "index.sqlite-wal", "index.sqlite-shm"] {
            try Data("old".utf8).write(to: URL(fileURLWithPath: root + "/" + name))
        }
        _ = try StateIndex.open(state: state)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root).filter { $0.hasPrefix("index.sqlite") }, [])
        XCTAssertTrue(FileManager.default.fileExists(atPath: controlPlane))
    }

    /// Lets the file-system clock tick past the index's last stamp (see StateIndexTests.settle).
    func settle() { usleep(20_000) }
}
