import LPCore
import LPState
import LPModel
/// Turns state records into index rows. Every update is an upsert keyed by the record's id (and
/// its child rows are replaced as a whole), so indexing the same file twice gives the same rows.
/// Used both by incremental updates (`StateIndex.recordWritten`) and by the full rebuild.
struct IndexWriter {
    let db: Database
    let state: StateDirectory
    /// During a full rebuild the target heads are computed once at the end instead of per record.
    var deferHeads = false

    static let executionSchema = SchemaVersion.deployExecution
    static let decisionSchema = SchemaVersion.decisionRecord
    static let runSchema = SchemaVersion.pipelineRun
    static let incidentBundleSchema = SchemaVersion.incidentBundle
    static let incidentMetaSchema = SchemaVersion.incidentBundleMetaLocal
    static let controlActionSchema = SchemaVersion.controlActionResult
    static let killSwitchSchema = SchemaVersion.killSwitch

    /// Indexes one record file. `document` is nil when the file is not JSON (it is still listed
    /// in `indexed_records`, with no schema).
    func apply(relativePath: String, document: JSON?, digest: DigestRef) throws {
        let schema = document?["schema_version"]?.stringValue
        try listRecord(relativePath, schema: schema, digest: digest)
        guard let document else { return }
        switch schema {
        case Self.executionSchema: try execution(document, path: relativePath, digest: digest)
        case Self.decisionSchema: try decision(document, path: relativePath, digest: digest)
        case Self.runSchema: try run(document, digest: digest)
        case Self.incidentBundleSchema, Self.incidentMetaSchema:
            try incident(writtenPath: relativePath, document: document, digest: digest)
        case Self.regressionRequestSchema, Self.regressionResultSchema:
            try regression(writtenPath: relativePath, document: document, digest: digest)
        case Self.controlActionSchema: try controlAction(document, digest: digest)
        case Self.killSwitchSchema: try killSwitch(document, path: relativePath)
        case Self.deviceExecutionSchema: try deviceRelease(document, digest: digest)
        case Self.devicePlanSchema: try deviceReleasePlan(document, digest: digest)
        default: break
        }
    }

    /// The file's row in `indexed_records`.
    func listRecord(_ relativePath: String, schema: String?, digest: DigestRef) throws {
        try db.run("INSERT OR REPLACE INTO indexed_records(path, schema_version, sha256, bytes_len) VALUES (?, ?, ?, ?)",
                   [.text(relativePath), .of(schema), .text(digest.sha256), .of(digest.bytes_len)])
    }

    // MARK: runs

    func run(_ doc: JSON, digest: DigestRef) throws {
        guard let runId = IndexField.string(doc["run_id"]) else { return }
        let meta = doc["meta"]
        let execId = IndexField.string(meta?["exec_id"])
        let appId = IndexField.string(meta?["app_id"]), environment = IndexField.string(meta?["environment"])
        try db.run("""
            INSERT OR REPLACE INTO runs(run_id, stage, status, exec_id, app_id, environment, created_unix_ms,
                                        record_sha256, record_bytes_len)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [.text(runId), .of(IndexField.string(doc["state"]?["stage"])), .of(IndexField.string(doc["state"]?["status"])),
                  .of(execId), .of(appId), .of(environment), .of(IndexField.int64(doc["created_unix_ms"])),
                  .text(digest.sha256), .of(digest.bytes_len)])
        // Records written before their run (intake writes the decision first) learn from it now.
        if let appId, let environment {
            try db.run("""
                UPDATE executions SET app_id = ?, environment = ?
                WHERE run_id = ? AND (app_id IS NULL OR environment IS NULL)
                """, [.text(appId), .text(environment), .text(runId)])
            if db.changes > 0 { try updateHead(appId: appId, environment: environment) }
        }
        if let execId {
            try db.run("UPDATE decisions SET exec_id = ? WHERE run_id = ? AND exec_id IS NULL", [.text(execId), .text(runId)])
        }
    }

    // MARK: decisions

    func decision(_ doc: JSON, path: String, digest: DigestRef) throws {
        guard let decisionId = IndexField.string(doc["decision_id"]) else { return }
        let meta = doc["meta"], runId = IndexField.string(doc["run_id"])
        // The deployment a decision belongs to: its meta says so (step decisions), or it is a
        // control action on one deployment, or its run names the deployment (intake).
        var execId = IndexField.string(meta?["exec_id"])
        if execId == nil, IndexField.string(meta?["scope"]) == "deployment" {
            execId = IndexField.string(meta?["target"]?["deployment_id"])
        }
        if execId == nil, let runId {
            execId = try db.first("SELECT exec_id FROM runs WHERE run_id = ?", [.text(runId)]) { $0.string(0) }
        }
        let signed = !(doc["integrity"]?["signatures"]?.arrayValue ?? []).isEmpty
        try db.run("""
            INSERT OR REPLACE INTO decisions(decision_id, run_id, exec_id, step_idx, kind, outcome, created_unix_ms,
                                             record_sha256, record_bytes_len, signed, store_uri)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [.text(decisionId), .of(runId), .of(execId), .of(IndexField.int64(meta?["step_idx"])),
                  .of(IndexField.string(doc["kind"])), .of(IndexField.string(doc["outcome"])),
                  .integer(IndexField.int64(doc["created_unix_ms"]) ?? 0), .text(digest.sha256), .of(digest.bytes_len),
                  .of(signed), .text("file:" + path)])
        try db.run("DELETE FROM decision_reasons WHERE decision_id = ?", [.text(decisionId)])
        for (ord, reason) in IndexField.array(doc["reasons"]).enumerated() {
            try db.run("INSERT OR REPLACE INTO decision_reasons(decision_id, ord, code, message) VALUES (?, ?, ?, ?)",
                       [.text(decisionId), .of(ord), .text(IndexField.string(reason["code"]) ?? ""),
                        .of(IndexField.string(reason["message"]))])
        }
        try db.run("DELETE FROM decision_evidence WHERE decision_id = ?", [.text(decisionId)])
        for (ord, item) in IndexField.array(doc["evidence"]).enumerated() {
            guard let ref = IndexField.typedRef(item) else { continue }
            try db.run("""
                INSERT OR REPLACE INTO decision_evidence(decision_id, ord, role, kind, sha256, bytes_len)
                VALUES (?, ?, ?, ?, ?, ?)
                """, [.text(decisionId), .of(ord), .of(ref.label), .of(ref.kind), .text(ref.digest.sha256),
                      .of(ref.digest.bytes_len)])
        }
    }

