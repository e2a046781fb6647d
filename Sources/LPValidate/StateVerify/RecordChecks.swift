import LPCore
import LPState
import LPModel
import LPIndex

/// What checking one record file found, and what the reference pass needs from it.
struct RecordOutcome {
    var path: String
    var digest: DigestRef
    var references: [RecordReference] = []
    var findings: [StateFinding] = []
    var isDecision = false
    var signatures = 0
    /// The parsed record, kept for the cross-record checks (`ExecutionChecks`) when they need it.
    var document: JSON?
}

/// Checks of one record over its bytes: JSON, the schema its place requires, its contract, its
/// file name against its id, and for decisions the integrity block.
enum RecordChecks {
    static func check(_ file: RecordFile, bytes: [UInt8], validator: RecordValidator,
                      trustedKeys: [Ed25519.PublicKey]) -> RecordOutcome {
        var outcome = RecordOutcome(path: file.path, digest: DigestRef(of: bytes))
        let record: JSON
        do { record = try JSONParser.parse(bytes) } catch {
            outcome.findings.append(StateFinding("LP_STATE_RECORD_INVALID", file.path, "not JSON: \(error)"))
            return outcome
        }
        if ExecutionChecks.Evidence.keeps(file.kind) { outcome.document = record }
        let declared = record["schema_version"]?.stringValue
        if let expected = file.expectedSchema, declared?.split(separator: "@").first.map(String.init) != expected {
            outcome.findings.append(StateFinding("LP_STATE_RECORD_INVALID", file.path,
                                                 "schema_version is \(record["schema_version"]?.canonicalString ?? "missing"); a record here is \(expected)@…"))
        }
        if let declared, let violations = validator.violations(of: record, schemaVersion: declared), !violations.isEmpty {
            let shown = violations.prefix(3).joined(separator: "; ")
            let more = violations.count > 3 ? " (and \(violations.count - 3) more)" : ""
            outcome.findings.append(StateFinding("LP_STATE_RECORD_INVALID", file.path, "does not satisfy \(declared): \(shown)\(more)"))
        }
        if let field = file.idField, let id = file.expectedId, record[field] != .string(id) {
            outcome.findings.append(StateFinding("LP_STATE_RECORD_NAME", file.path,
                                                 "\(field) is \(record[field]?.canonicalString ?? "missing") but the record is stored as \(id)"))
        }
        if file.kind == .decision {
            let (findings, signatures) = DecisionChecks.check(file.path, record, trustedKeys: trustedKeys)
            outcome.findings += findings
            outcome.isDecision = true
            outcome.signatures = signatures
        }
        outcome.references = RecordReferences.extract(file.kind, record)
        return outcome
    }
}

/// The integrity block of a decision: `record_sha256` over the record without `integrity`, and
/// every signature against the trusted keys (`DecisionSignatures`). Unsigned decisions (intake,
/// analysis) are valid; signed ones (control actions) must verify.
enum DecisionChecks {
    static func check(_ path: String, _ record: JSON, trustedKeys: [Ed25519.PublicKey]) -> ([StateFinding], signatures: Int) {
        var findings: [StateFinding] = []
        let recorded = record["integrity"]?["record_sha256"]
        let actual = SHA256.hex(DecisionSignatures.signedBytes(record))
        if recorded != .string(actual) {
            findings.append(StateFinding("LP_STATE_DECISION_DIGEST", path,
                                         "integrity.record_sha256 is \(recorded?.canonicalString ?? "missing"), the record hashes to \"\(actual)\""))
        }
        let signatures = record["integrity"]?["signatures"]?.arrayValue ?? []
        guard !signatures.isEmpty else { return (findings, 0) }
        let keyIds = signatures.map { $0["keyid"]?.stringValue ?? "(none)" }.joined(separator: ", ")
        switch DecisionSignatures.verify(record, trustedKeys: trustedKeys) {
        case .invalid:
            findings.append(StateFinding("LP_STATE_SIGNATURE_INVALID", path,
                                         "the signed decision does not verify (keyid \(keyIds)): the record changed after signing or a signature is damaged"))
        case .unknownKey:
            findings.append(StateFinding("LP_STATE_SIGNATURE_UNKNOWN_KEY", path,
                                         "signed by a key that is not trusted (keyid \(keyIds)): not given with --trusted-key or $X07LP_TRUSTED_KEYS, not pinned with --trusted-keyid, and, when one of those is used, not trusted just for being in keys/"))
        case .valid, .unsigned:
            break
        }
        return (findings, signatures.count)
    }
}
