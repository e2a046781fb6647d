import LPStage

/// lp-apply: the deploy step machine on the local target (docs/deploy.md).
public enum ApplyStage {
    public static let definition = StageDefinition(
        name: "lp-apply",
        summary: "run a deployment's plan on the local target",
        commands: [ApplyCommand.command] + DeployControls.commands + KillControls.commands + ServeCommands.commands)
}
