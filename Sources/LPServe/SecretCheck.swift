import LPCore
import LPStage

/// Before an accept: every secret the deployment needs (`required_secrets`, and the
/// `secrets.allow` of the capabilities document given) must resolve in the daemon's store for the
/// change's app and environment. Only ids and scope labels reach the report.
enum SecretCheck {
    static func refusal(_ members: [String: JSON], change: JSON, _ context: ServeContext) throws -> HTTPResponse? {
        var required = Set<String>()
        if case .array(let ids)? = members["required_secrets"] { required.formUnion(ids.compactMap(\.stringValue)) }
        if let capabilities = members["capabilities"], case .object = capabilities,
           case .array(let allowed)? = capabilities["secrets"]?["allow"] {
            required.formUnion(allowed.compactMap(\.stringValue))
        }
        let ids = required.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.sorted()
        guard !ids.isEmpty else { return nil }
        let app = change["target"]?["app_id"]?.stringValue ?? "unknown"
        let env = change["target"]?["environment"]?["kind"]?.stringValue ?? change["target"]?["environment"]?.stringValue ?? "unknown"
        let target = members["target"]?.stringValue ?? "default"
        let store: SecretStore
        do {
            let key = try SecretStore.masterKey(environment: context.environment)
            store = try SecretStore.load(path: SecretStore.path(state: context.state, environment: context.environment), key: key)
        } catch let error as ServeError {
            return HTTPResponse.refusal(error, command: "deploy accept", nowMs: context.nowMs)
        }
        var resolved: [JSON] = []
        var missing: [String] = []
        for id in ids {
            if let scope = store.resolve(id, app: app, env: env, target: target) {
                resolved.append(["secret_id": .string(id), "scope": .string(scope.label)])
            } else {
                missing.append(id)
            }
        }
        guard !missing.isEmpty else { return nil }
        let result: JSON = ["op": "accept", "ok": false, "target": .string(target), "required_secrets": .array(ids.map(JSON.string)),
                            "resolved_scopes": .array(resolved), "missing_secrets": .array(missing.map(JSON.string))]
        return HTTPResponse.refusal(.secretsMissing(missing), command: "deploy accept", nowMs: context.nowMs, result: result)
    }
}
