import LPState

/// Where one incident's two files are: `incidents/<app>/<env>/<id>/{bundleFile,metaFile}`.
public struct IncidentLocation: Equatable, Sendable {
    public static let bundleFile = "incident.bundle.json"
    public static let metaFile = "incident.meta.local.json"

    public var app: String
    public var env: String
    public var id: String

    public init(app: String, env: String, id: String) {
        self.app = app
        self.env = env
        self.id = id
    }

    /// The location of a directory path `incidents/<app>/<env>/<id>`, else nil.
    public init?(directory: String) {
        let parts = directory.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 4, parts[0] == "incidents", !parts[1].isEmpty, !parts[2].isEmpty, !parts[3].isEmpty else { return nil }
        self.init(app: parts[1], env: parts[2], id: parts[3])
    }

    public var directory: String { StateDirectory.incidentDirectory(app: app, env: env, id: id) }
    public var bundlePath: String { directory + "/" + Self.bundleFile }
    public var metaPath: String { directory + "/" + Self.metaFile }
}
