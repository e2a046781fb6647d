import LPCore
import LPState
import Foundation

/// A JSON document of the daemon's own in `<state>/.x07lpd/` (tokens, allowed registries): read
/// when present (an empty document when not), written atomically and pretty.
public protocol DaemonDocument: Codable {
    init()
    static var fileName: String { get }
}

extension DaemonDocument {
    public static func path(state root: String) -> String { root + "/.x07lpd/" + fileName }

    public static func load(state root: String) throws -> Self {
        let path = path(state: root)
        guard FileManager.default.fileExists(atPath: path) else { return Self() }
        return try JSONParser.parse(try InputDocument.readFile(path, limit: 1 << 20)).decode(Self.self)
    }

    public func save(state root: String) throws {
        try AtomicFile.makeDirectories(root + "/.x07lpd")
        _ = try AtomicFile.write(try JSON(encoding: self).encoded(.pretty) + [0x0A], to: Self.path(state: root))
    }
}
