import LPCore
import LPState
import LPIndex
import LPStage

/// `lp-query deployments` (`x07lp deploy list`): the history of one app/environment, newest
/// first, from the index.
enum DeployListCommand {
    static let command = StageCommand(
        words: ["deployments"],
        spec: CommandSpec(
            name: "lp-query deployments", reportCommand: "deploy list",
            summary: "the deployments of one app/environment, newest first (x07lp deploy list)",
            usage: ["lp-query deployments --app-id APP --env ENV [--limit N]"],
            options: [
                OptionSpec("--app-id", value: "APP", "the app"),
                OptionSpec("--env", value: "ENV", "its environment"),
                OptionSpec("--limit", value: "N", "at most N deployments (1 ... 1000; default 20)"),
                IndexAccess.option,
            ],
            examples: ["x07lp deploy list --app-id example.hello.web --env staging",
                       "x07lp deploy list --app-id example.hello.web --env staging --limit 5 --json"],
            exitCodes: [.ok, .usage, .stateCorrupt],
            notes: ["Prints {schema_version, target, index, items}: one item per deployment with its status, outcome,",
                    "weight, incident counts and times; on a terminal a table (--output json for the document)."]),
        view: QueryViews.deployments,
        body: { ctx in
            let args = ctx.arguments
            let appId = try Filter.appId(try args.required("--app-id", ctx.spec))
            let environment = try Filter.environment(try args.required("--env", ctx.spec))
            let limit = Int(try args.integer("--limit", range: 1...1000) ?? 20)
            let access = try IndexAccess(ctx)
            let items: [JSON] = try access.index.executions(appId: appId, environment: environment, limit: limit).map { row in
                func text(_ value: String?) -> JSON { value.map(JSON.string) ?? .null }
                return ["deployment_id": .string(row.exec_id), "run_id": text(row.run_id), "status": text(row.status),
                        "outcome": text(row.outcome), "control_state": text(row.control_state),
                        "current_weight_pct": .number(Double(row.current_weight_pct)),
                        "incident_count_open": .number(Double(row.incident_count_open)),
                        "incident_count_total": .number(Double(row.incident_count_total)),
                        "public_listener": text(row.public_listener), "parent_exec_id": text(row.parent_exec_id),
                        "created_unix_ms": .number(Double(row.created_unix_ms)),
                        "updated_unix_ms": .number(Double(row.updated_unix_ms))]
            }
            return StageOutput(result: ["schema_version": .string(SchemaVersion.deployListResult),
                                        "target": ["app_id": .string(appId), "environment": .string(environment)],
                                        "limit": .number(Double(limit)), "index": access.block, "items": .array(items)],
                               diagnostics: access.notes)
        })
}
