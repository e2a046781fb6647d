import LPCore
import LPState
/// `lp.pipeline.run@0.1.0`: one run of a stage, its inputs, steps (each with its stored report)
/// and the decisions it made.
public struct PipelineRun: Codable, Equatable, Sendable {
    public struct ChangeRef: Codable, Equatable, Sendable {
        public var change_id: String
        public var artifact: TypedRef
        public init(change_id: String, artifact: TypedRef) {
            self.change_id = change_id
            self.artifact = artifact
        }
    }
    public struct Manifest: Codable, Equatable, Sendable {
        public var kind: String
        public var digest: DigestRef
        public init(kind: String, digest: DigestRef) {
            self.kind = kind
            self.digest = digest
        }
    }
    public struct Artifact: Codable, Equatable, Sendable {
        public var kind: String
        public var manifest: Manifest
        public var profile_id: String?
        public init(kind: String, manifest: Manifest, profile_id: String?) {
            self.kind = kind
            self.manifest = manifest
            self.profile_id = profile_id
        }
    }
    public struct Inputs: Codable, Equatable, Sendable {
        public var change_request: ChangeRef?
        public var artifact: Artifact
        public var vcs: JSON?
        public init(change_request: ChangeRef?, artifact: Artifact, vcs: JSON?) {
            self.change_request = change_request
            self.artifact = artifact
            self.vcs = vcs
        }
    }
    public struct Step: Codable, Equatable, Sendable {
        public var step_id: String
        public var kind: String
        public var status: String
        public var attempt: Int?
        public var started_unix_ms: Int64
        @Nullable public var ended_unix_ms: Int64?
        public var inputs: [TypedRef]
        public var outputs: [TypedRef]
        public var message: String?

        public init(step_id: String, kind: String, status: String, attempt: Int?, started_unix_ms: Int64,
                    ended_unix_ms: Int64?, inputs: [TypedRef], outputs: [TypedRef], message: String?) {
            self.step_id = step_id
            self.kind = kind
            self.status = status
            self.attempt = attempt
            self.started_unix_ms = started_unix_ms
            self.ended_unix_ms = ended_unix_ms
            self.inputs = inputs
            self.outputs = outputs
            self.message = message
        }
    }
    public struct DecisionRef: Codable, Equatable, Sendable {
        public var decision_id: String
        public var record: TypedRef
        public init(decision_id: String, record: TypedRef) {
            self.decision_id = decision_id
            self.record = record
        }
    }
    public struct State: Codable, Equatable, Sendable {
        public var stage: String
        public var status: String
        /// `null` when no step is running.
        @Nullable public var current_step: String?
        public init(stage: String, status: String, current_step: String?) {
            self.stage = stage
            self.status = status
            self.current_step = current_step
        }
    }

    public static let schemaVersion = SchemaVersion.pipelineRun
    public var schema_version = PipelineRun.schemaVersion
    public var run_id: String
    public var created_unix_ms: Int64
    public var mode = "local"
    public var inputs: Inputs
    public var steps: [Step]
    public var decisions: [DecisionRef]
    public var state: State
    public var meta: JSON?

    public init(run_id: String, created_unix_ms: Int64, inputs: Inputs, steps: [Step], decisions: [DecisionRef],
                state: State, meta: JSON? = nil) {
        self.run_id = run_id
        self.created_unix_ms = created_unix_ms
        self.inputs = inputs
        self.steps = steps
        self.decisions = decisions
        self.state = state
        self.meta = meta
    }

    /// The document.
    public func json() throws -> JSON { try JSON(encoding: self) }
}
