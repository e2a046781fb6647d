import LPShared

PlannedStage.main(
    stage: "lp-query",
    summary: "read views over the state: deploy, apps, incidents, route",
    plannedWork: "the query views and the SQLite index arrive with the query issue.")
