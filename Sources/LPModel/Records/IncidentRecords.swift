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
    @Nullable public var deploy_execution: Execution?
    @Nullable public var request: Capture?
    @Nullable public var response: Capture?
    @Nullable public var trace: Capture?
    public var diag_codes: [String]
    public var refs: [TypedRef]
    public var notes: String?
    // Device releases (absent for deployments).
    public var release_plan_id: String?
    public var release_exec_id: String?
    public var target_kind: ReleaseTarget?
    public var provider_kind: StoreProviderKind?
    public var package_manifest_sha256: String?
    public var native_classification: NativeClassification?
    public var native_context: NativeContext?

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
    /// What an incident of a device release may be classified as (the five native classes, the
    /// release's own, the legacy device names) and where it may come from.
    public static let releaseClassifications = ["manual_capture", "device_release_gate_failed", "device_release_provider_failed"]
        + NativeClassification.allCases.map(\.rawValue)
        + ["device_policy_violation", "device_webview_crash", "device_bridge_parse", "device_js_unhandled", "device_crash_spike"]
    public static let releaseSources = ["device_host", "device_release", "telemetry", "manual"]

    /// open → resolved. A generated regression leaves an incident open (its `regression_status`
    /// says so), as the reference does; `regression_generated` is a contract value still read.
    public enum Status: String, Codable, Sendable {
        case open, regression_generated, resolved
    }

    public var schema_version = IncidentMeta.schemaVersion
    public var classification: String
    public var source: String
    public var incident_status: Status
    @Nullable public var deployment_id: String?
    public var run_id: String
    public var target: ExecutionMetaLocal.Target
    public var captured_unix_ms: Int64
    @Nullable public var request_id: String?
    @Nullable public var trace_id: String?
    @Nullable public var pack_digest: DigestRef?
    public var slot: String
    @Nullable public var candidate_weight_pct: Int?
    @Nullable public var status_code: Int?
    @Nullable public var route_key: String?
    @Nullable public var decision_id: String?
    @Nullable public var regression_id: String?
    public var regression_status: String
    public var signature_status: RecordedSignatureStatus
    // Device releases (absent for deployments).
    public var release_plan_id: String?
    public var release_exec_id: String?
    public var package_digest: DigestRef?
    public var device_release: DeviceReleaseLink?
    public var target_kind: ReleaseTarget?
    public var provider_kind: StoreProviderKind?
    public var package_manifest_sha256: String?
    public var native_classification: NativeClassification?
    public var native_context: NativeContext?

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
}
