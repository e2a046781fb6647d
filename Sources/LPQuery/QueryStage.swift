import LPStage

/// lp-query: every read view over the state, answered from the derived SQLite index
/// (index/control_plane.sqlite, rebuilt from the files when missing, stale or corrupt).
public enum QueryStage {
    public static let definition = StageDefinition(
        name: "lp-query",
        summary: "read views over the state: deployments, device releases, apps, incidents, routes, stored blobs; index maintenance",
        commands: [DeployQueryCommand.command, DeployQueryCommand.status, DeployListCommand.command, BlobCommand.command, AppsCommand.command, IncidentQueryCommand.list, IncidentQueryCommand.get, RouteCommand.command, IndexRebuildCommand.command,
                   DeviceReleaseQueryCommand.command, DeviceReleaseListCommand.command])
}
