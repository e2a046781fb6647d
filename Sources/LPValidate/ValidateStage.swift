import LPStage

/// lp-validate: the validation stage. Its default command is intake of a change request and a
/// sealed pack (`x07lp deploy accept`); it also hosts the schema tools, `canon`, `digest` and
/// the exit-code table.
public enum ValidateStage {
    public static let definition = StageDefinition(
        name: "lp-validate",
        summary: "intake of sealed packs; validation against the x07lp contracts; canonical JSON and digests",
        commands: [
            IntakeCommand.command,
            SchemaCommands.list, SchemaCommands.get, SchemaCommands.validate,
            CanonCommand.command, DigestCommand.command, ExitCodesCommand.command,
            StateVerifyCommand.command, PackSealCommand.command, PackInitCommand.command,
        ])
}
