import LPCore
import LPState
/// `lp.deploy.execution@0.1.0`: the one document that flows through the deploy pipeline.
public struct DeployExecution: Codable, Equatable, Sendable {
    public struct Step: Codable, Equatable, Sendable {
        public var idx: Int
        public var name: String?
        public var kind: String?
        public var status: StepStatus
        public var started_unix_ms: Int64
        @Nullable public var ended_unix_ms: Int64?
        public var attempt: Int?
        public var latest_weight_pct: Int?
        public var analysis_decision: SLODecision?
        public var decisions: [String]?
        public var evidence: [TypedRef]?

        public init(idx: Int, name: String, kind: String, status: StepStatus, started_unix_ms: Int64) {
            self.idx = idx
            self.name = name
            self.kind = kind
            self.status = status
            self.started_unix_ms = started_unix_ms
            self.attempt = 1
            self.decisions = []
            self.evidence = []
        }
    }

    public struct PlanRef: Codable, Equatable, Sendable {
        public var kind = SchemaVersion.deployPlan
        public var digest: DigestRef
        public init(digest: DigestRef) { self.digest = digest }
    }

    public static let schemaVersion = SchemaVersion.deployExecution
    public var schema_version = DeployExecution.schemaVersion
    public var exec_id: String
    public var run_id: String
    public var created_unix_ms: Int64
    public var status: ExecutionStatus
    /// Written as `null` when absent (as the reference system does).
    @Nullable public var plan: PlanRef?
    public var steps: [Step]
    public var meta: ExecutionMeta?

    public init(exec_id: String, run_id: String, created_unix_ms: Int64, status: ExecutionStatus, plan: PlanRef? = nil,
                steps: [Step] = [], meta: ExecutionMeta? = nil) {
        self.exec_id = exec_id
        self.run_id = run_id
        self.created_unix_ms = created_unix_ms
        self.status = status
        self.plan = plan
        self.steps = steps
        self.meta = meta
    }

    /// The document.
    public func json() throws -> JSON { try JSON(encoding: self) }

    /// The local target's meta, once a run or a control action has written one.
    public var localMeta: ExecutionMetaLocal? {
        if case .local(let meta)? = meta { return meta }
        return nil
    }
}

/// An execution's `meta`: the local target's `lp.deploy.execution.meta.local@0.1.0`, or the
/// marker intake writes on an execution it rejected. Anything else is a damaged record.
public enum ExecutionMeta: Codable, Equatable, Sendable {
    case local(ExecutionMetaLocal)
    case intakeRejected

    private static let rejected: JSON = ["outcome": "rejected"]

    public init(from decoder: Decoder) throws {
        let json = try JSON(from: decoder)
        if json == Self.rejected {
            self = .intakeRejected
        } else if json["schema_version"] == .string(ExecutionMetaLocal.schemaVersion) {
            self = .local(try json.decode(ExecutionMetaLocal.self))
        } else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "meta is neither \(ExecutionMetaLocal.schemaVersion) nor intake's rejection"))
        }
    }

    public func encode(to encoder: Encoder) throws {
        switch self {
        case .local(let meta): try meta.encode(to: encoder)
        case .intakeRejected: try Self.rejected.encode(to: encoder)
        }
    }
}
