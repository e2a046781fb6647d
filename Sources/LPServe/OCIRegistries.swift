import LPCore
import LPState
import Foundation

/// The registries this daemon may publish to (`x07lpd registry allow | list | rm`), in
/// `<state>/.x07lpd/oci-registries.json`. A run names its registry in the request, so without
/// this list a deploy token could make the daemon open connections to any host it reaches; with
/// no file, no registry is allowed.
public struct OCIRegistries: DaemonDocument, Sendable, Equatable {
    public var schema_version = "x07lpd.oci.registries@0.1.0"
    /// `host[:port]`, lowercased, sorted.
    public var registries: [String] = []

    public init() {}

    public static let fileName = "oci-registries.json"

    /// `host[:port]` as the list keeps it, or nil when it is not one.
    public static func normalized(_ registry: String) -> String? {
        OCIDestination.isHostPort(registry) ? registry.lowercased() : nil
    }

    public func allows(_ registry: String) -> Bool { Self.normalized(registry).map(registries.contains) ?? false }
}
