import LPCore
import LPState

/// Device store credentials kept in x07lpd's encrypted secret store (`secrets://device/<id>`),
/// found at the first of `device.<id>`, `device.providers.<provider>`, `device.apps.<app>.<id>`
/// and `device.apps.<app>.providers.<id>` (SPEC-device-ui-mcp §A.3). The master key file is
/// `$X07LP_REMOTE_SECRET_MASTER_KEY_FILE`, else the state's `.x07lpd/secret-master.key`.
enum DeviceSecrets {
    static func credentials(_ id: String, for requester: StoreCredentials.Requester, state: StateDirectory,
                            environment: [String: String]) throws -> [UInt8] {
        guard !id.isEmpty, id.count <= 256, !id.contains("/") else {
            throw unavailable("secrets://device/\(id.prefix(100)) does not name one entry")
        }
        let keyPath = environment[SealedSecretStore.masterKeyVariable].flatMap { $0.isEmpty ? nil : $0 }
            ?? SealedSecretStore.defaultMasterKeyPath(state: state.root)
        let document: JSON?
        do {
            document = try SealedSecretStore.open(path: SealedSecretStore.path(state: state.root, environment: environment),
                                                  key: try SealedSecretStore.masterKey(path: keyPath))
        } catch let invalid as SealedSecretStore.Invalid {
            throw unavailable("secrets://device/\(id): \(invalid.message)")
        }
        let device = document?["device"]
        let places = [device?[id], device?["providers"]?[requester.providerId], device?["apps"]?[requester.appId]?[id],
                      device?["apps"]?[requester.appId]?["providers"]?[id]]
        guard let value = places.compactMap({ $0 }).first(where: { $0 != .null }) else {
            throw unavailable("secrets://device/\(id) is not in the secret store (device.\(id), device.providers.\(requester.providerId), "
                              + "device.apps.\(requester.appId).\(id) or .providers.\(id))")
        }
        // An entry is the credentials object itself, or a string holding it.
        if case .string(let text) = value { return Array(text.utf8) }
        return value.canonicalBytes
    }

    static func unavailable(_ message: String) -> LPError {
        LPError(.usage, code: "LP_DEVICE_CREDENTIALS_UNAVAILABLE", message)
    }
}
