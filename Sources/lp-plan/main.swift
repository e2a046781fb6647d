import LPShared

PlannedStage.main(
    stage: "lp-plan",
    summary: "deploy plan: generate or adopt x07.deploy.plan@0.2.0 for a planned execution",
    plannedWork: "plan generation and adoption arrive with the deploy-loop issue.")
