import LPCore
import LPState
import Foundation

/// The registries this daemon may publish to (`x07lpd registry allow | list | rm`), in
/// `<state>/.x07lpd/oci-registries.json`. A run names its registry in the request, so without
/// this list a deploy token could make the daemon open connections to any host it reaches; with
/// no file, no registry is allowed.
public struct OCIRegistries: Codable, Sendable, Equatable {
    public var schema_version = "x07lpd.oci.registries@0.1.0"
    /// `host[:port]`, lowercased, sorted.
    public var registries: [String] = []

    public init() {}

    public static func path(state root: String) -> String { root + "/.x07lpd/oci-registries.json" }

    public static func load(state root: String) throws -> OCIRegistries {
        let path = path(state: root)
        guard FileManager.default.fileExists(atPath: path) else { return OCIRegistries() }
        return try JSONParser.parse(try InputDocument.readFile(path, limit: 1 << 20)).decode(OCIRegistries.self)
    }

    public func save(state root: String) throws {
        try AtomicFile.makeDirectories(root + "/.x07lpd")
        _ = try AtomicFile.write(try JSON(encoding: self).encoded(.pretty) + [0x0A], to: Self.path(state: root))
    }

    /// `host[:port]` as the list keeps it, or nil when it is not one.
    public static func normalized(_ registry: String) -> String? {
        OCIDestination.isHostPort(registry) ? registry.lowercased() : nil
    }

    public func allows(_ registry: String) -> Bool { Self.normalized(registry).map(registries.contains) ?? false }
}
