import LPCore
import LPState
/// `lp.incident.bundle@0.2.0`: the evidence of one incident, immutable once written (regression
/// requests point at it by digest). Captured request, response and trace are stored by digest,
/// already redacted; the local bookkeeping that changes over the incident's life lives in
/// `IncidentMeta` next to it, not in the bundle's `meta`.
public struct IncidentBundle: Codable, Equatable, Sendable {
    public struct Window: Codable, Equatable, Sendable {
        public var start_unix_ms: Int64
        public var end_unix_ms: Int64
        public init(start_unix_ms: Int64, end_unix_ms: Int64) {
            self.start_unix_ms = start_unix_ms
            self.end_unix_ms = end_unix_ms
        }
    }
    public struct Execution: Codable, Equatable, Sendable {
        public var exec_id: String
        public init(exec_id: String) { self.exec_id = exec_id }
    }
    public struct Capture: Codable, Equatable, Sendable {
        public var kind: String
        public var digest: DigestRef
        public init(kind: String, digest: DigestRef) {
            self.kind = kind
            self.digest = digest
        }
    }

    public static let schemaVersion = SchemaVersion.incidentBundle
    public var schema_version = IncidentBundle.schemaVersion
    public var incident_id: String
    public var created_unix_ms: Int64
    public var app_id: String
    public var environment: JSON
    public var window: Window
    public var deploy_execution: Execution?
    public var request: Capture?
    public var response: Capture?
    public var trace: Capture?
    public var diag_codes: [String]
    public var refs: [TypedRef]
    public var notes: String?

    public init(incident_id: String, created_unix_ms: Int64, app_id: String, environment: JSON, window: Window,
                deploy_execution: Execution?, request: Capture?, response: Capture?, trace: Capture?, diag_codes: [String],
                refs: [TypedRef], notes: String?) {
        self.incident_id = incident_id
        self.created_unix_ms = created_unix_ms
        self.app_id = app_id
        self.environment = environment
        self.window = window
        self.deploy_execution = deploy_execution
        self.request = request
        self.response = response
        self.trace = trace
        self.diag_codes = diag_codes
        self.refs = refs
        self.notes = notes
    }

    enum CodingKeys: String, CodingKey {
        case schema_version, incident_id, created_unix_ms, app_id, environment, window, deploy_execution, request, response,
             trace, diag_codes, refs, notes
    }

    /// The captures and the deployment link are written as `null` when absent, as the reference does.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(schema_version, forKey: .schema_version)
        try c.encode(incident_id, forKey: .incident_id)
        try c.encode(created_unix_ms, forKey: .created_unix_ms)
        try c.encode(app_id, forKey: .app_id)
        try c.encode(environment, forKey: .environment)
        try c.encode(window, forKey: .window)
        try c.encode(deploy_execution, forKey: .deploy_execution)
        try c.encode(request, forKey: .request)
        try c.encode(response, forKey: .response)
        try c.encode(trace, forKey: .trace)
        try c.encode(diag_codes, forKey: .diag_codes)
        try c.encode(refs, forKey: .refs)
        try c.encodeIfPresent(notes, forKey: .notes)
    }

    /// The bundle's `environment` selector for an environment name.
    public static func environmentSelector(_ name: String) -> JSON {
        ["dev", "staging", "prod"].contains(name) ? ["kind": .string(name)] : ["kind": "custom", "name": .string(name)]
    }
}

/// `lp.incident.bundle.meta.local@0.2.0`: an incident's classification, lifecycle and links,
/// stored as `incident.meta.local.json` beside the bundle and rewritten on every transition.
public struct IncidentMeta: Codable, Equatable, Sendable {
    public static let schemaVersion = SchemaVersion.incidentBundleMetaLocal
    public static let classifications = [
        "http_5xx", "runtime_start_failed", "runtime_health_failed", "slo_rollback", "manual_capture", "app_kill",
        "platform_kill",
    ]
    public static let sources = ["router", "runtime", "slo", "manual", "control_plane"]

    /// open → regression_generated → resolved (open → resolved directly too).
    public enum Status: String, Codable, Sendable {
        case open, regression_generated, resolved
    }

    public var schema_version = IncidentMeta.schemaVersion
    public var classification: String
    public var source: String
    public var incident_status: Status
    public var deployment_id: String?
    public var run_id: String
    public var target: ExecutionMetaLocal.Target
    public var captured_unix_ms: Int64
    public var request_id: String?
    public var trace_id: String?
    public var pack_digest: DigestRef?
    public var slot: String
    public var candidate_weight_pct: Int?
    public var status_code: Int?
    public var route_key: String?
    public var decision_id: String?
    public var regression_id: String?
    public var regression_status: String
    public var signature_status: RecordedSignatureStatus

    enum CodingKeys: String, CodingKey {
        case schema_version, classification, source, incident_status, deployment_id, run_id, target, captured_unix_ms,
             request_id, trace_id, pack_digest, slot, candidate_weight_pct, status_code, route_key, decision_id, regression_id,
             regression_status, signature_status
    }

    public init(classification: String, source: String, deploymentId: String?, runId: String, appId: String, environment: String,
                capturedUnixMs: Int64) {
        self.classification = classification
        self.source = source
        incident_status = .open
        deployment_id = deploymentId
        run_id = runId
        target = ExecutionMetaLocal.Target(app_id: appId, environment: environment)
        captured_unix_ms = capturedUnixMs
        slot = "none"
        regression_status = "not_requested"
        signature_status = .notApplicable
    }

    /// Links that are unknown are written as `null`, so every reader sees the same keys.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(schema_version, forKey: .schema_version)
        try c.encode(classification, forKey: .classification)
        try c.encode(source, forKey: .source)
        try c.encode(incident_status, forKey: .incident_status)
        try c.encode(deployment_id, forKey: .deployment_id)
        try c.encode(run_id, forKey: .run_id)
        try c.encode(target, forKey: .target)
        try c.encode(captured_unix_ms, forKey: .captured_unix_ms)
        try c.encode(request_id, forKey: .request_id)
        try c.encode(trace_id, forKey: .trace_id)
        try c.encode(pack_digest, forKey: .pack_digest)
        try c.encode(slot, forKey: .slot)
        try c.encode(candidate_weight_pct, forKey: .candidate_weight_pct)
        try c.encode(status_code, forKey: .status_code)
        try c.encode(route_key, forKey: .route_key)
        try c.encode(decision_id, forKey: .decision_id)
        try c.encode(regression_id, forKey: .regression_id)
        try c.encode(regression_status, forKey: .regression_status)
        try c.encode(signature_status, forKey: .signature_status)
    }
}
