import LPStage

/// lp-apply: the deploy step machine (SPEC §8.2) on the local target (§8.3).
public enum ApplyStage {
    public static let definition = StageDefinition(
        name: "lp-apply",
        summary: "run a deployment's plan on the local target",
        commands: [ApplyCommand.command] + DeployControls.commands + KillControls.commands)
}
