import LPCore
import LPState
/// `lp.deploy.execution.meta.local@0.1.0`: what the local target knows about a deployment,
/// stored as the execution's `meta`. Written by lp-apply and the control actions.
public struct ExecutionMetaLocal: Codable, Equatable, Sendable {
    public struct Target: Codable, Equatable, Sendable {
        public var app_id: String
        public var environment: String
    }
    public struct Health: Codable, Equatable, Sendable {
        public var ok: Bool
        @Nullable public var last_probe_unix_ms: Int64?
        @Nullable public var last_report: StoredRef?

        public init(ok: Bool, last_probe_unix_ms: Int64? = nil, last_report: StoredRef? = nil) {
            self.ok = ok
            self.last_probe_unix_ms = last_probe_unix_ms
            self.last_report = last_report
        }
    }
    public struct Slot: Codable, Equatable, Sendable {
        @Nullable public var revision_digest: DigestRef?
        /// Address the slot listens on; the local target serves directories, so it has none.
        @Nullable public var bind_addr: String?
        public var status: SlotStatus
        @Nullable public var started_unix_ms: Int64?
        @Nullable public var ended_unix_ms: Int64?
        public var health: Health?
        @Nullable public var workdir: String?

        public init(revision_digest: DigestRef? = nil, status: SlotStatus, started_unix_ms: Int64? = nil,
                    ended_unix_ms: Int64? = nil, health: Health? = nil, workdir: String? = nil) {
            self.revision_digest = revision_digest
            self.status = status
            self.started_unix_ms = started_unix_ms
            self.ended_unix_ms = ended_unix_ms
            self.health = health
            self.workdir = workdir
        }
    }
    public struct Runtime: Codable, Equatable, Sendable {
        public var stable: Slot
        public var candidate: Slot
    }
    public struct StoredRef: Codable, Equatable, Sendable {
        public var kind: String?
        public var digest: DigestRef
        public var label: String?
        public var store_uri: String?

        public init(kind: String?, digest: DigestRef, label: String?, store_uri: String?) {
            self.kind = kind
            self.digest = digest
            self.label = label
            self.store_uri = store_uri
        }
    }
    public struct Routing: Codable, Equatable, Sendable {
        @Nullable public var public_listener: String?
        /// The local target routes in its router state, not on a socket: no listener address.
        @Nullable public var listener_addr: String? = nil
        public var candidate_weight_pct: Int
        public var algorithm = "hash_bucket_v1"
        public var route_key_header = "X-LP-Route-Key"
        @Nullable public var last_updated_step_idx: Int?
        @Nullable public var router_state: StoredRef?
    }
    public struct Analysis: Codable, Equatable, Sendable {
        public var last_slo_decision: SLODecision
        public var last_snapshot: StoredRef?
        public var last_slo_report: StoredRef?
        public var last_analysis_step_idx: Int?

        public init(last_slo_decision: SLODecision, last_snapshot: StoredRef? = nil, last_slo_report: StoredRef? = nil,
                    last_analysis_step_idx: Int? = nil) {
            self.last_slo_decision = last_slo_decision
            self.last_snapshot = last_snapshot
            self.last_slo_report = last_slo_report
            self.last_analysis_step_idx = last_analysis_step_idx
        }
    }
    public struct RetryBudget: Codable, Equatable, Sendable {
        public var max_attempts_per_step: Int
        public var consumed: [String: Int]
    }
    public struct Artifact: Codable, Equatable, Sendable {
        public var role: String
        public var ord: Int
        public var kind: String?
        public var digest: DigestRef
        public var media_type: String
        public var logical_name: String?
        public var store_uri: String

        public init(role: String, ord: Int, kind: String?, digest: DigestRef, media_type: String, logical_name: String?,
                    store_uri: String) {
            self.role = role
            self.ord = ord
            self.kind = kind
            self.digest = digest
            self.media_type = media_type
            self.logical_name = logical_name
            self.store_uri = store_uri
        }
    }

    public static let schemaVersion = SchemaVersion.deployExecutionMetaLocal
    public var schema_version = ExecutionMetaLocal.schemaVersion
    public var mode = "local"
    public var artifact_kind = SchemaVersion.appPack
    public var target: Target
    public var outcome: DeployOutcome
    public var control_state: ControlState
    public var kill_scope = KillScope.none
    public var kill_latched = false
    public var pause_reason: String?
    public var started_unix_ms: Int64?
    public var updated_unix_ms: Int64
    public var ended_unix_ms: Int64?
    public var latest_decision_id: String?
    public var latest_signed_control_decision_id: String?
    public var last_incident_id: String?
    public var incident_count_total = 0
    public var incident_count_open = 0
    public var parent_exec_id: String?
    public var rerun_from_step_idx: Int?
    public var plan: DeployExecution.PlanRef?
    public var runtime: Runtime
    public var routing: Routing
    public var analysis: Analysis
    public var retry_budget: RetryBudget
    public var public_listener: String?
    public var artifacts: [Artifact]
    public var signature_status: RecordedSignatureStatus?
    /// Extension point of the contract: x07lpd records `remote` there (who asked, the run's
    /// app/env lease); the step machine keeps whatever is stored.
    public var ext: JSON? = [:]

    /// A fresh meta for a deployment about to start.
    public init(appId: String, environment: String, plan: DeployExecution.PlanRef?, publicListener: String,
                retryBudget: Int, nowUnixMs: Int64) {
        target = Target(app_id: appId, environment: environment)
        outcome = .unknown
        control_state = .active
        started_unix_ms = nowUnixMs
        updated_unix_ms = nowUnixMs
        self.plan = plan
        runtime = Runtime(stable: Slot(status: .planned), candidate: Slot(status: .planned))
        routing = Routing(public_listener: publicListener, candidate_weight_pct: 0)
        analysis = Analysis(last_slo_decision: .none)
        retry_budget = RetryBudget(max_attempts_per_step: retryBudget, consumed: [:])
        public_listener = publicListener
        artifacts = []
        signature_status = .notApplicable
    }

    /// The meta of a deployment that may never have run (a planned execution has none yet: it
    /// is started from what intake accepted).
    public static func current(of execution: DeployExecution, state: StateDirectory, nowUnixMs: Int64) throws -> ExecutionMetaLocal {
        if let meta = execution.localMeta { return meta }
        return current(of: execution, accepted: try AcceptedInputs.load(state: state, runId: execution.run_id), nowUnixMs: nowUnixMs)
    }

    /// The same, when the caller has already read what intake accepted.
    public static func current(of execution: DeployExecution, accepted: AcceptedInputs, nowUnixMs: Int64) -> ExecutionMetaLocal {
        execution.localMeta ?? ExecutionMetaLocal(appId: accepted.appId, environment: accepted.environment, plan: execution.plan,
                                            publicListener: RoutingRule.publicListener(execId: execution.exec_id),
                                            retryBudget: 3, nowUnixMs: nowUnixMs)
    }
}

extension ArtifactRef {
    /// The contracts' `stored_object`: this artifact attached under a role.
    public func stored(role: String, ord: Int = 0, kind: String?) -> ExecutionMetaLocal.Artifact {
        ExecutionMetaLocal.Artifact(role: role, ord: ord, kind: kind, digest: digest, media_type: media_type,
                                    logical_name: logical_name, store_uri: store_uri)
    }
}
