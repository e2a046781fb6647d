import LPShared

PlannedStage.main(
    stage: "lp-regress",
    summary: "turn an incident into regression fixtures",
    plannedWork: "regression generation arrives with the incidents issue.")
