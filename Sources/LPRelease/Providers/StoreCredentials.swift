import LPCore
import LPState
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The credentials a live store provider signs its requests with, resolved from the profile's
/// `credentials_ref` (docs/device-release.md#credentials): `file://PATH` or a plain path (a
/// file only its owner can read: mode 0600 or 0400), or `env:NAME` (an environment variable).
/// `secrets://device/<id>` names an entry of x07lpd's encrypted secret store (`SealedSecretStore`).
/// The credentials are a JSON object; they never reach a record, a report or a message.
struct StoreCredentials {
    let json: JSON

    static let maxBytes = 64 << 10

    /// Who asks, for the secret store's lookup order.
    struct Requester {
        var providerId: String
        var appId: String
    }

    static func load(_ reference: String, for requester: Requester, state: StateDirectory,
                     environment: [String: String]) throws -> StoreCredentials {
        let text: [UInt8]
        if reference.hasPrefix("secrets://device/") {
            text = try DeviceSecrets.credentials(String(reference.dropFirst("secrets://device/".count)), for: requester,
                                                 state: state, environment: environment)
        } else if reference.hasPrefix("secrets://") {
            throw LPError(.usage, code: "LP_DEVICE_CREDENTIALS_UNAVAILABLE",
                          "credentials_ref \(reference.prefix(200)): device credentials live under secrets://device/<id>")
        } else if reference.hasPrefix("env:") {
            let name = String(reference.dropFirst(4))
            guard let value = environment[name], !value.isEmpty else {
                throw LPError(.usage, code: "LP_DEVICE_CREDENTIALS_UNAVAILABLE", "credentials_ref env:\(name.prefix(100)): the variable is not set")
            }
            text = Array(value.utf8)
        } else {
            let path = reference.hasPrefix("file://") ? String(reference.dropFirst(7)) : reference
            text = try readPrivateFile(path)
        }
        guard text.count <= maxBytes, let json = try? JSONParser.parse(text), json.objectValue != nil else {
            throw LPError(.invalidInput, code: "LP_DEVICE_CREDENTIALS_INVALID",
                          "the credentials of \(reference.prefix(200)) are not a JSON object (their content is not shown)", stage: .parse)
        }
        return StoreCredentials(json: json)
    }

    /// A credentials file must be a regular file readable by its owner only.
    static func readPrivateFile(_ path: String) throws -> [UInt8] {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            throw LPError(.usage, code: "LP_NOT_FOUND", "credentials file \(path): \(String(cString: strerror(errno)))")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG, info.st_mode & 0o077 == 0 else {
            throw LPError(.invalidInput, code: "LP_DEVICE_CREDENTIALS_UNSAFE",
                          "credentials file \(path) must be a regular file only its owner can read (mode \(String(info.st_mode & 0o777, radix: 8)); chmod 600 it)",
                          stage: .parse)
        }
        return try InputDocument.readFile(path, limit: maxBytes)
    }

    func string(_ name: String) -> String? {
        json[name]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The signer of the PEM key in `private_key_pem` (or `private_key`).
    func signer() throws -> JWTSigner {
        guard let pem = string("private_key_pem") ?? string("private_key") else {
            throw LPError(.invalidInput, code: "LP_DEVICE_CREDENTIALS_INVALID", "the credentials hold no private_key_pem", stage: .parse)
        }
        do { return try JWTSigner(pem: Array(pem.utf8)) } catch {
            throw LPError(.invalidInput, code: "LP_DEVICE_CREDENTIALS_INVALID", "the credentials' private key: \(error)", stage: .parse)
        }
    }

    func require(_ name: String) throws -> String {
        guard let value = string(name) else {
            throw LPError(.invalidInput, code: "LP_DEVICE_CREDENTIALS_INVALID", "the credentials lack \(name)", stage: .parse)
        }
        return value
    }
}
