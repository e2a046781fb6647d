import LPCore
import LPModel

/// Device releases → `device_releases` (one row per `device_release/executions/<id>.json`, lp.device.release.execution@0.2.0),
/// its `device_release_steps`, and `device_release_plans` (one row per `device_release/plans/<id>.json`).
extension IndexWriter {
    static let deviceExecutionSchema = SchemaVersion.deviceReleaseExecution
    static let devicePlanSchema = SchemaVersion.deviceReleasePlan

    func deviceRelease(_ doc: JSON, digest: DigestRef) throws {
        guard let execId = IndexField.string(doc["exec_id"]) else { return }
        let meta = doc["meta"]
        let created = IndexField.int64(doc["created_unix_ms"]) ?? 0
        try db.run("""
            INSERT OR REPLACE INTO device_releases(exec_id, plan_id, run_id, app_id, provider_id, provider_kind, distribution_lane,
              target, status, current_state, automation_state, current_rollout_percent, latest_store_release_id,
              latest_eval_outcome, decision_count, latest_decision_id, latest_signed_control_decision_id, signature_status,
              incident_count_total, incident_count_open, native_incident_count, latest_native_incident_id,
              latest_regression_status, parent_exec_id, created_unix_ms, updated_unix_ms, record_sha256, record_bytes_len)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [.text(execId), .of(IndexField.string(doc["plan_id"])), .of(IndexField.string(doc["run_id"])),
                  .of(IndexField.string(meta?["app"]?["app_id"])), .of(IndexField.string(meta?["provider_id"])),
                  .of(IndexField.string(meta?["provider_kind"])), .of(IndexField.string(meta?["distribution_lane"])),
                  .of(IndexField.string(meta?["target"])), .of(IndexField.string(doc["status"])),
                  .of(IndexField.string(meta?["current_state"])), .of(IndexField.string(meta?["automation_state"])),
                  .of(IndexField.int64(meta?["current_rollout_percent"])), .of(IndexField.string(meta?["latest_store_release_id"])),
                  .of(IndexField.string(meta?["latest_eval_outcome"])), .integer(IndexField.int64(meta?["decision_count"]) ?? 0),
                  .of(IndexField.string(meta?["latest_decision_id"])), .of(IndexField.string(meta?["latest_signed_control_decision_id"])),
                  .of(IndexField.string(meta?["signature_status"])), .integer(IndexField.int64(meta?["incident_count_total"]) ?? 0),
                  .integer(IndexField.int64(meta?["incident_count_open"]) ?? 0),
                  .integer(IndexField.int64(meta?["native_incident_count"]) ?? 0),
                  .of(IndexField.string(meta?["latest_native_incident_id"])), .of(IndexField.string(meta?["latest_regression_status"])),
                  .of(IndexField.string(meta?["parent_exec_id"])), .integer(created),
                  .integer(IndexField.int64(meta?["updated_unix_ms"]) ?? created), .text(digest.sha256), .of(digest.bytes_len)])
        try db.run("DELETE FROM device_release_steps WHERE exec_id = ?", [.text(execId)])
        for (ord, step) in IndexField.array(doc["steps"]).enumerated() {
            let decisions = JSON.array(IndexField.array(step["decisions"]).filter { $0.stringValue != nil })
            try db.run("""
                INSERT OR REPLACE INTO device_release_steps(exec_id, ord, idx, name, kind, status, started_unix_ms, ended_unix_ms,
                                                            latest_rollout_percent, store_release_id, decisions_json)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [.text(execId), .of(ord), .integer(IndexField.int64(step["idx"]) ?? Int64(ord)), .of(IndexField.string(step["name"])),
                      .of(IndexField.string(step["kind"])), .of(IndexField.string(step["status"])),
                      .of(IndexField.int64(step["started_unix_ms"])), .of(IndexField.int64(step["ended_unix_ms"])),
                      .of(IndexField.int64(step["latest_rollout_percent"])), .of(IndexField.string(step["store_release_id"])),
                      .text(String(decoding: decisions.canonicalBytes, as: UTF8.self))])
        }
    }

    func deviceReleasePlan(_ doc: JSON, digest: DigestRef) throws {
        guard let planId = IndexField.string(doc["plan_id"]) else { return }
        try db.run("""
            INSERT OR REPLACE INTO device_release_plans(plan_id, provider_id, provider_kind, target, app_id, version, build,
              readiness_status, package_sha256, step_count, created_unix_ms, record_sha256, record_bytes_len)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [.text(planId), .of(IndexField.string(doc["provider_profile"]?["provider_id"])),
                  .of(IndexField.string(doc["native_summary"]?["provider_kind"])), .of(IndexField.string(doc["target"])),
                  .of(IndexField.string(doc["app"]?["app_id"])), .of(IndexField.string(doc["app"]?["version"])),
                  .of(IndexField.string(doc["app"]?["build"])), .of(IndexField.string(doc["release_readiness"]?["status"])),
                  .of(IndexField.string(doc["package"]?["digest"]?["sha256"])), .of(IndexField.array(doc["steps"]).count),
                  .integer(IndexField.int64(doc["created_unix_ms"]) ?? 0), .text(digest.sha256), .of(digest.bytes_len)])
    }
}
