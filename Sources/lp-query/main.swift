import LPShared

// lp-query: read views over the state. The route view reads the local target's router state;
// the deploy, apps and incident views over the SQLite index arrive with the query issue.
StageRunner.main(
    stage: "lp-query",
    summary: "read views over the state (route today; deploy, apps and incidents with the index)",
    commands: [RouteCommand.command])
