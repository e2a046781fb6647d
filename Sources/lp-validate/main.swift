import LPShared

// lp-validate: the validation stage. Hosts the schema tools, `canon`, `digest` and the exit-code
// table; intake of sealed packs (`x07lp deploy accept`) arrives with the intake issue.
StageRunner.main(
    stage: "lp-validate",
    summary: "validate documents against the x07lp contracts; canonical JSON and digests",
    commands: [
        SchemaCommands.list, SchemaCommands.get, SchemaCommands.validate,
        CanonCommand.command, DigestCommand.command, ExitCodesCommand.command,
    ])
