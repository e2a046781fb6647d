import LPCore
import LPState
import LPModel
/// The read API: every lookup goes through a primary key or an index (O(log n)), inside one read
/// transaction, and answers with plain values (IndexRows.swift). A damaged index found while
/// reading is rebuilt from the files and the read answered from the rebuilt one.
extension StateIndex {
    public func execution(id: String) throws -> ExecutionRow? {
        try read { try db.first("SELECT \(Self.executionColumns) FROM executions WHERE exec_id = ?", [.text(id)], Self.executionRow) }
    }

    /// The execution `target_heads` names for the app and environment (greatest created_unix_ms,
    /// then exec_id).
    public func latestExecution(appId: String, environment: String) throws -> ExecutionRow? {
        try read {
            try db.first("""
                SELECT \(Self.executionColumns) FROM executions
                WHERE exec_id = (SELECT exec_id FROM target_heads WHERE app_id = ? AND environment = ?)
                """, [.text(appId), .text(environment)], Self.executionRow)
        }
    }

    /// The deployments of an app/env, newest first (created_unix_ms, then exec_id), at most `limit`.
    public func executions(appId: String, environment: String, limit: Int) throws -> [ExecutionRow] {
        try read {
            try db.rows("""
                SELECT \(Self.executionColumns) FROM executions
                WHERE app_id = ? AND environment = ?
                ORDER BY created_unix_ms DESC, exec_id DESC LIMIT ?
                """, [.text(appId), .text(environment), .integer(Int64(limit))], Self.executionRow)
        }
    }

    /// The newest promoted deployment of an app/env other than `excluding`: the release a new
    /// deployment replaces.
    public func latestPromoted(appId: String, environment: String, excluding execId: String) throws -> ExecutionRow? {
        try read {
            try db.first("""
                SELECT \(Self.executionColumns) FROM executions
                WHERE app_id = ? AND environment = ? AND outcome = 'promoted' AND exec_id <> ?
                ORDER BY created_unix_ms DESC, exec_id DESC LIMIT 1
                """, [.text(appId), .text(environment), .text(execId)], Self.executionRow)
        }
    }

    /// Deployments of an app/env that are running or paused mid-run (status `started`), other
    /// than `excluding`: a new run of the same app/env waits until they finish.
    public func startedExecutions(appId: String, environment: String, excluding execId: String) throws -> [ExecutionRow] {
        try read {
            try db.rows("""
                SELECT \(Self.executionColumns) FROM executions
                WHERE app_id = ? AND environment = ? AND status = 'started' AND exec_id <> ?
                ORDER BY created_unix_ms, exec_id
                """, [.text(appId), .text(environment), .text(execId)], Self.executionRow)
        }
    }

    public func steps(execId: String) throws -> [StepRow] {
        try read {
            try db.rows("""
                SELECT exec_id, idx, name, kind, status, started_unix_ms, ended_unix_ms, attempt, latest_weight_pct,
                       analysis_decision, decisions_json, evidence_json
                FROM execution_steps WHERE exec_id = ? ORDER BY idx
                """, [.text(execId)]) { row -> StepRow? in
                guard let exec = row.string(0), let idx = row.integer(1) else { return nil }
                let decisions = Self.json(row.string(10))?.arrayValue?.compactMap(\.stringValue) ?? []
                let evidence = Self.json(row.string(11))?.arrayValue?.compactMap { IndexField.typedRef($0) } ?? []
                return StepRow(exec_id: exec, idx: idx, name: row.string(2), kind: row.string(3), status: row.string(4),
                               started_unix_ms: row.int(5), ended_unix_ms: row.int(6), attempt: row.integer(7),
                               latest_weight_pct: row.integer(8), analysis_decision: row.string(9),
                               decisions: decisions, evidence: evidence)
            }
        }
    }

    /// Every decision that belongs to the execution, oldest first (created_unix_ms, then id).
    public func decisions(execId: String) throws -> [DecisionRow] {
        try read {
            try decisionRows(where: "d.exec_id = ?", [.text(execId)],
                             order: "ORDER BY d.created_unix_ms, d.decision_id")
        }
    }

    public func decision(id: String) throws -> DecisionRow? {
        try read { try decisionRows(where: "d.decision_id = ?", [.text(id)], order: "").first }
    }

    /// The execution's artifacts by role and order; media type and logical name fall back to the
    /// blob's meta.
    public func artifacts(execId: String) throws -> [ArtifactRow] {
        try read {
            try db.rows("""
                SELECT ea.role, ea.ord, ea.kind, ea.sha256, ea.bytes_len,
                       COALESCE(ea.media_type, a.media_type, 'application/octet-stream'),
                       COALESCE(ea.logical_name, a.logical_name), ea.store_uri
                FROM execution_artifacts ea LEFT JOIN artifacts a ON a.sha256 = ea.sha256
                WHERE ea.exec_id = ? ORDER BY ea.role, ea.ord
                """, [.text(execId)]) { row -> ArtifactRow? in
                guard let role = row.string(0), let sha = row.string(3), let store = row.string(7) else { return nil }
                return ArtifactRow(role: role, ord: row.integer(1) ?? 0, kind: row.string(2),
                                   digest: DigestRef(sha256: sha, bytes_len: row.integer(4) ?? 0),
                                   media_type: row.string(5) ?? "application/octet-stream", logical_name: row.string(6),
                                   store_uri: store)
            }
        }
    }

