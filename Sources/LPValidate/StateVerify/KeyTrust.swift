import LPCore
import LPState
import LPModel

/// Which public keys `state verify` trusts for decision signatures, and why (docs/state.md#trusted-keys).
///
/// Keys from outside the writable state are anchors: `--trusted-key PEM` (repeatable),
/// `$X07LP_TRUSTED_KEYS` (PEM files separated by `:`) and `--trusted-keyid KEYID` (pins a key of
/// `keys/` by its fingerprint, the SHA-256 of the raw key). With an anchor, only anchored keys
/// are trusted: a signature by a key that is only in `keys/` is LP_STATE_SIGNATURE_UNKNOWN_KEY.
/// Without one, the keys in `keys/` are trusted on first use, and the result lists them with their
/// key ids (and a note each), so a replaced key shows as a new key id.
struct KeyTrust {
    struct Entry {
        var keyId: String
        var source: String
        /// `given`, `pinned`, `trusted_on_first_use` or `not_trusted`.
        var trust: String

        var json: JSON { ["keyid": .string(keyId), "source": .string(source), "trust": .string(trust)] }
    }

    var trusted: [Ed25519.PublicKey] = []
    var entries: [Entry] = []
    var problems: [StateFinding] = []
    var notes: [StateFinding] = []

    init(state: StateDirectory, given: [(key: Ed25519.PublicKey, origin: String)], pinned: Set<String>,
         environment: [String: String]) {
        let fromEnvironment = DecisionSignatures.environmentKeys(environment)
        let external = given + fromEnvironment.keys
        let anchored = !external.isEmpty || !pinned.isEmpty
        for (key, origin) in external {
            trusted.append(key)
            entries.append(Entry(keyId: key.keyId, source: origin, trust: "given"))
        }
        let stateKeys = DecisionSignatures.stateKeys(state: state)
        for (key, path) in stateKeys.keys {
            if external.contains(where: { $0.key == key }) { continue }
            if pinned.contains(key.keyId) {
                trusted.append(key)
                entries.append(Entry(keyId: key.keyId, source: path, trust: "pinned"))
            } else if anchored {
                entries.append(Entry(keyId: key.keyId, source: path, trust: "not_trusted"))
            } else {
                trusted.append(key)
                entries.append(Entry(keyId: key.keyId, source: path, trust: "trusted_on_first_use"))
                notes.append(StateFinding("LP_STATE_KEY_TOFU", path,
                                          "key \(key.keyId) trusted on first use from keys/ (the writable state): pin it with "
                                          + "--trusted-keyid, or pass --trusted-key / $\(DecisionSignatures.trustedKeysVariable)"))
            }
        }
        for keyId in pinned.sorted() where !stateKeys.keys.contains(where: { $0.key.keyId == keyId })
            && !external.contains(where: { $0.key.keyId == keyId }) {
            problems.append(StateFinding("LP_STATE_KEY_PINNED_MISSING", StateDirectory.keys,
                                         "--trusted-keyid \(keyId) pins a key that is not in keys/"))
        }
        problems += stateKeys.unreadable.map {
            StateFinding("LP_STATE_KEY_INVALID", $0, "not an Ed25519 public key in PEM; signatures by it cannot be checked")
        }
        problems += fromEnvironment.unreadable.map {
            StateFinding("LP_STATE_KEY_INVALID", StateDirectory.keys,
                         "$\(DecisionSignatures.trustedKeysVariable) names \($0), which holds no readable Ed25519 public key")
        }
    }

    var json: JSON { .array(entries.map(\.json)) }
}
