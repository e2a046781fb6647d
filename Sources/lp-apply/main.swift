import LPShared

PlannedStage.main(
    stage: "lp-apply",
    summary: "execute a deploy plan against a target; control actions",
    plannedWork: "the step machine and control actions arrive with the deploy-loop issue.")