    /// One row per (app, environment) with a deployment (the view `app_heads`), sorted by app
    /// then environment.
    public func apps() throws -> [AppRow] {
        try read {
            try db.rows("""
                SELECT app_id, environment, latest_deployment_id, deployment_status, outcome, control_state, public_listener,
                       current_weight_pct, incident_count_total, incident_count_open, latest_incident_id, latest_decision_id,
                       kill_state, updated_unix_ms
                FROM app_heads ORDER BY app_id, environment
                """) { row -> AppRow? in
                guard let app = row.string(0), let env = row.string(1) else { return nil }
                return AppRow(app_id: app, environment: env, latest_exec_id: row.string(2), status: row.string(3),
                              outcome: row.string(4), control_state: row.string(5), public_listener: row.string(6),
                              current_weight_pct: row.integer(7) ?? 0, incident_count_total: row.integer(8) ?? 0,
                              incident_count_open: row.integer(9) ?? 0, latest_incident_id: row.string(10),
                              latest_decision_id: row.string(11), kill_state: row.string(12) ?? "none",
                              updated_unix_ms: row.int(13) ?? 0)
            }
        }
    }

    /// Incidents of a deployment, newest first (created_unix_ms, then id, descending).
    public func incidents(deploymentId: String, limit: Int = 1000) throws -> [IncidentRow] {
        try read {
            try db.rows("""
                SELECT \(Self.incidentColumns) FROM incidents WHERE deployment_id = ?
                ORDER BY created_unix_ms DESC, incident_id DESC LIMIT ?
                """, [.text(deploymentId), .of(max(0, limit))], Self.incidentRow)
        }
    }

    /// Incidents of an app in an environment, newest first.
    public func incidents(appId: String, environment: String, limit: Int = 1000) throws -> [IncidentRow] {
        try read {
            try db.rows("""
                SELECT \(Self.incidentColumns) FROM incidents WHERE app_id = ? AND environment = ?
                ORDER BY created_unix_ms DESC, incident_id DESC LIMIT ?
                """, [.text(appId), .text(environment), .of(max(0, limit))], Self.incidentRow)
        }
    }

    /// Incidents of a device release execution, newest first.
    public func incidents(releaseExecId: String, limit: Int = 1000) throws -> [IncidentRow] {
        try read {
            try db.rows("""
                SELECT \(Self.incidentColumns) FROM incidents WHERE release_exec_id = ?
                ORDER BY created_unix_ms DESC, incident_id DESC LIMIT ?
                """, [.text(releaseExecId), .of(max(0, limit))], Self.incidentRow)
        }
    }

    /// Every incident, newest first (also those of apps without deployments).
    public func allIncidents(limit: Int = 1000) throws -> [IncidentRow] {
        try read {
            try db.rows("SELECT \(Self.incidentColumns) FROM incidents ORDER BY created_unix_ms DESC, incident_id DESC LIMIT ?",
                        [.of(max(0, limit))], Self.incidentRow)
        }
    }

    public func incident(id: String) throws -> IncidentRow? {
        try read { try db.first("SELECT \(Self.incidentColumns) FROM incidents WHERE incident_id = ?", [.text(id)], Self.incidentRow) }
    }

    // MARK: helpers

    func read<T>(_ body: () throws -> T) throws -> T {
        try guarded { try db.transaction(write: false, body) }
    }

    private func decisionRows(where condition: String, _ values: [SQLValue], order: String) throws -> [DecisionRow] {
        var decisions = try db.rows("""
            SELECT d.decision_id, d.run_id, d.exec_id, d.step_idx, d.kind, d.outcome, d.created_unix_ms, d.record_sha256,
                   d.record_bytes_len, d.store_uri, d.signed
            FROM decisions d WHERE \(condition) \(order)
            """, values) { row -> DecisionRow? in
            guard let id = row.string(0) else { return nil }
            return DecisionRow(decision_id: id, run_id: row.string(1), exec_id: row.string(2), step_idx: row.integer(3),
                               kind: row.string(4), outcome: row.string(5), created_unix_ms: row.int(6) ?? 0,
                               record: DigestRef(sha256: row.string(7) ?? "", bytes_len: row.integer(8) ?? 0),
                               store_uri: row.string(9) ?? "file:decisions/\(id).json", signed: row.bool(10),
                               reasons: [], evidence: [])
        }
        guard !decisions.isEmpty else { return [] }
        var reasons: [String: [DecisionRow.Reason]] = [:]
        try db.query("""
            SELECT r.decision_id, r.ord, r.code, r.message FROM decision_reasons r
            JOIN decisions d ON d.decision_id = r.decision_id WHERE \(condition) ORDER BY r.decision_id, r.ord
            """, values) { row in
            guard let id = row.string(0) else { return }
            reasons[id, default: []].append(.init(ord: row.integer(1) ?? 0, code: row.string(2) ?? "", message: row.string(3)))
        }
        var evidence: [String: [DecisionRow.Evidence]] = [:]
        try db.query("""
            SELECT e.decision_id, e.ord, e.role, e.kind, e.sha256, e.bytes_len FROM decision_evidence e
            JOIN decisions d ON d.decision_id = e.decision_id WHERE \(condition) ORDER BY e.decision_id, e.ord
            """, values) { row in
            guard let id = row.string(0) else { return }
            evidence[id, default: []].append(.init(ord: row.integer(1) ?? 0, role: row.string(2), kind: row.string(3),
                                                   digest: DigestRef(sha256: row.string(4) ?? "", bytes_len: row.integer(5) ?? 0)))
        }
        for index in decisions.indices {
            decisions[index].reasons = reasons[decisions[index].decision_id] ?? []
            decisions[index].evidence = evidence[decisions[index].decision_id] ?? []
        }
        return decisions
    }

