import LPCore

/// `lp.device.release.execution@0.2.0`: one run of a device release plan, rewritten after
/// every step and control (`device_release/executions/<exec_id>.json`, owned by
/// `DeviceExecutionStore`). `meta` holds the contract's release state plus the engine's own
/// bookkeeping (the contract leaves it open).
public struct DeviceReleaseExecution: Codable, Equatable, Sendable {
    public struct PlanRef: Codable, Equatable, Sendable {
        public var kind = SchemaVersion.deviceReleasePlan
        public var digest: DigestRef

        public init(digest: DigestRef) { self.digest = digest }
    }

    public struct Step: Codable, Equatable, Sendable {
        public var idx: Int
        public var name: String
        public var kind: String
        public var status: StepStatus
        public var started_unix_ms: Int64
        @Nullable public var ended_unix_ms: Int64?
        public var latest_rollout_percent: Int?
        public var store_release_id: String?
        public var decisions: [String]
        public var evidence: [TypedRef]

        public init(idx: Int, name: String, kind: String, status: StepStatus, started_unix_ms: Int64, ended_unix_ms: Int64?,
                    decisions: [String]) {
            self.idx = idx
            self.name = name
            self.kind = kind
            self.status = status
            self.started_unix_ms = started_unix_ms
            self.ended_unix_ms = ended_unix_ms
            self.decisions = decisions
            self.evidence = []
        }
    }

    /// An incident of this release as its meta lists it.
    public struct LinkedIncident: Codable, Equatable, Sendable {
        public var incident_id: String
        public var classification: String
        @Nullable public var native_classification: NativeClassification?
        public var reason: String
        public var source: String
        public var incident_status: String
        public var captured_unix_ms: Int64
        public var regression_status: String
        @Nullable public var regression_id: String?

        public init(incident_id: String, classification: String, native_classification: NativeClassification?, reason: String,
                    source: String, incident_status: String, captured_unix_ms: Int64, regression_status: String,
                    regression_id: String?) {
            self.incident_id = incident_id
            self.classification = classification
            self.native_classification = native_classification
            self.reason = reason
            self.source = source
            self.incident_status = incident_status
            self.captured_unix_ms = captured_unix_ms
            self.regression_status = regression_status
            self.regression_id = regression_id
        }
    }

    /// A decision of this release as its meta lists it (the record is `decisions/<id>.json`).
    public struct DecisionSummary: Codable, Equatable, Sendable {
        public var decision_id: String
        public var kind: String
        public var outcome: DecisionOutcome
        public var created_unix_ms: Int64
        @Nullable public var step_idx: Int?
        public var reasons: [DecisionRecord.Reason]

        public init(_ record: DecisionRecord, stepIdx: Int?) {
            decision_id = record.decision_id
            kind = record.kind
            outcome = record.outcome
            created_unix_ms = record.created_unix_ms
            step_idx = stepIdx
            reasons = record.reasons
        }
    }

    /// A document the release points at, where it is stored.
    public struct Artifact: Codable, Equatable, Sendable {
        public var role: String
        public var kind: String?
        public var digest: DigestRef
        public var media_type = "application/json"
        public var store_uri: String

        public init(role: String, kind: String?, digest: DigestRef, store_uri: String) {
            self.role = role
            self.kind = kind
            self.digest = digest
            self.store_uri = store_uri
        }
    }

