import LPCore
import LPState
import LPModel
/// The tables of the index files `index/control_plane.sqlite` and `index/deploy_loop.sqlite`
/// (documented as a read-only SQL surface in docs/index.md). Table and column names follow the
/// reference system. Any change here must bump `version`: an index with another
/// `PRAGMA user_version` is rebuilt.
enum IndexSchema {
    static let version: Int32 = 4

    /// Every table, index and view the schema creates, by name and type. An index missing one of
    /// them is treated as corrupt.
    static let objects: [(name: String, type: String)] = [
        ("meta", "table"), ("index_fingerprints", "table"), ("indexed_records", "table"), ("runs", "table"),
        ("executions", "table"), ("target_heads", "table"), ("execution_steps", "table"), ("execution_artifacts", "table"),
        ("decisions", "table"), ("decision_reasons", "table"), ("decision_evidence", "table"), ("artifacts", "table"),
        ("incidents", "table"), ("incident_artifacts", "table"), ("incident_diagnostics", "table"), ("regressions", "table"),
        ("control_actions", "table"), ("kill_switches", "table"),
        ("device_releases", "table"), ("device_release_steps", "table"), ("device_release_plans", "table"),
        ("executions_by_target", "index"), ("decisions_by_exec", "index"), ("incidents_by_deployment", "index"),
        ("incidents_by_target", "index"), ("incidents_by_release", "index"), ("regressions_by_incident", "index"),
        ("device_releases_by_app", "index"),
        ("latest_execution_summary_v1", "view"), ("app_heads", "view"),
    ]

    /// The tables, in `objects` order.
    static let tables = objects.filter { $0.type == "table" }.map(\.name)

