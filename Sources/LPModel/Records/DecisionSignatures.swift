import LPCore
import LPState
import Foundation

/// What checking the signatures of a decision record found.
public enum SignatureStatus: String, Sendable {
    /// Every signature names a trusted key and verifies, and `record_sha256` matches.
    case valid
    /// A signature fails, is malformed (not canonical base64, unknown members), or the integrity
    /// block is missing or does not match the record.
    case invalid
    /// `integrity.signatures` is empty (and `record_sha256` matches).
    case unsigned
    /// No signature fails, but at least one was made by a key that is not trusted.
    case unknownKey = "unknown_key"
}

/// Verification of `integrity` blocks of `lp.decision.record@0.1.0` (signed by `ControlSigner`).
public enum DecisionSignatures {
    /// The bytes `record_sha256` hashes and signatures sign: the canonical (RFC 8785) bytes of the
    /// record with its `integrity` member removed.
    public static func signedBytes(_ record: JSON) -> [UInt8] {
        guard case .object(var members) = record else { return record.canonicalBytes }
        members.removeValue(forKey: "integrity")
        return JSON.object(members).canonicalBytes
    }

    /// A signature without `keyid` counts as made by an unknown key unless a trusted key verifies it.
    public static func verify(_ record: JSON, trustedKeys: [Ed25519.PublicKey]) -> SignatureStatus {
        guard case .object(let integrity)? = record["integrity"],
              Set(integrity.keys).isSubset(of: ["record_sha256", "signatures"]),
              let recorded = integrity["record_sha256"]?.stringValue,
              let signatures = integrity["signatures"]?.arrayValue else { return .invalid }
        let bytes = signedBytes(record)
        guard SHA256.hex(bytes) == recorded else { return .invalid }
        if signatures.isEmpty { return .unsigned }
        let keys = Dictionary(trustedKeys.map { ($0.keyId, $0) }, uniquingKeysWith: { first, _ in first })
        var unknownKey = false
        for entry in signatures {
            guard case .object(let fields) = entry, Set(fields.keys).isSubset(of: ["keyid", "sig"]),
                  let text = fields["sig"]?.stringValue, let signature = canonicalBase64(text) else { return .invalid }
            switch fields["keyid"] {
            case .string(let keyId)?:
                guard let key = keys[keyId] else { unknownKey = true; continue }
                if !Ed25519.verify(signature, of: bytes, with: key) { return .invalid }
            case nil:
                if !trustedKeys.contains(where: { Ed25519.verify(signature, of: bytes, with: $0) }) { unknownKey = true }
            default:
                return .invalid
            }
        }
        return unknownKey ? .unknownKey : .valid
    }

    /// The public keys of every `keys/*.pub.pem` in the state (unreadable files are skipped).
    public static func trustedKeys(state: StateDirectory) -> [Ed25519.PublicKey] {
        loadTrustedKeys(state: state).keys
    }

    /// The keys of every `keys/*.pub.pem` (in file-name order), and the paths (relative to the
    /// state) of those that are not Ed25519 public keys in PEM.
    public static func loadTrustedKeys(state: StateDirectory) -> (keys: [Ed25519.PublicKey], unreadable: [String]) {
        let found = stateKeys(state: state)
        return (found.keys.map(\.key), found.unreadable)
    }

    /// The status of the decision record `decisions/<id>.json` checked now, from its file, for a
    /// view that shows a signature status (never the status a record or the index remembers). A
    /// missing or unreadable record is `.invalid`-like for display: the caller shows `missing`.
    public static func check(decisionId: String, state: StateDirectory, trustedKeys: [Ed25519.PublicKey]) -> SignatureStatus? {
        guard let bytes = try? state.read(StateDirectory.decisionRecord(decisionId)) else { return nil }
        guard let record = try? JSONParser.parse(bytes) else { return .invalid }
        return verify(record, trustedKeys: trustedKeys)
    }

    /// The `signature_status` a view shows for a record that rests on the signed decision
    /// `decisionId` (an execution's `latest_signed_control_decision_id`), checked now: `valid` only
    /// when the record verifies against a trusted key; `invalid` when it changed after signing or
    /// its key is not trusted; `missing` when the decision is gone or carries no signature.
    public static func viewStatus(signedDecisionId decisionId: String?, state: StateDirectory,
                                  trustedKeys: [Ed25519.PublicKey]) -> RecordedSignatureStatus {
        guard let decisionId else { return .notApplicable }
        switch check(decisionId: decisionId, state: state, trustedKeys: trustedKeys) {
        case nil, .unsigned?: return .missing
        case .valid?: return .valid
        case .invalid?, .unknownKey?: return .invalid
        }
    }

    /// Trusted keys from outside the state: every PEM public key in the files named by
    /// `$X07LP_TRUSTED_KEYS` (paths separated by `:`; a file may hold several keys). Returns the
    /// keys with where each came from, and the files that could not be read or hold no key.
    public static func environmentKeys(_ environment: [String: String]) -> (keys: [(key: Ed25519.PublicKey, origin: String)], unreadable: [String]) {
        guard let list = environment[trustedKeysVariable], !list.isEmpty else { return ([], []) }
        var keys: [(key: Ed25519.PublicKey, origin: String)] = []
        var unreadable: [String] = []
        for path in list.split(separator: ":").map(String.init) where !path.isEmpty {
            guard let data = FileManager.default.contents(atPath: path), data.count <= 1 << 20 else {
                unreadable.append(path)
                continue
            }
            let found = publicKeys(inPEM: [UInt8](data))
            if found.isEmpty { unreadable.append(path) }
            keys += found.map { ($0, "$\(trustedKeysVariable): \(path)") }
        }
        return (keys, unreadable)
    }

    /// The environment variable naming files of trusted public keys.
    public static let trustedKeysVariable = "X07LP_TRUSTED_KEYS"

    /// Every `PUBLIC KEY` block of a PEM file that is an Ed25519 key.
    public static func publicKeys(inPEM bytes: [UInt8]) -> [Ed25519.PublicKey] {
        let text = String(decoding: bytes, as: UTF8.self)
        let end = "-----END PUBLIC KEY-----"
        return text.components(separatedBy: end).dropLast().compactMap { block in
            try? Ed25519.publicKey(pem: Array((block + end + "\n").utf8))
        }
    }

    /// The keys of every `keys/*.pub.pem` with their paths (relative to the state), in file-name
    /// order, and the paths of files that are not Ed25519 public keys in PEM.
    public static func stateKeys(state: StateDirectory) -> (keys: [(key: Ed25519.PublicKey, path: String)], unreadable: [String]) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: state.path(StateDirectory.keys))) ?? []
        var keys: [(key: Ed25519.PublicKey, path: String)] = []
        var unreadable: [String] = []
        for name in names.sorted() where name.hasSuffix(".pub.pem") && !name.hasPrefix(".") {
            let relative = StateDirectory.keys + "/" + name
            if let pem = try? state.read(relative), let key = try? Ed25519.publicKey(pem: pem) {
                keys.append((key, relative))
            } else {
                unreadable.append(relative)
            }
        }
        return (keys, unreadable)
    }

    /// Decodes standard base64 only when `text` is exactly how the decoded bytes encode, so two
    /// spellings of one signature (e.g. non-zero padding bits) cannot both pass.
    static func canonicalBase64(_ text: String) -> [UInt8]? {
        guard let data = Data(base64Encoded: text), data.base64EncodedString() == text else { return nil }
        return [UInt8](data)
    }
}