    public struct Meta: Codable, Equatable, Sendable {
        public var provider_id: String
        public var provider_kind: StoreProviderKind
        public var distribution_lane: DistributionLane
        public var target: ReleaseTarget
        public var app: DeviceReleasePlan.App
        public var package_digest: DigestRef
        public var native_summary: NativeSummary
        public var release_readiness: ReleaseReadiness
        /// The store's capability matrix for this provider and lane (`lp.adapter.capabilities` shape).
        public var capabilities: JSON
        public var current_state: StoreState
        @Nullable public var current_rollout_percent: Int?
        @Nullable public var latest_store_release_id: String?
        @Nullable public var latest_metrics_snapshot: TypedRef?
        @Nullable public var latest_slo_eval_report: TypedRef?
        public var latest_eval_outcome: EvalOutcome
        /// Observations read so far (the next reads `analysis.<analysis_seq + 1>.jsonl`).
        public var analysis_seq: Int
        @Nullable public var latest_native_health_rollup: NativeHealthRollup?
        @Nullable public var latest_native_incident_id: String?
        @Nullable public var latest_regression_id: String?
        public var latest_regression_status: String
        public var native_incident_count: Int
        public var linked_incidents: [LinkedIncident]
        @Nullable public var last_incident_id: String?
        public var incident_count_total: Int
        public var incident_count_open: Int
        public var automation_state: AutomationState
        public var next_step_idx: Int
        @Nullable public var parent_exec_id: String?
        @Nullable public var rerun_from_step_idx: Int?
        @Nullable public var latest_decision_id: String?
        @Nullable public var latest_signed_control_decision_id: String?
        public var signature_status: RecordedSignatureStatus
        public var decision_count: Int
        public var decisions: [DecisionSummary]
        public var artifacts: [Artifact]
        /// State-relative paths: the package as created, and as staged for this execution.
        public var source_package_manifest_path: String
        public var staged_package_root: String
        public var staged_package_manifest_path: String
        public var updated_unix_ms: Int64

        public init(plan: DeviceReleasePlan, providerKind: StoreProviderKind, lane: DistributionLane, capabilities: JSON,
                    sourceManifest: String, stagedRoot: String, stagedManifest: String, nowUnixMs: Int64) {
            provider_id = plan.provider_profile.provider_id ?? "unknown"
            provider_kind = providerKind
            distribution_lane = lane
            target = plan.target
            app = plan.app
            package_digest = plan.package.digest
            native_summary = plan.native_summary
            release_readiness = plan.release_readiness
            self.capabilities = capabilities
            current_state = .draft
            latest_eval_outcome = .none
            analysis_seq = 0
            latest_native_health_rollup = NativeHealthRollup()
            latest_regression_status = "not_requested"
            native_incident_count = 0
            linked_incidents = []
            incident_count_total = 0
            incident_count_open = 0
            automation_state = .active
            next_step_idx = 0
            signature_status = .notApplicable
            decision_count = 0
            decisions = []
            artifacts = []
            source_package_manifest_path = sourceManifest
            staged_package_root = stagedRoot
            staged_package_manifest_path = stagedManifest
            updated_unix_ms = nowUnixMs
        }
    }

    public var schema_version = SchemaVersion.deviceReleaseExecution
    public var exec_id: String
    public var plan_id: String
    public var run_id: String
    public var created_unix_ms: Int64
    public var status: ExecutionStatus
    @Nullable public var plan: PlanRef?
    public var steps: [Step]
    public var meta: Meta

    public init(exec_id: String, plan_id: String, run_id: String, created_unix_ms: Int64, plan: PlanRef, meta: Meta) {
        self.exec_id = exec_id
        self.plan_id = plan_id
        self.run_id = run_id
        self.created_unix_ms = created_unix_ms
        self.status = .started
        self.plan = plan
        self.steps = []
        self.meta = meta
    }

    /// Adds a step record, replacing one with the same index and kind.
    public mutating func record(_ step: Step) {
        steps.removeAll { $0.idx == step.idx && $0.kind == step.kind }
        steps.append(step)
        steps.sort { $0.idx < $1.idx }
    }

    /// Counts a decision written to `ref`: listed in `meta.decisions`, its record in `meta.artifacts`.
    public mutating func count(_ record: DecisionRecord, stepIdx: Int?, ref: ArtifactRef) {
        meta.decision_count += 1
        meta.latest_decision_id = record.decision_id
        meta.decisions.append(DecisionSummary(record, stepIdx: stepIdx))
        meta.artifacts.append(Artifact(role: "decision_record", kind: DecisionRecord.schemaVersion, digest: ref.digest,
                                       store_uri: ref.store_uri))
    }
}
