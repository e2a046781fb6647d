import LPCore
import LPModel
import LPIndex
import LPStage

/// `lp-query apps`: one row per app/environment (`lp.app.list.result@0.1.0`).
enum AppsCommand {
    static let command = StageCommand(
        words: ["apps"],
        spec: CommandSpec(
            name: "lp-query apps", reportCommand: "app list",
            summary: "list every app/environment with its latest deployment, incidents and kill state",
            usage: ["lp-query apps"], options: [IndexAccess.option],
            examples: ["x07lp app list --json"], exitCodes: [.ok, .usage, .stateCorrupt]),
        body: { ctx in
            let access = try IndexAccess(ctx)
            let items: [JSON] = try access.index.apps().map { app in
                func text(_ value: String?) -> JSON { value.map(JSON.string) ?? .null }
                return ["app_id": .string(app.app_id), "environment": .string(app.environment),
                        "latest_deployment_id": text(app.latest_exec_id), "deployment_status": text(app.status),
                        "outcome": text(app.outcome), "public_listener": text(app.public_listener),
                        "current_weight_pct": .number(Double(app.current_weight_pct)),
                        "incident_count_total": .number(Double(app.incident_count_total)),
                        "incident_count_open": .number(Double(app.incident_count_open)),
                        "latest_incident_id": text(app.latest_incident_id), "latest_decision_id": text(app.latest_decision_id),
                        "kill_state": .string(app.kill_state), "updated_unix_ms": .number(Double(app.updated_unix_ms))]
            }
            return StageOutput(result: ["schema_version": .string(SchemaVersion.appListResult), "view": "list", "index": access.block,
                                        "generated_unix_ms": .number(Double(ctx.clock.unixMs())), "items": .array(items)])
        })
}

/// `lp-query index rebuild`: rebuild the derived index from the state files.
enum IndexRebuildCommand {
    static let command = StageCommand(
        words: ["index", "rebuild"],
        spec: CommandSpec(
            name: "lp-query index rebuild", reportCommand: "index rebuild",
            summary: "rebuild the SQLite index (index.sqlite) from the state files",
            usage: ["lp-query index rebuild [--state-dir DIR]"], options: [],
            examples: ["x07lp index rebuild --state-dir .x07lp"], exitCodes: [.ok, .usage, .stateCorrupt],
            notes: ["The index is a cache: deleting it is always safe; queries rebuild it when it is missing or stale."]),
        body: { ctx in
            let index = try StateIndex.rebuild(state: ctx.state)
            return StageOutput(result: ["index": ["used": true, "rebuilt": true, "db_path": .string(index.path)],
                                        "apps": .number(Double(try index.apps().count))])
        })
}
