/// `lp.deploy.execution@0.1.0`: the one document that flows through the deploy pipeline.
public struct DeployExecution: Codable, Equatable, Sendable {
    public struct Step: Codable, Equatable, Sendable {
        public var idx: Int
        public var name: String?
        public var kind: String?
        public var status: String
        public var started_unix_ms: Int64
        public var ended_unix_ms: Int64?
        public var attempt: Int?
        public var latest_weight_pct: Int?
        public var analysis_decision: String?
        public var decisions: [String]?
        public var evidence: [TypedRef]?

        enum CodingKeys: String, CodingKey {
            case idx, name, kind, status, started_unix_ms, ended_unix_ms, attempt, latest_weight_pct, analysis_decision
            case decisions, evidence
        }

        /// `ended_unix_ms` is required by the contract, so a running step writes it as `null`.
        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(idx, forKey: .idx)
            try c.encodeIfPresent(name, forKey: .name)
            try c.encodeIfPresent(kind, forKey: .kind)
            try c.encode(status, forKey: .status)
            try c.encode(started_unix_ms, forKey: .started_unix_ms)
            try c.encode(ended_unix_ms, forKey: .ended_unix_ms)
            try c.encodeIfPresent(attempt, forKey: .attempt)
            try c.encodeIfPresent(latest_weight_pct, forKey: .latest_weight_pct)
            try c.encodeIfPresent(analysis_decision, forKey: .analysis_decision)
            try c.encodeIfPresent(decisions, forKey: .decisions)
            try c.encodeIfPresent(evidence, forKey: .evidence)
        }

        public init(idx: Int, name: String, kind: String, status: String, started_unix_ms: Int64) {
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
        public var kind = "x07.deploy.plan@0.2.0"
        public var digest: DigestRef
        public init(digest: DigestRef) { self.digest = digest }
    }

    public static let schemaVersion = "lp.deploy.execution@0.1.0"
    public var schema_version = DeployExecution.schemaVersion
    public var exec_id: String
    public var run_id: String
    public var created_unix_ms: Int64
    public var status: String
    public var plan: PlanRef?
    public var steps: [Step]
    public var meta: JSON?

    public init(exec_id: String, run_id: String, created_unix_ms: Int64, status: String, plan: PlanRef? = nil,
                steps: [Step] = [], meta: JSON? = nil) {
        self.exec_id = exec_id
        self.run_id = run_id
        self.created_unix_ms = created_unix_ms
        self.status = status
        self.plan = plan
        self.steps = steps
        self.meta = meta
    }

    /// The document; `plan` is written as `null` when absent (as the reference system does).
    public func json() throws -> JSON {
        let encoded = try JSON(encoding: self)
        return encoded["plan"] == nil ? encoded.setting("plan", .null) : encoded
    }
}