    static let ddl = """
    CREATE TABLE meta (
      k TEXT PRIMARY KEY NOT NULL,
      v TEXT NOT NULL
    ) WITHOUT ROWID;

    CREATE TABLE index_fingerprints (
      path TEXT PRIMARY KEY NOT NULL,
      root TEXT NOT NULL,
      present INTEGER NOT NULL,
      mtime_ns INTEGER NOT NULL,
      size INTEGER NOT NULL,
      inode INTEGER NOT NULL,
      nlink INTEGER NOT NULL
    ) WITHOUT ROWID;

    CREATE TABLE indexed_records (
      path TEXT PRIMARY KEY NOT NULL,
      schema_version TEXT,
      sha256 TEXT NOT NULL,
      bytes_len INTEGER NOT NULL
    ) WITHOUT ROWID;

    CREATE TABLE runs (
      run_id TEXT PRIMARY KEY NOT NULL,
      stage TEXT,
      status TEXT,
      exec_id TEXT,
      app_id TEXT,
      environment TEXT,
      created_unix_ms INTEGER,
      record_sha256 TEXT NOT NULL,
      record_bytes_len INTEGER NOT NULL
    );

    CREATE TABLE executions (
      exec_id TEXT PRIMARY KEY NOT NULL,
      run_id TEXT,
      app_id TEXT,
      environment TEXT,
      status TEXT,
      outcome TEXT,
      control_state TEXT,
      kill_scope TEXT,
      kill_latched INTEGER NOT NULL DEFAULT 0,
      current_weight_pct INTEGER NOT NULL DEFAULT 0,
      public_listener TEXT,
      plan_sha256 TEXT,
      plan_bytes_len INTEGER,
      stable_revision_sha256 TEXT,
      stable_revision_bytes_len INTEGER,
      candidate_revision_sha256 TEXT,
      candidate_revision_bytes_len INTEGER,
      latest_decision_id TEXT,
      latest_signed_control_decision_id TEXT,
      signature_status TEXT,
      last_incident_id TEXT,
      incident_count_total INTEGER NOT NULL DEFAULT 0,
      incident_count_open INTEGER NOT NULL DEFAULT 0,
      parent_exec_id TEXT,
      created_unix_ms INTEGER NOT NULL,
      updated_unix_ms INTEGER NOT NULL,
      record_sha256 TEXT NOT NULL,
      record_bytes_len INTEGER NOT NULL
    );
    CREATE INDEX executions_by_target ON executions(app_id, environment, created_unix_ms DESC, exec_id DESC);
    CREATE INDEX executions_by_run ON executions(run_id);

    CREATE TABLE target_heads (
      app_id TEXT NOT NULL,
      environment TEXT NOT NULL,
      exec_id TEXT NOT NULL,
      updated_unix_ms INTEGER NOT NULL,
      PRIMARY KEY (app_id, environment)
    ) WITHOUT ROWID;

    CREATE TABLE execution_steps (
      exec_id TEXT NOT NULL,
      idx INTEGER NOT NULL,
      name TEXT,
      kind TEXT,
      status TEXT,
      started_unix_ms INTEGER,
      ended_unix_ms INTEGER,
      attempt INTEGER,
      latest_weight_pct INTEGER,
      analysis_decision TEXT,
      decisions_json TEXT NOT NULL DEFAULT '[]',
      evidence_json TEXT NOT NULL DEFAULT '[]',
      PRIMARY KEY (exec_id, idx)
    ) WITHOUT ROWID;

    CREATE TABLE execution_artifacts (
      exec_id TEXT NOT NULL,
      role TEXT NOT NULL,
      ord INTEGER NOT NULL,
      kind TEXT,
      sha256 TEXT NOT NULL,
      bytes_len INTEGER NOT NULL,
      media_type TEXT,
      logical_name TEXT,
      store_uri TEXT NOT NULL,
      PRIMARY KEY (exec_id, role, ord)
    ) WITHOUT ROWID;

    CREATE TABLE decisions (
      decision_id TEXT PRIMARY KEY NOT NULL,
      run_id TEXT,
      exec_id TEXT,
      step_idx INTEGER,
      kind TEXT,
      outcome TEXT,
      created_unix_ms INTEGER NOT NULL,
      record_sha256 TEXT NOT NULL,
      record_bytes_len INTEGER NOT NULL,
      signed INTEGER NOT NULL DEFAULT 0,
      store_uri TEXT NOT NULL
    );
    CREATE INDEX decisions_by_exec ON decisions(exec_id, created_unix_ms, decision_id);
    CREATE INDEX decisions_by_run ON decisions(run_id);

    CREATE TABLE decision_reasons (
      decision_id TEXT NOT NULL,
      ord INTEGER NOT NULL,
      code TEXT NOT NULL,
      message TEXT,
      PRIMARY KEY (decision_id, ord)
    ) WITHOUT ROWID;

    CREATE TABLE decision_evidence (
      decision_id TEXT NOT NULL,
      ord INTEGER NOT NULL,
      role TEXT,
      kind TEXT,
      sha256 TEXT NOT NULL,
      bytes_len INTEGER NOT NULL,
      PRIMARY KEY (decision_id, ord)
    ) WITHOUT ROWID;

    CREATE TABLE artifacts (
      sha256 TEXT PRIMARY KEY NOT NULL,
      bytes_len INTEGER NOT NULL,
      media_type TEXT,
      logical_name TEXT,
      store_uri TEXT NOT NULL
    ) WITHOUT ROWID;

    CREATE TABLE incidents (
      incident_id TEXT PRIMARY KEY NOT NULL,
      app_id TEXT NOT NULL,
      environment TEXT NOT NULL,
      deployment_id TEXT,
      run_id TEXT,
      classification TEXT,
      source TEXT,
      status TEXT,
      regression_status TEXT,
      regression_id TEXT,
      created_unix_ms INTEGER NOT NULL,
      captured_unix_ms INTEGER,
      decision_id TEXT,
      request_id TEXT,
      trace_id TEXT,
      status_code INTEGER,
      slot TEXT,
      candidate_weight_pct INTEGER,
      reason TEXT,
      signature_status TEXT,
      bundle_sha256 TEXT,
      bundle_bytes_len INTEGER,
      meta_sha256 TEXT,
      meta_bytes_len INTEGER,
      dir TEXT NOT NULL,
      release_exec_id TEXT,
      native_classification TEXT,
      target_kind TEXT
    );
    CREATE INDEX incidents_by_release ON incidents(release_exec_id, created_unix_ms DESC, incident_id DESC);
    CREATE INDEX incidents_by_deployment ON incidents(deployment_id, created_unix_ms DESC, incident_id DESC);
    CREATE INDEX incidents_by_target ON incidents(app_id, environment, created_unix_ms DESC, incident_id DESC);
    CREATE INDEX incidents_by_target_status ON incidents(app_id, environment, status);

    CREATE TABLE incident_artifacts (
      incident_id TEXT NOT NULL,
      ord INTEGER NOT NULL,
      role TEXT NOT NULL,
      kind TEXT,
      sha256 TEXT NOT NULL,
      bytes_len INTEGER NOT NULL,
      media_type TEXT,
      logical_name TEXT,
      store_uri TEXT NOT NULL,
      PRIMARY KEY (incident_id, ord)
    ) WITHOUT ROWID;

    CREATE TABLE incident_diagnostics (
      incident_id TEXT NOT NULL,
      ord INTEGER NOT NULL,
      code TEXT NOT NULL,
      PRIMARY KEY (incident_id, ord)
    ) WITHOUT ROWID;

    CREATE TABLE regressions (
      regression_id TEXT PRIMARY KEY NOT NULL,
      incident_id TEXT,
      name TEXT,
      created_unix_ms INTEGER,
      ok INTEGER,
      incident_status_after TEXT,
      replay_mode TEXT,
      replay_synthesis_status TEXT,
      out_dir TEXT,
      report_sha256 TEXT,
      report_bytes_len INTEGER,
      report_store_uri TEXT,
      request_sha256 TEXT,
      request_bytes_len INTEGER,
      result_sha256 TEXT,
      result_bytes_len INTEGER,
      dir TEXT NOT NULL
    );
    CREATE INDEX regressions_by_incident ON regressions(incident_id, created_unix_ms);

    CREATE TABLE control_actions (
      action_id TEXT PRIMARY KEY NOT NULL,
      kind TEXT,
      scope TEXT,
      deployment_id TEXT,
      app_id TEXT,
      environment TEXT,
      decision_id TEXT,
      signature_status TEXT,
      ok INTEGER,
      new_execution_id TEXT,
      reason TEXT,
      created_unix_ms INTEGER NOT NULL,
      record_sha256 TEXT NOT NULL,
      record_bytes_len INTEGER NOT NULL
    );
    CREATE INDEX control_actions_by_deployment ON control_actions(deployment_id, created_unix_ms);

    CREATE TABLE kill_switches (
      scope TEXT PRIMARY KEY NOT NULL,
      engaged INTEGER NOT NULL,
      reason TEXT,
      decision_id TEXT,
      updated_unix_ms INTEGER NOT NULL
    ) WITHOUT ROWID;

    CREATE TABLE device_releases (
      exec_id TEXT PRIMARY KEY NOT NULL,
      plan_id TEXT,
      run_id TEXT,
      app_id TEXT,
      provider_id TEXT,
      provider_kind TEXT,
      distribution_lane TEXT,
      target TEXT,
      status TEXT,
      current_state TEXT,
      automation_state TEXT,
      current_rollout_percent INTEGER,
      latest_store_release_id TEXT,
      latest_eval_outcome TEXT,
      decision_count INTEGER NOT NULL DEFAULT 0,
      latest_decision_id TEXT,
      latest_signed_control_decision_id TEXT,
      signature_status TEXT,
      incident_count_total INTEGER NOT NULL DEFAULT 0,
      incident_count_open INTEGER NOT NULL DEFAULT 0,
      native_incident_count INTEGER NOT NULL DEFAULT 0,
      latest_native_incident_id TEXT,
      latest_regression_status TEXT,
      parent_exec_id TEXT,
      created_unix_ms INTEGER NOT NULL,
      updated_unix_ms INTEGER NOT NULL,
      record_sha256 TEXT NOT NULL,
      record_bytes_len INTEGER NOT NULL
    );
    CREATE INDEX device_releases_by_app ON device_releases(app_id, updated_unix_ms DESC, exec_id DESC);

    CREATE TABLE device_release_steps (
      exec_id TEXT NOT NULL,
      ord INTEGER NOT NULL,
      idx INTEGER NOT NULL,
      name TEXT,
      kind TEXT,
      status TEXT,
      started_unix_ms INTEGER,
      ended_unix_ms INTEGER,
      latest_rollout_percent INTEGER,
      store_release_id TEXT,
      decisions_json TEXT NOT NULL DEFAULT '[]',
      PRIMARY KEY (exec_id, ord)
    ) WITHOUT ROWID;

    CREATE TABLE device_release_plans (
      plan_id TEXT PRIMARY KEY NOT NULL,
      provider_id TEXT,
      provider_kind TEXT,
      target TEXT,
      app_id TEXT,
      version TEXT,
      build TEXT,
      readiness_status TEXT,
      package_sha256 TEXT,
      step_count INTEGER NOT NULL DEFAULT 0,
      created_unix_ms INTEGER NOT NULL,
      record_sha256 TEXT NOT NULL,
      record_bytes_len INTEGER NOT NULL
    ) WITHOUT ROWID;

    CREATE VIEW latest_execution_summary_v1 AS
    SELECT
      h.app_id AS app_id,
      h.environment AS environment,
      h.exec_id AS exec_id,
      e.run_id AS run_id,
      e.status AS status,
      e.outcome AS outcome,
      e.control_state AS control_state,
      e.kill_scope AS kill_scope,
      e.kill_latched AS kill_latched,
      e.current_weight_pct AS current_weight_pct,
      e.public_listener AS public_listener,
      e.plan_sha256 AS plan_sha256,
      e.plan_bytes_len AS plan_bytes_len,
      e.stable_revision_sha256 AS stable_revision_sha256,
      e.stable_revision_bytes_len AS stable_revision_bytes_len,
      e.candidate_revision_sha256 AS candidate_revision_sha256,
      e.candidate_revision_bytes_len AS candidate_revision_bytes_len,
      e.latest_decision_id AS latest_decision_id,
      e.latest_signed_control_decision_id AS latest_signed_control_decision_id,
      e.signature_status AS signature_status,
      e.last_incident_id AS last_incident_id,
      e.incident_count_total AS incident_count_total,
      e.incident_count_open AS incident_count_open,
      e.parent_exec_id AS parent_exec_id,
      e.created_unix_ms AS created_unix_ms,
      h.updated_unix_ms AS updated_unix_ms,
      (SELECT count(*) FROM incidents i
        WHERE i.app_id = h.app_id AND i.environment = h.environment) AS app_incident_count_total,
      (SELECT count(*) FROM incidents i
        WHERE i.app_id = h.app_id AND i.environment = h.environment AND i.status IN ('open', 'regression_generated')) AS app_incident_count_open,
      (SELECT i.incident_id FROM incidents i
        WHERE i.app_id = h.app_id AND i.environment = h.environment
        ORDER BY i.created_unix_ms DESC, i.incident_id DESC LIMIT 1) AS latest_incident_id,
      CASE
        WHEN EXISTS (SELECT 1 FROM kill_switches k WHERE k.scope = 'platform' AND k.engaged = 1) THEN 'platform'
        WHEN EXISTS (SELECT 1 FROM kill_switches k
                     WHERE k.scope = 'app:' || h.app_id || '/' || h.environment AND k.engaged = 1) THEN 'app'
        ELSE 'none'
      END AS kill_state
    FROM target_heads h
    JOIN executions e ON e.exec_id = h.exec_id;

    CREATE VIEW app_heads AS
    SELECT
      app_id,
      environment,
      exec_id AS latest_deployment_id,
      status AS deployment_status,
      control_state,
      outcome,
      public_listener,
      current_weight_pct,
      app_incident_count_total AS incident_count_total,
      app_incident_count_open AS incident_count_open,
      COALESCE(latest_incident_id, last_incident_id) AS latest_incident_id,
      latest_decision_id,
      kill_state,
      updated_unix_ms
    FROM latest_execution_summary_v1;
    """

    /// Creates the schema in an empty database and stamps its version.
    static func create(in db: Database) throws {
        try db.execute(ddl)
        try db.execute("PRAGMA user_version = \(version)")
    }

    /// True when `db` carries this schema version and every object of it.
    static func matches(_ db: Database) throws -> Bool {
        let stamped = try db.first("PRAGMA user_version") { $0.int(0) } ?? -1
        guard stamped == Int64(version) else { return false }
        var present = Set<String>()
        try db.query("SELECT type, name FROM sqlite_master") { row in
            present.insert((row.string(0) ?? "") + " " + (row.string(1) ?? ""))
        }
        return objects.allSatisfy { present.contains($0.type + " " + $0.name) }
    }
}
