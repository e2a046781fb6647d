import LPCore
import LPState
import Foundation

/// Where a secret applies, from the narrowest to the widest; a lookup takes the first that has
/// the id (SPEC-remote §2.7).
public enum SecretScope: Equatable, Sendable {
    case appEnv(app: String, env: String), app(String), env(String), target(String)

    /// `app_env:A/E`, `app:A`, `env:E`, `target:T`.
    public init?(label: String) {
        let parts = label.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[1].isEmpty else { return nil }
        switch parts[0] {
        case "app_env":
            let pair = parts[1].split(separator: "/", maxSplits: 1).map(String.init)
            guard pair.count == 2, !pair[0].isEmpty, !pair[1].isEmpty else { return nil }
            self = .appEnv(app: pair[0], env: pair[1])
        case "app": self = .app(parts[1])
        case "env": self = .env(parts[1])
        case "target": self = .target(parts[1])
        default: return nil
        }
    }

    public var label: String {
        switch self {
        case .appEnv(let app, let env): return "app_env:\(app)/\(env)"
        case .app(let app): return "app:\(app)"
        case .env(let env): return "env:\(env)"
        case .target(let target): return "target:\(target)"
        }
    }
}

/// The daemon's encrypted secret store: one file (0600) holding AES-256-GCM of the canonical
/// plaintext `{schema_version, scopes: {label: {id: value}}}` under a 32-byte master key read
/// from the file `X07LP_REMOTE_SECRET_MASTER_KEY_FILE` names (hex, 0600). Values leave it only
/// to the process that needs them; lists and reports carry ids and scope labels.
public struct SecretStore: Sendable {
    public var scopes: [String: [String: String]] = [:]

    public static let plaintextSchema = "lp.remote.secret.store.internal@0.1.0"
    public static let envelopeSchema = "lp.remote.secret.store.encrypted.internal@0.1.0"

    public init() {}

    public static func path(state root: String, environment: [String: String]) -> String {
        environment["X07LP_REMOTE_SECRET_STORE_PATH"].flatMap { $0.isEmpty ? nil : $0 } ?? root + "/.x07lpd/secrets.enc.json"
    }

    /// The master key; its file must be 0600 and hold 64 hex digits.
    public static func masterKey(environment: [String: String]) throws -> [UInt8] {
        guard let path = environment["X07LP_REMOTE_SECRET_MASTER_KEY_FILE"], !path.isEmpty else {
            throw ServeError.secretStoreInvalid("X07LP_REMOTE_SECRET_MASTER_KEY_FILE is not set")
        }
        try checkPrivate(path, what: "the secret master key file")
        let text = String(decoding: (try? InputDocument.readFile(path, limit: 4096)) ?? [], as: UTF8.self)
        guard let key = Hex.decode(text.trimmingCharacters(in: .whitespacesAndNewlines)), key.count == 32 else {
            throw ServeError.secretStoreInvalid("the secret master key file must hold 32 bytes as 64 hex digits")
        }
        return key
    }

    static func checkPrivate(_ path: String, what: String) throws {
        var info = stat()
        guard stat(path, &info) == 0 else { throw ServeError.secretStoreInvalid("\(what) cannot be read") }
        guard info.st_mode & 0o077 == 0 else { throw ServeError.secretStoreInvalid("\(what) must have mode 0600") }
    }

    /// The store at `path`: empty when the file does not exist.
    public static func load(path: String, key: [UInt8]) throws -> SecretStore {
        guard FileManager.default.fileExists(atPath: path) else { return SecretStore() }
        try checkPrivate(path, what: "the secret store")
        guard let envelope = try? JSONParser.parse(InputDocument.readFile(path, limit: 16 << 20)),
              envelope["schema_version"]?.stringValue == envelopeSchema, envelope["alg"]?.stringValue == "aes-256-gcm",
              let nonce = envelope["nonce_b64"]?.stringValue.flatMap({ Data(base64Encoded: $0) }),
              let sealed = envelope["ciphertext_b64"]?.stringValue.flatMap({ Data(base64Encoded: $0) }) else {
            throw ServeError.secretStoreInvalid("the secret store is not an \(envelopeSchema) document")
        }
        let plain: [UInt8]
        do { plain = try AESGCM.open(Array(sealed), nonce: Array(nonce), key: key) } catch {
            throw ServeError.secretStoreInvalid("the secret store does not open with the master key")
        }
        guard let document = try? JSONParser.parse(plain), document["schema_version"]?.stringValue == plaintextSchema,
              case .object(let members)? = document["scopes"] else {
            throw ServeError.secretStoreInvalid("the secret store's plaintext is not an \(plaintextSchema) document")
        }
        var store = SecretStore()
        for (label, entries) in members {
            guard case .object(let values) = entries else { continue }
            store.scopes[label] = values.compactMapValues(\.stringValue)
        }
        return store
    }

    public func save(path: String, key: [UInt8]) throws {
        let plain = JSON.object(["schema_version": .string(Self.plaintextSchema),
                                 "scopes": .object(scopes.mapValues { .object($0.mapValues(JSON.string)) })])
        let (nonce, sealed) = try AESGCM.seal(plain.canonicalBytes, key: key)
        let envelope: JSON = ["schema_version": .string(Self.envelopeSchema), "alg": "aes-256-gcm",
                              "nonce_b64": .string(Data(nonce).base64EncodedString()),
                              "ciphertext_b64": .string(Data(sealed).base64EncodedString())]
        try AtomicFile.makeDirectories((path as NSString).deletingLastPathComponent)
        _ = try AtomicFile.write(envelope.canonicalBytes + [0x0A], to: path)
    }

    /// The scope that resolves `id` for a deployment of `app` to `env` through target `target`.
    public func resolve(_ id: String, app: String, env: String, target: String) -> SecretScope? {
        let order: [SecretScope] = [.appEnv(app: app, env: env), .app(app), .env(env), .target(target)]
        return order.first { scope in
            guard let value = scopes[scope.label]?[id] else { return false }
            return !value.trimmingCharacters(in: .whitespaces).isEmpty
        }
    }
}
