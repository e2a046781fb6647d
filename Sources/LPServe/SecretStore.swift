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
/// plaintext `lp.remote.secret.store.internal@0.1.0` under a 32-byte master key read from the
/// file `X07LP_REMOTE_SECRET_MASTER_KEY_FILE` names (hex, 0600). The plaintext keeps the
/// reference's layout (`apps.A.envs.E`, `apps.A.defaults`, `envs.E`, `targets.T`, and any other
/// member such as `device`), so `secret store-pack` seals a reference store as it is. Values
/// leave it only to the process that needs them; lists and reports carry ids and scope labels.
public struct SecretStore: Sendable {
    public private(set) var document: [String: JSON] = ["schema_version": .string(plaintextSchema)]

    public static let plaintextSchema = "lp.remote.secret.store.internal@0.1.0"
    public static let envelopeSchema = "lp.remote.secret.store.encrypted.internal@0.1.0"

    public init() {}

    /// A plaintext store document (`secret store-pack`'s input): an object with the schema.
    public init(plaintext: JSON) throws {
        guard case .object(let members) = plaintext, members["schema_version"]?.stringValue == Self.plaintextSchema else {
            throw ServeError.secretStoreInvalid("the plaintext is not an \(Self.plaintextSchema) document")
        }
        document = members
    }

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
        guard let document = try? JSONParser.parse(plain) else {
            throw ServeError.secretStoreInvalid("the secret store's plaintext is not JSON")
        }
        return try SecretStore(plaintext: document)
    }

    public func save(path: String, key: [UInt8]) throws {
        let (nonce, sealed) = try AESGCM.seal(JSON.object(document).canonicalBytes, key: key)
        let envelope: JSON = ["schema_version": .string(Self.envelopeSchema), "alg": "aes-256-gcm",
                              "nonce_b64": .string(Data(nonce).base64EncodedString()),
                              "ciphertext_b64": .string(Data(sealed).base64EncodedString())]
        try AtomicFile.makeDirectories((path as NSString).deletingLastPathComponent)
        _ = try AtomicFile.write(envelope.canonicalBytes + [0x0A], to: path)
    }

    /// Where `secret set` keeps a scope's values (the first place of its kind in the lookup order).
    static func place(_ scope: SecretScope) -> [String] {
        switch scope {
        case .appEnv(let app, let env): return ["apps", app, "envs", env]
        case .app(let app): return ["apps", app, "defaults"]
        case .env(let env): return ["envs", env]
        case .target(let target): return ["targets", target]
        }
    }

    func object(at path: [String]) -> [String: JSON] {
        var node = JSON.object(document)
        for key in path { node = node[key] ?? [:] }
        return node.objectValue ?? [:]
    }

    public mutating func set(_ id: String, _ value: String?, in scope: SecretScope) {
        func update(_ node: JSON, _ path: ArraySlice<String>) -> JSON {
            var members = node.objectValue ?? [:]
            guard let first = path.first else {
                members[id] = value.map(JSON.string)
                return .object(members)
            }
            members[first] = update(members[first] ?? [:], path.dropFirst())
            if members[first]?.objectValue?.isEmpty == true { members[first] = nil }
            return .object(members)
        }
        document = update(.object(document), ArraySlice(Self.place(scope))).objectValue ?? [:]
        document["schema_version"] = .string(Self.plaintextSchema)
    }

    public func contains(_ id: String, in scope: SecretScope) -> Bool { object(at: Self.place(scope))[id] != nil }

    /// Every (scope, id) kept in the `secret set` places, sorted.
    public var entries: [(scope: String, id: String)] {
        var out: [(String, String)] = []
        for (app, node) in object(at: ["apps"]) {
            for (env, values) in node["envs"]?.objectValue ?? [:] {
                out += (values.objectValue ?? [:]).keys.map { (SecretScope.appEnv(app: app, env: env).label, $0) }
            }
            out += (node["defaults"]?.objectValue ?? [:]).keys.map { (SecretScope.app(app).label, $0) }
        }
        for (env, values) in object(at: ["envs"]) { out += (values.objectValue ?? [:]).keys.map { (SecretScope.env(env).label, $0) } }
        for (target, values) in object(at: ["targets"]) {
            out += (values.objectValue ?? [:]).keys.map { (SecretScope.target(target).label, $0) }
        }
        return out.sorted { ($0.0, $0.1) < ($1.0, $1.1) }
    }

    /// The scope that resolves `id` for a deployment of `app` to `env` through target `target`,
    /// in the order of SPEC-remote §2.7; a blank value does not count.
    public func resolve(_ id: String, app: String, env: String, target: String) -> SecretScope? {
        let order: [([String], SecretScope)] = [
            (["apps", app, "envs", env], .appEnv(app: app, env: env)), (["apps", app, "environments", env], .appEnv(app: app, env: env)),
            (["apps", app, "defaults"], .app(app)), (["apps", app], .app(app)),
            (["envs", env], .env(env)), (["environments", env], .env(env)), (["targets", target], .target(target)),
        ]
        return order.first { path, _ in
            guard let value = object(at: path)[id]?.stringValue else { return false }
            return !value.trimmingCharacters(in: .whitespaces).isEmpty
        }?.1
    }
}
