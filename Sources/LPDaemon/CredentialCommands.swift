import LPCore
import LPState
import LPStage
import LPServe
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `x07lpd token add | list | rm` and `x07lpd secret set | list | rm`: the daemon's bearer
/// tokens (hashes only) and its encrypted secret store.
enum CredentialCommands {
    static func simple(_ words: [String], _ summary: String, usage: String, options: [OptionSpec], example: String,
                       body: @escaping @Sendable (StageContext) throws -> StageOutput) -> StageCommand {
        StageCommand(words: words,
                     spec: CommandSpec(name: "x07lpd " + words.joined(separator: " "), reportCommand: "x07lpd " + words.joined(separator: " "),
                                       summary: summary, usage: [usage], options: options, examples: [example],
                                       exitCodes: [.ok, .usage, .digestMismatch]),
                     body: body)
    }

    static func name(_ ctx: StageContext) throws -> String {
        let name = try ctx.arguments.required("--name", ctx.spec)
        guard name.count <= 64, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
            throw LPError(.usage, code: "LP_USAGE", "--name is 1 to 64 letters, digits, '-', '_' or '.'")
        }
        return name
    }

    static let tokenAdd = simple(["token", "add"], "mint a bearer token: printed once, only its SHA-256 is kept",
                                 usage: "x07lpd token add --state-dir DIR --name NAME --scope read|deploy",
                                 options: [OptionSpec("--name", value: "NAME", "who the token is for (recorded in the audit)"),
                                           OptionSpec("--scope", value: "SCOPE", "read (queries) or deploy (everything)")],
                                 example: "x07lpd token add --state-dir /var/lib/x07lpd --name ci --scope deploy") { ctx in
        let state = try LifecycleCommands.stateDir(ctx)
        let name = try name(ctx)
        guard let scope = Scope(rawValue: try ctx.arguments.required("--scope", ctx.spec)) else {
            throw LPError(.usage, code: "LP_USAGE", "--scope is read or deploy")
        }
        var store = try TokenStore.load(state: state)
        guard !store.tokens.contains(where: { $0.name == name }) else {
            throw LPError(.usage, code: "LP_TOKEN_EXISTS", "a token named \(name) exists; `x07lpd token rm --name \(name)` first")
        }
        let (token, entry) = TokenStore.mint(name: name, scope: scope, nowMs: ctx.clock.unixMs())
        store.tokens.append(entry)
        try store.save(state: state)
        return StageOutput(result: ["name": .string(name), "scope": .string(scope.rawValue), "token": .string(token),
                                    "note": "shown once: x07lpd keeps only its SHA-256"])
    }

    static let tokenList = simple(["token", "list"], "the tokens' names and scopes", usage: "x07lpd token list --state-dir DIR",
                                  options: [], example: "x07lpd token list --state-dir /var/lib/x07lpd") { ctx in
        let store = try TokenStore.load(state: try LifecycleCommands.stateDir(ctx))
        return StageOutput(result: ["tokens": .array(store.tokens.map {
            ["name": .string($0.name), "scope": .string($0.scope.rawValue), "created_unix_ms": .number(Double($0.created_unix_ms))]
        })])
    }

    static let tokenRemove = simple(["token", "rm"], "revoke a token", usage: "x07lpd token rm --state-dir DIR --name NAME",
                                    options: [OptionSpec("--name", value: "NAME", "the token to revoke")],
                                    example: "x07lpd token rm --state-dir /var/lib/x07lpd --name ci") { ctx in
        let state = try LifecycleCommands.stateDir(ctx)
        let name = try name(ctx)
        var store = try TokenStore.load(state: state)
        let before = store.tokens.count
        store.tokens.removeAll { $0.name == name }
        guard store.tokens.count < before else { throw LPError(.usage, code: "LP_NOT_FOUND", "no token named \(name)") }
        try store.save(state: state)
        return StageOutput(result: ["removed": .string(name)])
    }

    static let scopeOption = OptionSpec("--scope", value: "SCOPE", "app_env:APP/ENV, app:APP, env:ENV or target:NAME")
    static let idOption = OptionSpec("--id", value: "NAME", "the secret's id (what ops profiles and capabilities name)")

    /// The store file, its master key, and the store.
    static func openStore(_ ctx: StageContext) throws -> (path: String, key: [UInt8], store: SecretStore) {
        let state = try LifecycleCommands.stateDir(ctx)
        var environment = ctx.environment
        if environment["X07LP_REMOTE_SECRET_MASTER_KEY_FILE"] == nil, let config = try? DaemonConfig.load(state) {
            environment["X07LP_REMOTE_SECRET_MASTER_KEY_FILE"] = config.secret_master_key
        }
        do {
            let key = try SecretStore.masterKey(environment: environment)
            let path = SecretStore.path(state: state, environment: environment)
            return (path, key, try SecretStore.load(path: path, key: key))
        } catch let error as ServeError {
            throw LPError(.digestMismatch, code: "LP_REMOTE_SECRET_STORE_INVALID", String(describing: error.localizedMessage))
        }
    }

    static func scope(_ ctx: StageContext) throws -> SecretScope {
        guard let scope = SecretScope(label: try ctx.arguments.required("--scope", ctx.spec)) else {
            throw LPError(.usage, code: "LP_USAGE", "--scope is app_env:APP/ENV, app:APP, env:ENV or target:NAME")
        }
        return scope
    }

    static let secretSet = simple(["secret", "set"], "store a secret (the value is read from stdin, never from a flag)",
                                  usage: "printf %s VALUE | x07lpd secret set --state-dir DIR --scope SCOPE --id NAME",
                                  options: [scopeOption, idOption],
                                  example: "x07lpd secret set --state-dir /var/lib/x07lpd --scope app_env:shop/prod --id api_key < key.txt") { ctx in
        let scope = try scope(ctx)
        let id = try ctx.arguments.required("--id", ctx.spec)
        var (path, key, store) = try openStore(ctx)
        guard isatty(STDIN_FILENO) == 0 else { throw LPError(.usage, code: "LP_USAGE", "pipe the secret's value into stdin") }
        let value = String(decoding: try InputDocument.readAll(fd: STDIN_FILENO, limit: 1 << 20, name: "stdin"), as: UTF8.self)
            .trimmingCharacters(in: .newlines)
        guard !value.isEmpty else { throw LPError(.usage, code: "LP_USAGE", "the secret's value (stdin) is empty") }
        store.scopes[scope.label, default: [:]][id] = value
        try store.save(path: path, key: key)
        return StageOutput(result: ["scope": .string(scope.label), "id": .string(id), "stored": true])
    }

    static let secretList = simple(["secret", "list"], "the secrets' ids and scopes (never their values)",
                                   usage: "x07lpd secret list --state-dir DIR", options: [],
                                   example: "x07lpd secret list --state-dir /var/lib/x07lpd") { ctx in
        let store = try openStore(ctx).store
        let items = store.scopes.keys.sorted().flatMap { label in
            (store.scopes[label] ?? [:]).keys.sorted().map { JSON.object(["scope": .string(label), "id": .string($0)]) }
        }
        return StageOutput(result: ["secrets": .array(items)])
    }

    static let secretRemove = simple(["secret", "rm"], "remove a secret", usage: "x07lpd secret rm --state-dir DIR --scope SCOPE --id NAME",
                                     options: [scopeOption, idOption],
                                     example: "x07lpd secret rm --state-dir /var/lib/x07lpd --scope app:shop --id api_key") { ctx in
        let scope = try scope(ctx)
        let id = try ctx.arguments.required("--id", ctx.spec)
        var (path, key, store) = try openStore(ctx)
        guard store.scopes[scope.label]?.removeValue(forKey: id) != nil else {
            throw LPError(.usage, code: "LP_NOT_FOUND", "no secret \(id) in \(scope.label)")
        }
        if store.scopes[scope.label]?.isEmpty == true { store.scopes[scope.label] = nil }
        try store.save(path: path, key: key)
        return StageOutput(result: ["scope": .string(scope.label), "id": .string(id), "removed": true])
    }
}
