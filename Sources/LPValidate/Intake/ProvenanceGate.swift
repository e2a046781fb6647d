import LPCore
import LPState
import LPModel
import LPStage
import Foundation

/// Verifies a DSSE envelope carrying an in-toto Statement v1 with a SLSA v1 predicate: a signature
/// by a trusted Ed25519 key over the DSSE pre-authentication encoding, a subject whose sha256 is
/// the pack manifest digest, and `predicate.x07.*_sha256` equal to the files given.
/// Each failure has its own code: an untrusted key, a signature that does not verify (tampered
/// payload), a subject or pinned digest that does not match.
enum ProvenanceGate {
    static let payloadType = "application/vnd.in-toto+json"
    static let predicateType = "https://slsa.dev/provenance/v1"

    struct Subjects {
        var manifest: DigestRef
        var ops: ContractDocument?
        var slo: ContractDocument?
    }

    /// Returns the findings and, when the payload decodes, the statement (a policy target).
    static func check(envelope: ContractDocument, trustedKeys: [Ed25519.PublicKey], catalog: ContractCatalog,
                      subjects: Subjects) -> ([Finding], JSON?) {
        var findings: [Finding] = []
        let type = envelope.json["payloadType"]?.stringValue ?? ""
        guard type == payloadType else {
            return ([.error("LP_PROVENANCE_PAYLOAD_TYPE", "DSSE payloadType is \(type), expected \(payloadType)")], nil)
        }
        guard let payloadText = envelope.json["payload"]?.stringValue,
              let payloadData = Data(base64Encoded: payloadText) else {
            return ([.error("LP_PROVENANCE_PAYLOAD_INVALID", "DSSE payload is not base64")], nil)
        }
        let payload = [UInt8](payloadData)
        findings += verifySignatures(envelope.json["signatures"]?.arrayValue ?? [], payload: payload, keys: trustedKeys)

        let statement: JSON
        do {
            statement = try InputDocument(bytes: payload, source: "provenance payload").json
            try catalog.validate(statement, as: SchemaVersion.provenanceSLSAAttestation, source: "provenance payload")
        } catch let error as LPError {
            let detail = error.diagnostics.first?.message ?? "invalid"
            return (findings + [.error("LP_PROVENANCE_STATEMENT_INVALID", "the payload is not an in-toto v1 statement: \(detail)")], nil)
        } catch {
            return (findings + [.error("LP_PROVENANCE_STATEMENT_INVALID", "the payload is not an in-toto v1 statement")], nil)
        }
        if statement["predicateType"]?.stringValue != predicateType {
            findings.append(.error("LP_PROVENANCE_PREDICATE_TYPE",
                                   "predicateType is \(statement["predicateType"]?.stringValue ?? "missing"), expected \(predicateType)"))
        }
        let subjectDigests = (statement["subject"]?.arrayValue ?? []).compactMap { $0["digest"]?["sha256"]?.stringValue }
        if subjectDigests.contains(subjects.manifest.sha256) {
            findings.append(.info("LP_PROVENANCE_SUBJECT_OK", "a subject digest equals the pack manifest sha256"))
        } else {
            findings.append(.error("LP_PROVENANCE_SUBJECT_MISMATCH",
                                   "no subject digest equals the pack manifest sha256 \(subjects.manifest.sha256)"))
        }
        let pins: [(String, String?, String)] = [
            ("pack_manifest_sha256", subjects.manifest.sha256, "the pack manifest"),
            ("ops_profile_sha256", subjects.ops?.rawDigest.sha256, "--ops"),
            ("slo_profile_sha256", subjects.slo?.rawDigest.sha256, "--slo"),
        ]
        for (field, actual, what) in pins {
            guard let pinned = statement["predicate"]?["x07"]?[field]?.stringValue, let actual else { continue }
            if pinned != actual {
                findings.append(.error("LP_PROVENANCE_DIGEST_MISMATCH", "predicate.x07.\(field) is \(pinned), but \(what) has \(actual)",
                                       subject: field))
            }
        }
        return (findings, statement)
    }

    /// DSSE v1 pre-authentication encoding: "DSSEv1" SP len(type) SP type SP len(body) SP body.
    static func pae(type: String, body: [UInt8]) -> [UInt8] {
        Array("DSSEv1 \(type.utf8.count) \(type) \(body.count) ".utf8) + body
    }

    private static func verifySignatures(_ signatures: [JSON], payload: [UInt8], keys: [Ed25519.PublicKey]) -> [Finding] {
        guard !keys.isEmpty else {
            return [.error("LP_PROVENANCE_NO_TRUSTED_KEY", "no --trusted-key given, so no signature can be trusted")]
        }
        let message = pae(type: payloadType, body: payload)
        var sawTrustedKey = false
        for signature in signatures {
            guard let sigText = signature["sig"]?.stringValue, let sig = Data(base64Encoded: sigText) else { continue }
            let keyId = signature["keyid"]?.stringValue
            let candidates = keys.filter { keyId == nil || $0.keyId == keyId }
            sawTrustedKey = sawTrustedKey || (keyId != nil && !candidates.isEmpty)
            if let key = candidates.first(where: { Ed25519.verify([UInt8](sig), of: message, with: $0) }) {
                return [.info("LP_PROVENANCE_SIGNATURE_OK", "signature verified with trusted key \(key.keyId)", subject: key.keyId)]
            }
        }
        if sawTrustedKey {
            return [.error("LP_PROVENANCE_SIGNATURE_INVALID",
                           "the signature by a trusted key does not verify: the payload was changed after signing")]
        }
        return [.error("LP_PROVENANCE_UNTRUSTED_KEY", "no signature was made by a --trusted-key")]
    }
}
