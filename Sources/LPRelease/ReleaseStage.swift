import LPStage

/// lp-release: device releases through app stores (docs/device-release.md).
public enum ReleaseStage {
    public static let definition = StageDefinition(
        name: "lp-release",
        summary: "release sealed device packages through app stores (lp.device.release.*@0.2.0)",
        commands: [CreateCommand.command, ValidateCommand.command, RunCommand.command, ObserveCommand.command]
            + ReleaseControlCommands.commands)

    /// The command words, each `x07lp device release-<word>`.
    public static var verbs: [String] { definition.commands.flatMap(\.words) }
}
