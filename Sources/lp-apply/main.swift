import LPShared

// lp-apply: the deploy step machine (SPEC §8.2) on the local target (§8.3).
StageRunner.main(
    stage: "lp-apply",
    summary: "run a deployment's plan on the local target",
    commands: [ApplyCommand.command] + DeployControls.commands + KillControls.commands)
