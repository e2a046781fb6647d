import LPCore
import LPState
import LPModel
import LPIndex
import LPStage
import LPIncident
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The Ed25519 key that signs control decisions (docs/deploy.md#control-actions).
///
/// Without `--signing-key`, the key is `<state>/keys/control.ed25519.key.pem` (PKCS#8 PEM, mode
/// 0600, in a 0700 `keys/` directory), created on first use together with
/// `keys/control.ed25519.pub.pem` (0644). With `--signing-key FILE`, that key signs, and its public
/// key is recorded as `keys/signer.<first 16 hex of its key id>.pub.pem` (when not already there) so
/// `x07lp state verify` can check what it signed. `load` writes those files in the transaction it is given.
public struct ControlSigner {
    public static let privateKeyFile = StateDirectory.keys + "/control.ed25519.key.pem"
    public static let publicKeyFile = StateDirectory.keys + "/control.ed25519.pub.pem"

    public let privateKey: Ed25519.PrivateKey
    public var publicKey: Ed25519.PublicKey { privateKey.publicKey }
    /// SHA-256 hex of the raw public key: the `keyid` of the signatures this signer makes.
    public var keyId: String { publicKey.keyId }

    public init(privateKey: Ed25519.PrivateKey) {
        self.privateKey = privateKey
    }

    public static func load(signingKeyPath: String?, in tx: WriteTransaction) throws -> ControlSigner {
        let state = tx.state
        if let signingKeyPath {
            let signer = ControlSigner(privateKey: try readPrivateKey(signingKeyPath))
            try writeIfAbsent(signer.publicKey.pem(),
                              at: StateDirectory.keys + "/signer.\(signer.keyId.prefix(16)).pub.pem", mode: 0o644, in: tx)
            return signer
        }
        let signer: ControlSigner
        if state.exists(privateKeyFile) {
            signer = ControlSigner(privateKey: try readPrivateKey(state.path(privateKeyFile)))
        } else {
            signer = ControlSigner(privateKey: try Ed25519.generate())
            try writeIfAbsent(signer.privateKey.pem(), at: privateKeyFile, mode: 0o600, in: tx)
        }
        // Also repairs a crash between writing the private and the public key.
        try writeIfAbsent(signer.publicKey.pem(), at: publicKeyFile, mode: 0o644, in: tx)
        return signer
    }

    /// Signs a decision record. The signed bytes are exactly the RFC 8785 canonical bytes of the
    /// record's JSON with the `integrity` member removed (`DecisionSignatures.signedBytes`), the
    /// same bytes `integrity.record_sha256` hashes. Returns the record with `record_sha256`
    /// recomputed and `{keyid, sig: base64(Ed25519 signature)}` appended; an earlier signature by
    /// the same key is replaced (Ed25519 is deterministic, so re-signing is idempotent).
    public func sign(_ record: DecisionRecord) throws -> DecisionRecord {
        let bytes = DecisionSignatures.signedBytes(try JSON(encoding: record))
        let signature = try Ed25519.sign(bytes, with: privateKey)
        var signed = record
        signed.integrity.record_sha256 = SHA256.hex(bytes)
        signed.integrity.signatures.removeAll { $0.keyid == keyId }
        signed.integrity.signatures.append(.init(keyid: keyId, sig: Data(signature).base64EncodedString()))
        return signed
    }

    static func readPrivateKey(_ path: String) throws -> Ed25519.PrivateKey {
        let pem = try InputDocument.readFile(path, limit: 1 << 16)
        do { return try Ed25519.privateKey(pem: pem) } catch {
            throw LPError(.invalidInput, code: "LP_KEY_INVALID", "\(path): \(error); expected an Ed25519 private key in PEM (PKCS#8)")
        }
    }

    /// Creates `keys/` as 0700 (and the state directory), then writes the file atomically.
    private static func writeIfAbsent(_ bytes: [UInt8], at relative: String, mode: mode_t, in tx: WriteTransaction) throws {
        guard !tx.exists(relative) else { return }
        let keys = tx.state.path(StateDirectory.keys)
        if mkdir(keys, 0o700) != 0 && errno != EEXIST { throw AtomicFile.ioError("mkdir", keys) }
        try tx.writeFile(bytes, at: relative, mode: mode)
    }
}
