import LPCore
import LPState
/// `lp.decision.record@0.1.0`: every gate and step outcome, with reasons and evidence.
/// `integrity.record_sha256` is the SHA-256 of the canonical record without its `integrity`
/// member; signatures (control actions) sign those same bytes.
public struct DecisionRecord: Codable, Equatable, Sendable {
    public struct Reason: Codable, Equatable, Sendable {
        public var code: String
        public var message: String?
        public init(code: String, message: String? = nil) {
            self.code = code
            self.message = message
        }
    }
    public struct Subject: Codable, Equatable, Sendable {
        public var artifact: TypedRef
    }
    public struct Signature: Codable, Equatable, Sendable {
        public var keyid: String?
        public var sig: String
        public init(keyid: String?, sig: String) {
            self.keyid = keyid
            self.sig = sig
        }
    }
    public struct Integrity: Codable, Equatable, Sendable {
        public var record_sha256: String
        public var signatures: [Signature]
    }

    public static let schemaVersion = SchemaVersion.decisionRecord
    public var schema_version = DecisionRecord.schemaVersion
    public var decision_id: String
    public var run_id: String
    public var created_unix_ms: Int64
    public var kind: String
    public var outcome: DecisionOutcome
    public var reasons: [Reason]
    public var evidence: [TypedRef]
    public var subject: Subject?
    public var integrity: Integrity
    public var meta: JSON?

    public init(decision_id: String, run_id: String, created_unix_ms: Int64, kind: String, outcome: DecisionOutcome,
                reasons: [Reason], evidence: [TypedRef], subject: TypedRef?, meta: JSON?) throws {
        self.decision_id = decision_id
        self.run_id = run_id
        self.created_unix_ms = created_unix_ms
        self.kind = kind
        self.outcome = outcome
        self.reasons = reasons
        self.evidence = evidence
        self.subject = subject.map { Subject(artifact: $0) }
        self.meta = meta
        self.integrity = Integrity(record_sha256: "", signatures: [])
        self.integrity.record_sha256 = try DecisionRecord.recordSHA256(of: JSON(encoding: self))
    }

    /// SHA-256 (hex) of the canonical record with `integrity` removed.
    public static func recordSHA256(of record: JSON) -> String {
        guard case .object(var members) = record else { return SHA256.hex(record.canonicalBytes) }
        members.removeValue(forKey: "integrity")
        return SHA256.hex(JSON.object(members).canonicalBytes)
    }
}
