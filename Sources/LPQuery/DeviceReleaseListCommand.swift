import LPCore
import LPState
import LPModel
import LPIndex
import LPStage

/// `lp-query device-releases` (`x07lp device release-list`): every device release execution,
/// most recently updated first, one card's worth of each (the Command Center's release list).
enum DeviceReleaseListCommand {
    static let command = StageCommand(
        words: ["device-releases"],
        spec: CommandSpec(
            name: "lp-query device-releases", reportCommand: "device release list",
            summary: "the device releases, most recently updated first (x07lp device release-list)",
            usage: ["lp-query device-releases [--app-id APP] [--provider-id ID] [--distribution-lane LANE] [--target-kind ios|android] [--limit N]"],
            options: DeviceReleaseFilterOptions.options() + [
                OptionSpec("--limit", value: "N", "at most N releases (1 ... 1000; default 100)"),
                IndexAccess.option,
            ],
            examples: ["x07lp device release-list --json",
                       "x07lp device release-list --app-id io.x07.demo.ios --limit 5 --json"],
            exitCodes: [.ok, .usage, .stateCorrupt],
            notes: ["Prints {schema_version, generated_unix_ms, index, items}: per release its state, rollout, readiness,",
                    "native summary and health, latest incident and regression (ties on the update time: greater id first)."]),
        body: { ctx in
            let args = ctx.arguments
            let filter = DeviceReleaseFilterOptions.filter(args)
            let limit = Int(try args.integer("--limit", range: 1...1000) ?? 100)
            let access = try IndexAccess(ctx)
            let store = DeviceExecutionStore(state: ctx.state)
            let items = try access.index.deviceReleases(filter, limit: limit).map { row in try item(try store.load(row.exec_id)) }
            return StageOutput(result: ["schema_version": .string(SchemaVersion.deviceReleaseListResult),
                                        "generated_unix_ms": .number(Double(ctx.clock.unixMs())),
                                        "limit": .number(Double(limit)), "index": access.block, "items": .array(items)],
                               diagnostics: access.notes)
        })

    static func item(_ execution: DeviceReleaseExecution) throws -> JSON {
        let meta = execution.meta
        func optional(_ value: String?) -> JSON { value.map(JSON.string) ?? .null }
        return [
            "exec_id": .string(execution.exec_id), "plan_id": .string(execution.plan_id), "provider_id": .string(meta.provider_id),
            "provider_kind": .string(meta.provider_kind.rawValue), "distribution_lane": .string(meta.distribution_lane.rawValue),
            "target": .string(meta.target.rawValue), "status": .string(execution.status.rawValue),
            "current_state": .string(meta.current_state.rawValue), "automation_state": .string(meta.automation_state.rawValue),
            "current_rollout_percent": meta.current_rollout_percent.map { .number(Double($0)) } ?? .null,
            "latest_eval_outcome": .string(meta.latest_eval_outcome.rawValue),
            "release_readiness_status": try JSON(encoding: meta.release_readiness)["status"] ?? .null,
            "native_summary": try JSON(encoding: meta.native_summary),
            "latest_native_health_rollup": try meta.latest_native_health_rollup.map { try JSON(encoding: $0) } ?? .null,
            "latest_native_incident_id": optional(meta.latest_native_incident_id),
            "latest_regression_status": .string(meta.latest_regression_status),
            "app": try JSON(encoding: meta.app), "updated_unix_ms": .number(Double(meta.updated_unix_ms)),
        ]
    }
}
