import LPShared

PlannedStage.main(
    stage: "lp-incident",
    summary: "capture incidents into lp.incident.bundle@0.2.0",
    plannedWork: "incident capture arrives with the incidents issue.")