    // MARK: control actions and kill switches

    func controlAction(_ doc: JSON, digest: DigestRef) throws {
        guard let actionId = IndexField.string(doc["action_id"]) else { return }
        let target = doc["target"], decision = doc["decision"]
        try db.run("""
            INSERT OR REPLACE INTO control_actions(action_id, kind, scope, deployment_id, app_id, environment, decision_id,
                                                   signature_status, ok, new_execution_id, reason, created_unix_ms,
                                                   record_sha256, record_bytes_len)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [.text(actionId), .of(IndexField.string(doc["kind"])), .of(IndexField.string(doc["scope"])),
                  .of(IndexField.string(target?["deployment_id"])), .of(IndexField.string(target?["app_id"])),
                  .of(IndexField.string(target?["environment"])), .of(IndexField.string(decision?["decision_id"])),
                  .of(IndexField.string(decision?["signature_status"])), IndexField.bool(doc["ok"]).map(SQLValue.of) ?? .null,
                  .of(IndexField.string(doc["new_execution_id"])), .of(IndexField.string(doc["reason"])),
                  .integer(IndexField.int64(doc["created_unix_ms"]) ?? 0), .text(digest.sha256), .of(digest.bytes_len)])
    }

    func killSwitch(_ doc: JSON, path: String) throws {
        // control/kill/<scope>.json: the scope is the path when the document does not say.
        let fromPath = path.hasPrefix("control/kill/") && path.hasSuffix(".json")
            ? String(path.dropFirst("control/kill/".count).dropLast(".json".count)) : nil
        guard let scope = IndexField.string(doc["scope"]) ?? fromPath else { return }
        try db.run("""
            INSERT OR REPLACE INTO kill_switches(scope, engaged, reason, decision_id, updated_unix_ms)
            VALUES (?, ?, ?, ?, ?)
            """, [.text(scope), .of(IndexField.bool(doc["engaged"]) ?? false), .of(IndexField.string(doc["reason"])),
                  .of(IndexField.string(doc["decision_id"])), .integer(IndexField.int64(doc["updated_unix_ms"]) ?? 0)])
    }

    // MARK: blobs

    /// A blob of the content store (`sha256:` refs only; records are indexed as records).
    func blob(_ ref: ArtifactRef) throws {
        guard ref.store_uri.isEmpty || ref.store_uri.hasPrefix("sha256:") else { return }
        try db.run("""
            INSERT OR REPLACE INTO artifacts(sha256, bytes_len, media_type, logical_name, store_uri) VALUES (?, ?, ?, ?, ?)
            """, [.text(ref.sha256), .of(ref.bytes_len), .text(ref.media_type), .text(ref.logical_name),
                  .text("sha256:" + ref.sha256)])
    }
}
