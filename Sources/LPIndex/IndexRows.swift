import LPCore
import LPState
import LPModel
/// Plain values the index answers with (one per row of its tables, see docs/index.md). Field
/// names are the column names; optional fields are NULL columns.

/// One deployment (`executions`).
public struct ExecutionRow: Codable, Equatable, Sendable {
    public var exec_id: String
    public var run_id: String?
    public var app_id: String?
    public var environment: String?
    public var status: String?
    public var outcome: String?
    public var control_state: String?
    public var kill_scope: String?
    public var kill_latched: Bool
    public var current_weight_pct: Int
    public var public_listener: String?
    public var plan: DigestRef?
    public var stable_revision: DigestRef?
    public var candidate_revision: DigestRef?
    public var latest_decision_id: String?
    public var latest_signed_control_decision_id: String?
    public var signature_status: String?
    public var last_incident_id: String?
    public var incident_count_total: Int
    public var incident_count_open: Int
    public var parent_exec_id: String?
    public var created_unix_ms: Int64
    public var updated_unix_ms: Int64
    /// Digest of `deploy/<exec_id>.json`.
    public var record: DigestRef
    /// `file:deploy/<exec_id>.json`
    public var store_uri: String
}

/// One step of a deployment (`execution_steps`).
public struct StepRow: Codable, Equatable, Sendable {
    public var exec_id: String
    public var idx: Int
    public var name: String?
    public var kind: String?
    public var status: String?
    public var started_unix_ms: Int64?
    public var ended_unix_ms: Int64?
    public var attempt: Int?
    public var latest_weight_pct: Int?
    public var analysis_decision: String?
    public var decisions: [String]
    public var evidence: [TypedRef]
}

/// A decision (`decisions`) with its reasons and evidence.
public struct DecisionRow: Codable, Equatable, Sendable {
    public struct Reason: Codable, Equatable, Sendable {
        public var ord: Int
        public var code: String
        public var message: String?
    }
    public struct Evidence: Codable, Equatable, Sendable {
        public var ord: Int
        /// The evidence ref's label.
        public var role: String?
        public var kind: String?
        public var digest: DigestRef
    }

    public var decision_id: String
    public var run_id: String?
    public var exec_id: String?
    public var step_idx: Int?
    public var kind: String?
    public var outcome: String?
    public var created_unix_ms: Int64
    public var record: DigestRef
    /// `file:decisions/<decision_id>.json`
    public var store_uri: String
    public var signed: Bool
    public var reasons: [Reason]
    public var evidence: [Evidence]
}

/// An execution's artifact by role and order: the same shape as `meta.artifacts` entries.
public typealias ArtifactRow = ExecutionMetaLocal.Artifact

/// One (app, environment) and its latest deployment (`latest_execution_summary_v1`).
public struct AppRow: Codable, Equatable, Sendable {
    public var app_id: String
    public var environment: String
    public var latest_exec_id: String?
    public var status: String?
    public var outcome: String?
    public var control_state: String?
    public var public_listener: String?
    public var current_weight_pct: Int
    /// Incidents of this app and environment (all deployments), and how many are open.
    public var incident_count_total: Int
    public var incident_count_open: Int
    public var latest_incident_id: String?
    public var latest_decision_id: String?
    /// `none`, `app` or `platform`: the kill switch that holds this app, if any.
    public var kill_state: String
    public var updated_unix_ms: Int64
}

/// One incident (`incidents`): its bundle and its local meta.
public struct IncidentRow: Codable, Equatable, Sendable {
    public var incident_id: String
    public var app_id: String
    public var environment: String
    public var deployment_id: String?
    public var run_id: String?
    public var classification: String?
    public var source: String?
    /// `incident_status` of the meta (`open`, `regression_generated`, `resolved`).
    public var status: String?
    public var regression_status: String?
    public var regression_id: String?
    public var created_unix_ms: Int64
    public var captured_unix_ms: Int64?
    public var decision_id: String?
    public var request_id: String?
    public var trace_id: String?
    public var status_code: Int?
    public var slot: String?
    public var candidate_weight_pct: Int?
    public var reason: String?
    public var signature_status: String?
    public var bundle: DigestRef?
    public var bundle_store_uri: String?
    public var meta: DigestRef?
    public var meta_store_uri: String?
    /// Device release incidents: the release, the native class, the platform.
    public var release_exec_id: String?
    public var native_classification: String?
    public var target_kind: String?
}

