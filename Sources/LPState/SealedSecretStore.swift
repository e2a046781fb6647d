import LPCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The file of x07lpd's encrypted secret store (docs/x07lpd.md#secrets): AES-256-GCM of a
/// canonical JSON document under a 32-byte master key kept in its own file (64 hex digits).
/// Both files must be 0600. x07lpd reads and writes it (LPServe's `SecretStore`); lp-release
/// reads device credentials from it (`secrets://device/<id>`).
public enum SealedSecretStore {
    public static let envelopeSchema = "lp.remote.secret.store.encrypted.internal@0.1.0"
    public static let masterKeyVariable = "X07LP_REMOTE_SECRET_MASTER_KEY_FILE"

    /// Why the store cannot be used; the message never holds a secret.
    public struct Invalid: Error, Equatable {
        public let message: String
    }

    /// `$X07LP_REMOTE_SECRET_STORE_PATH`, else `<state>/.x07lpd/secrets.enc.json`.
    public static func path(state root: String, environment: [String: String]) -> String {
        environment["X07LP_REMOTE_SECRET_STORE_PATH"].flatMap { $0.isEmpty ? nil : $0 } ?? root + "/.x07lpd/secrets.enc.json"
    }

    /// Where `x07lpd init` keeps the master key: `<state>/.x07lpd/secret-master.key`.
    public static func defaultMasterKeyPath(state root: String) -> String { root + "/.x07lpd/secret-master.key" }

    /// The master key in the file at `path`.
    public static func masterKey(path: String) throws -> [UInt8] {
        try checkPrivate(path, what: "the secret master key file")
        let text = String(decoding: (try? InputDocument.readFile(path, limit: 4096)) ?? [], as: UTF8.self)
        guard let key = Hex.decode(text.trimmingCharacters(in: .whitespacesAndNewlines)), key.count == 32 else {
            throw Invalid(message: "the secret master key file must hold 32 bytes as 64 hex digits")
        }
        return key
    }

    /// The plaintext document at `path`, or nil when there is no store yet.
    public static func open(path: String, key: [UInt8]) throws -> JSON? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        try checkPrivate(path, what: "the secret store")
        guard let envelope = try? JSONParser.parse(InputDocument.readFile(path, limit: 16 << 20)),
              envelope["schema_version"]?.stringValue == envelopeSchema, envelope["alg"]?.stringValue == "aes-256-gcm",
              let nonce = envelope["nonce_b64"]?.stringValue.flatMap({ Data(base64Encoded: $0) }),
              let sealed = envelope["ciphertext_b64"]?.stringValue.flatMap({ Data(base64Encoded: $0) }) else {
            throw Invalid(message: "the secret store is not an \(envelopeSchema) document")
        }
        let plain: [UInt8]
        do { plain = try AESGCM.open(Array(sealed), nonce: Array(nonce), key: key) } catch {
            throw Invalid(message: "the secret store does not open with the master key")
        }
        guard let document = try? JSONParser.parse(plain) else { throw Invalid(message: "the secret store's plaintext is not JSON") }
        return document
    }

    /// Seals `document` into `path` (0600, atomically).
    public static func seal(_ document: JSON, to path: String, key: [UInt8]) throws {
        let (nonce, sealed) = try AESGCM.seal(document.canonicalBytes, key: key)
        let envelope: JSON = ["schema_version": .string(envelopeSchema), "alg": "aes-256-gcm",
                              "nonce_b64": .string(Data(nonce).base64EncodedString()),
                              "ciphertext_b64": .string(Data(sealed).base64EncodedString())]
        try AtomicFile.makeDirectories((path as NSString).deletingLastPathComponent)
        _ = try AtomicFile.write(envelope.canonicalBytes + [0x0A], to: path)
    }

    static func checkPrivate(_ path: String, what: String) throws {
        var info = stat()
        guard stat(path, &info) == 0 else { throw Invalid(message: "\(what) cannot be read") }
        guard info.st_mode & 0o077 == 0 else { throw Invalid(message: "\(what) must have mode 0600") }
    }
}
