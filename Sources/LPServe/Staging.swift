import LPCore
import LPState
import Foundation

/// Inputs of a request made into files a verb can read: a CAS digest (`"sha256:<hex>"`) names
/// the blob already in the state's store; an inline JSON document is written to a private
/// staging directory that the request removes when it is done.
final class Staging {
    let directory: String
    private let context: ServeContext

    init(_ context: ServeContext) throws {
        self.context = context
        let name = Hex.encode((try? AESGCM.randomBytes(12)) ?? Array(UUID().uuidString.utf8.prefix(12)))
        directory = context.path(".x07lpd/staging/" + name)
        try AtomicFile.makeDirectories(directory)
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    /// The file for member `name` of a request: a blob path or a staged copy of the document.
    func file(_ value: JSON, name: String) throws -> String {
        switch value {
        case .string(let ref):
            return try blobPath(ref, member: name)
        case .object:
            let path = directory + "/" + name + ".json"
            _ = try AtomicFile.write(value.canonicalBytes, to: path)
            return path
        default:
            throw ServeError.invalidRequest("\(name) must be a \"sha256:<hex>\" reference to an uploaded blob or a JSON object")
        }
    }

    /// A text written to the staging directory (0600), e.g. a CA bundle for libcurl.
    func file(text: String, name: String) throws -> String {
        let path = directory + "/" + name
        _ = try AtomicFile.write(Array(text.utf8), to: path)
        return path
    }

    /// `sha256:<hex>` (or the bare hex) of a blob the store has.
    func blobPath(_ ref: String, member: String) throws -> String {
        let hex = ref.hasPrefix("sha256:") ? String(ref.dropFirst(7)) : ref
        guard Hex.isSHA256(hex) else { throw ServeError.invalidRequest("\(member) is not a sha256 digest") }
        let path = context.path(StateDirectory.blob(hex))
        guard FileManager.default.fileExists(atPath: path) else {
            throw ServeError.invalidRequest("\(member) names a blob the daemon does not have: upload it first (PUT /v1/artifacts/cas/objects/\(hex))")
        }
        return path
    }

    /// The document a member names, parsed (inline, or read from its blob).
    func document(_ value: JSON, name: String) throws -> JSON {
        if case .object = value { return value }
        let bytes = try InputDocument.readFile(try file(value, name: name), limit: ServeLimits.maxJSONBodyBytes)
        guard let parsed = try? JSONParser.parse(bytes) else { throw ServeError.invalidRequest("\(name) is not a JSON document") }
        return parsed
    }
}