    static func json(_ text: String?) -> JSON? {
        text.flatMap { try? JSONParser.parse(Array($0.utf8)) }
    }

    static let executionColumns = """
        exec_id, run_id, app_id, environment, status, outcome, control_state, kill_scope, kill_latched, current_weight_pct,
        public_listener, plan_sha256, plan_bytes_len, stable_revision_sha256, stable_revision_bytes_len,
        candidate_revision_sha256, candidate_revision_bytes_len, latest_decision_id, latest_signed_control_decision_id,
        signature_status, last_incident_id, incident_count_total, incident_count_open, parent_exec_id, created_unix_ms,
        updated_unix_ms, record_sha256, record_bytes_len
        """

    static func digest(_ row: SQLRow, _ sha: Int32, _ length: Int32) -> DigestRef? {
        guard let hex = row.string(sha) else { return nil }
        return DigestRef(sha256: hex, bytes_len: row.integer(length) ?? 0)
    }

    static func executionRow(_ row: SQLRow) -> ExecutionRow? {
        guard let id = row.string(0) else { return nil }
        return ExecutionRow(
            exec_id: id, run_id: row.string(1), app_id: row.string(2), environment: row.string(3), status: row.string(4),
            outcome: row.string(5), control_state: row.string(6), kill_scope: row.string(7), kill_latched: row.bool(8),
            current_weight_pct: row.integer(9) ?? 0, public_listener: row.string(10), plan: digest(row, 11, 12),
            stable_revision: digest(row, 13, 14), candidate_revision: digest(row, 15, 16), latest_decision_id: row.string(17),
            latest_signed_control_decision_id: row.string(18), signature_status: row.string(19),
            last_incident_id: row.string(20), incident_count_total: row.integer(21) ?? 0,
            incident_count_open: row.integer(22) ?? 0, parent_exec_id: row.string(23), created_unix_ms: row.int(24) ?? 0,
            updated_unix_ms: row.int(25) ?? 0, record: digest(row, 26, 27) ?? DigestRef(sha256: "", bytes_len: 0),
            store_uri: "file:" + StateDirectory.execution(id))
    }

    static let incidentColumns = """
        incident_id, app_id, environment, deployment_id, run_id, classification, source, status, regression_status,
        regression_id, created_unix_ms, captured_unix_ms, decision_id, request_id, trace_id, status_code, slot,
        candidate_weight_pct, reason, signature_status, bundle_sha256, bundle_bytes_len, meta_sha256, meta_bytes_len, dir,
        release_exec_id, native_classification, target_kind
        """

    static func incidentRow(_ row: SQLRow) -> IncidentRow? {
        guard let id = row.string(0), let app = row.string(1), let env = row.string(2) else { return nil }
        let directory = row.string(24) ?? "incidents/\(app)/\(env)/\(id)"
        let bundle = digest(row, 20, 21), meta = digest(row, 22, 23)
        return IncidentRow(
            incident_id: id, app_id: app, environment: env, deployment_id: row.string(3), run_id: row.string(4),
            classification: row.string(5), source: row.string(6), status: row.string(7), regression_status: row.string(8),
            regression_id: row.string(9), created_unix_ms: row.int(10) ?? 0, captured_unix_ms: row.int(11),
            decision_id: row.string(12), request_id: row.string(13), trace_id: row.string(14), status_code: row.integer(15),
            slot: row.string(16), candidate_weight_pct: row.integer(17), reason: row.string(18),
            signature_status: row.string(19), bundle: bundle,
            bundle_store_uri: bundle == nil ? nil : "file:\(directory)/\(IncidentLocation.bundleFile)",
            meta: meta, meta_store_uri: meta == nil ? nil : "file:\(directory)/\(IncidentLocation.metaFile)",
            release_exec_id: row.string(25), native_classification: row.string(26), target_kind: row.string(27))
    }
}
