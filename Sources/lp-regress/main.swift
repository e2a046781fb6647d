import LPShared

// lp-regress: turn a captured incident into regression fixtures (replay trace + HTTP test).
StageRunner.main(
    stage: "lp-regress",
    summary: "generate regression fixtures from incidents (lp.regression.run.result@0.2.0)",
    commands: [FromIncidentCommand.command])
