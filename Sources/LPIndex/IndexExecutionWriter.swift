import LPCore
import LPState
import LPModel
/// `lp.deploy.execution@0.1.0` → `executions`, `execution_steps`, `execution_artifacts` and the
/// `target_heads` row of its app and environment.
extension IndexWriter {
    func execution(_ doc: JSON, path: String, digest: DigestRef) throws {
        guard let execId = IndexField.string(doc["exec_id"]) else { return }
        let meta = doc["meta"]
        let runId = IndexField.string(doc["run_id"])
        var appId = IndexField.string(meta?["target"]?["app_id"])
        var environment = IndexField.string(meta?["target"]?["environment"])
        if appId == nil || environment == nil, let runId {
            // A planned execution has no meta yet: intake's run names its app and environment.
            if let target = try db.first("SELECT app_id, environment FROM runs WHERE run_id = ?", [.text(runId)], {
                row -> (String, String)? in
                guard let app = row.string(0), let env = row.string(1) else { return nil }
                return (app, env)
            }) {
                appId = target.0
                environment = target.1
            }
        }
        let previous = try db.first("SELECT app_id, environment FROM executions WHERE exec_id = ?", [.text(execId)]) {
            row -> (String, String)? in
            guard let app = row.string(0), let env = row.string(1) else { return nil }
            return (app, env)
        }
        let created = IndexField.int64(doc["created_unix_ms"]) ?? 0
        let plan = IndexField.digest(doc["plan"]?["digest"]) ?? IndexField.digest(meta?["plan"]?["digest"])
        let stable = IndexField.digest(meta?["runtime"]?["stable"]?["revision_digest"])
        let candidate = IndexField.digest(meta?["runtime"]?["candidate"]?["revision_digest"])
        let values: [SQLValue] = [
            .text(execId), .of(runId), .of(appId), .of(environment), .of(IndexField.string(doc["status"])),
            .of(IndexField.string(meta?["outcome"])), .of(IndexField.string(meta?["control_state"])),
            .of(IndexField.string(meta?["kill_scope"])), .of(IndexField.bool(meta?["kill_latched"]) ?? false),
            .of(IndexField.int(meta?["routing"]?["candidate_weight_pct"]) ?? 0),
            .of(IndexField.string(meta?["public_listener"]) ?? IndexField.string(meta?["routing"]?["public_listener"])),
            .of(plan?.sha256), .of(plan?.bytes_len), .of(stable?.sha256), .of(stable?.bytes_len),
            .of(candidate?.sha256), .of(candidate?.bytes_len),
            .of(IndexField.string(meta?["latest_decision_id"])), .of(IndexField.string(meta?["latest_signed_control_decision_id"])),
            .of(IndexField.string(meta?["signature_status"])), .of(IndexField.string(meta?["last_incident_id"])),
            .of(IndexField.int(meta?["incident_count_total"]) ?? 0), .of(IndexField.int(meta?["incident_count_open"]) ?? 0),
            .of(IndexField.string(meta?["parent_exec_id"])), .integer(created),
            .integer(IndexField.int64(meta?["updated_unix_ms"]) ?? created), .text(digest.sha256), .of(digest.bytes_len),
        ]
        try db.run("""
            INSERT OR REPLACE INTO executions(exec_id, run_id, app_id, environment, status, outcome, control_state, kill_scope,
              kill_latched, current_weight_pct, public_listener, plan_sha256, plan_bytes_len, stable_revision_sha256,
              stable_revision_bytes_len, candidate_revision_sha256, candidate_revision_bytes_len, latest_decision_id,
              latest_signed_control_decision_id, signature_status, last_incident_id, incident_count_total,
              incident_count_open, parent_exec_id, created_unix_ms, updated_unix_ms, record_sha256, record_bytes_len)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, values)
        try steps(doc, execId: execId)
        try artifacts(doc, execId: execId, plan: plan)
        if let previous, previous.0 != appId || previous.1 != environment {
            try updateHead(appId: previous.0, environment: previous.1)
        }
        if let appId, let environment { try updateHead(appId: appId, environment: environment) }
    }

    private func steps(_ doc: JSON, execId: String) throws {
        try db.run("DELETE FROM execution_steps WHERE exec_id = ?", [.text(execId)])
        for step in IndexField.array(doc["steps"]) {
            guard let idx = IndexField.int64(step["idx"]) else { continue }
            let decisions = JSON.array(IndexField.array(step["decisions"]).filter { $0.stringValue != nil })
            let evidence = JSON.array(IndexField.array(step["evidence"]).filter { IndexField.typedRef($0) != nil })
            try db.run("""
                INSERT OR REPLACE INTO execution_steps(exec_id, idx, name, kind, status, started_unix_ms, ended_unix_ms, attempt,
                  latest_weight_pct, analysis_decision, decisions_json, evidence_json)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [.text(execId), .integer(idx), .of(IndexField.string(step["name"])), .of(IndexField.string(step["kind"])),
                      .of(IndexField.string(step["status"])), .of(IndexField.int64(step["started_unix_ms"])),
                      .of(IndexField.int64(step["ended_unix_ms"])), .of(IndexField.int64(step["attempt"])),
                      .of(IndexField.int64(step["latest_weight_pct"])), .of(IndexField.string(step["analysis_decision"])),
                      .text(decisions.canonicalString), .text(evidence.canonicalString)])
        }
    }

    /// The execution's artifacts: those its meta lists (as listed), then each other document it
    /// points at once — the plan, step evidence, the analysis and routing documents — with a role
    /// named after its kind (`deploy_plan`, `metrics_snapshot`, `slo_eval_report`, `router_state`,
    /// `runtime_probe`; else the ref's label, else `evidence`), numbered by `ord` within a role.
    private func artifacts(_ doc: JSON, execId: String, plan: DigestRef?) throws {
        struct Item {
            var role: String, ord: Int, kind: String?, digest: DigestRef, mediaType: String?, logicalName: String?, storeURI: String
        }
        var items: [Item] = []
        var seen = Set<String>()
        var nextOrd: [String: Int] = [:]
        func add(role: String, ord: Int?, kind: String?, digest: DigestRef, mediaType: String?, logicalName: String?, storeURI: String?) {
            guard seen.insert(digest.sha256).inserted else { return }
            let ord = ord ?? nextOrd[role, default: 0]
            nextOrd[role] = max(nextOrd[role, default: 0], ord + 1)
            items.append(Item(role: role, ord: ord, kind: kind, digest: digest, mediaType: mediaType ?? (kind == nil ? nil : "application/json"),
                              logicalName: logicalName, storeURI: storeURI ?? "sha256:" + digest.sha256))
        }
        func addRef(_ value: JSON?) {
            guard let ref = IndexField.typedRef(value) else { return }
            add(role: Self.role(forKind: ref.kind) ?? ref.label ?? "evidence", ord: nil, kind: ref.kind, digest: ref.digest,
                mediaType: nil, logicalName: nil, storeURI: IndexField.string(value?["store_uri"]))
        }
        let meta = doc["meta"]
        for artifact in IndexField.array(meta?["artifacts"]) {
            guard let digest = IndexField.digest(artifact["digest"]) else { continue }
            seen.remove(digest.sha256)
            add(role: IndexField.string(artifact["role"]) ?? "artifact", ord: IndexField.int(artifact["ord"]),
                kind: IndexField.string(artifact["kind"]), digest: digest, mediaType: IndexField.string(artifact["media_type"]),
                logicalName: IndexField.string(artifact["logical_name"]), storeURI: IndexField.string(artifact["store_uri"]))
        }
        if let plan {
            add(role: "deploy_plan", ord: nil, kind: SchemaVersion.deployPlan, digest: plan, mediaType: nil, logicalName: nil, storeURI: nil)
        }
        for step in IndexField.array(doc["steps"]) {
            for ref in IndexField.array(step["evidence"]) { addRef(ref) }
        }
        addRef(meta?["analysis"]?["last_snapshot"])
        addRef(meta?["analysis"]?["last_slo_report"])
        addRef(meta?["routing"]?["router_state"])

        try db.run("DELETE FROM execution_artifacts WHERE exec_id = ?", [.text(execId)])
        for item in items {
            try db.run("""
                INSERT OR REPLACE INTO execution_artifacts(exec_id, role, ord, kind, sha256, bytes_len, media_type, logical_name,
                                                           store_uri)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [.text(execId), .text(item.role), .of(item.ord), .of(item.kind), .text(item.digest.sha256),
                      .of(item.digest.bytes_len), .of(item.mediaType), .of(item.logicalName), .text(item.storeURI)])
        }
    }

    static func role(forKind kind: String?) -> String? {
        switch kind.map({ String($0.split(separator: "@").first ?? "") }) {
        case "x07.deploy.plan": return "deploy_plan"
        case "x07.metrics.snapshot": return "metrics_snapshot"
        case "x07.wasm.slo.eval.report": return "slo_eval_report"
        case "x07lp.router.state": return "router_state"
        case "x07lp.slot.health": return "runtime_probe"
        default: return nil
        }
    }

    /// `target_heads` of one app and environment := its execution with the greatest
    /// (created_unix_ms, exec_id), or no row when it has none.
    func updateHead(appId: String, environment: String) throws {
        guard !deferHeads else { return }
        try db.run("DELETE FROM target_heads WHERE app_id = ? AND environment = ?", [.text(appId), .text(environment)])
        try db.run("""
            INSERT INTO target_heads(app_id, environment, exec_id, updated_unix_ms)
            SELECT app_id, environment, exec_id, updated_unix_ms FROM executions
            WHERE app_id = ? AND environment = ?
            ORDER BY created_unix_ms DESC, exec_id DESC LIMIT 1
            """, [.text(appId), .text(environment)])
    }

    /// Every `target_heads` row at once (end of a full rebuild).
    func rebuildHeads() throws {
        try db.run("DELETE FROM target_heads")
        try db.run("""
            INSERT INTO target_heads(app_id, environment, exec_id, updated_unix_ms)
            SELECT app_id, environment, exec_id, updated_unix_ms FROM (
              SELECT app_id, environment, exec_id, updated_unix_ms,
                     row_number() OVER (PARTITION BY app_id, environment ORDER BY created_unix_ms DESC, exec_id DESC) AS rank
              FROM executions WHERE app_id IS NOT NULL AND environment IS NOT NULL)
            WHERE rank = 1
            """)
    }
}
