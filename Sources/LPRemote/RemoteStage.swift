import LPStage

/// lp-remote: the client of remote targets (x07lpd). `x07lp` sends it `target …` and every
/// deploy, incident and regress verb whose target is a stored one (docs/remote.md).
public enum RemoteStage {
    public static let definition = StageDefinition(
        name: "lp-remote",
        summary: "remote targets: stored profiles, and the deploy, incident and regress verbs sent to an x07lpd",
        commands: [TargetCommands.add, TargetCommands.list, TargetCommands.inspect, TargetCommands.use, TargetCommands.remove,
                   RemoteDeployCommands.accept, RemoteDeployCommands.run, RemoteDeployCommands.status, RemoteDeployCommands.deployQuery]
            + RemoteDeployCommands.controls
            + [RemoteIncidentCommands.capture, RemoteIncidentCommands.list, RemoteIncidentCommands.get, RemoteIncidentCommands.regress,
               AdapterCommands.capabilities, AdapterCommands.conformance])
}
