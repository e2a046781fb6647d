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

/// The daemon's encrypted secret store (`SealedSecretStore`, LPState): the canonical plaintext
/// `lp.remote.secret.store.internal@0.1.0` under the master key the file
/// `X07LP_REMOTE_SECRET_MASTER_KEY_FILE` names. The plaintext keeps the
/// reference's layout (`apps.A.envs.E`, `apps.A.defaults`, `envs.E`, `targets.T`, and any other
/// member such as `device`), so `secret store-pack` seals a reference store as it is. Values
/// leave it only to the process that needs them; lists and reports carry ids and scope labels.
public struct SecretStore: Sendable {
    public private(set) var document: [String: JSON] = ["schema_version": .string(plaintextSchema)]

    public static let plaintextSchema = "lp.remote.secret.store.internal@0.1.0"

    public init() {}

    /// A plaintext store document (`secret store-pack`'s input): an object with the schema.
    public init(plaintext: JSON) throws {
        guard case .object(let members) = plaintext, members["schema_version"]?.stringValue == Self.plaintextSchema else {
            throw ServeError.secretStoreInvalid("the plaintext is not an \(Self.plaintextSchema) document")
        }
        document = members
    }

    public static func path(state root: String, environment: [String: String]) -> String {
        SealedSecretStore.path(state: root, environment: environment)
    }

    /// The master key; its file must be 0600 and hold 64 hex digits.
    public static func masterKey(environment: [String: String]) throws -> [UInt8] {
        guard let path = environment[SealedSecretStore.masterKeyVariable], !path.isEmpty else {
            throw ServeError.secretStoreInvalid("\(SealedSecretStore.masterKeyVariable) is not set")
        }
        return try sealed { try SealedSecretStore.masterKey(path: path) }
    }

    /// The store at `path`: empty when the file does not exist.
    public static func load(path: String, key: [UInt8]) throws -> SecretStore {
        guard let document = try sealed({ try SealedSecretStore.open(path: path, key: key) }) else { return SecretStore() }
        return try SecretStore(plaintext: document)
    }

    public func save(path: String, key: [UInt8]) throws {
        try SealedSecretStore.seal(.object(document), to: path, key: key)
    }

    /// The store file's refusals as the server's.
    static func sealed<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let invalid as SealedSecretStore.Invalid { throw ServeError.secretStoreInvalid(invalid.message) }
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
