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
            usage: ["lp-query apps [--app-id APP] [--env ENV] [--limit N]"],
            options: [
                OptionSpec("--app-id", value: "APP", "only this app"),
                OptionSpec("--env", value: "ENV", "only this environment"),
                OptionSpec("--limit", value: "N", "at most N rows (1 ... 1000; default: all)"),
                IndexAccess.option,
            ],
            examples: ["x07lp app list --json", "x07lp app list --env staging --limit 20"],
            exitCodes: [.ok, .usage, .stateCorrupt],
            notes: ["Rows are sorted by app, then environment. Filters given are echoed in result.filters."]),
        view: QueryViews.apps,
        body: { ctx in
            let args = ctx.arguments
            let limit = try args.integer("--limit", range: 1...1000).map { Int($0) }
            let appId = try args.value("--app-id").map { try Filter.appId($0) }
            let environment = try args.value("--env").map { try Filter.environment($0) }
            let access = try IndexAccess(ctx)
            let rows = try access.index.apps().filter { app in
                (appId.map { $0 == app.app_id } ?? true) && (environment.map { $0 == app.environment } ?? true)
            }
            let items: [JSON] = rows.prefix(limit ?? rows.count).map { app in
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
            var result: [String: JSON] = ["schema_version": .string(SchemaVersion.appListResult), "view": "list",
                                          "index": access.block, "generated_unix_ms": .number(Double(ctx.clock.unixMs())),
                                          "items": .array(items)]
            var filters: [String: JSON] = [:]
            filters["app_id"] = appId.map(JSON.string)
            filters["environment"] = environment.map(JSON.string)
            filters["limit"] = limit.map { .number(Double($0)) }
            if !filters.isEmpty { result["filters"] = .object(filters) }
            return StageOutput(result: .object(result), diagnostics: access.notes)
        })
}

/// `lp-query index rebuild`: rebuild the derived index from the state files.
enum IndexRebuildCommand {
    static let command = StageCommand(
        words: ["index", "rebuild"],
        spec: CommandSpec(
            name: "lp-query index rebuild", reportCommand: "index rebuild",
            summary: "rebuild the SQLite index (index/) from the state files",
            usage: ["lp-query index rebuild [--state-dir DIR]"], options: [],
            examples: ["x07lp index rebuild --state-dir .x07lp"], exitCodes: [.ok, .usage, .stateCorrupt],
            notes: ["The index is a cache: deleting it is always safe; queries rebuild it when it is missing or stale."]),
        body: { ctx in
            guard !StateIndex.stateExists(ctx.state) || StateIndex.canWrite(state: ctx.state) else {
                throw LPError(.usage, code: "LP_STATE_READ_ONLY",
                              "cannot write the index in \(ctx.state.root)/index: read-only for this process")
            }
            let index = try StateIndex.rebuild(state: ctx.state)
            return StageOutput(result: ["index": ["used": true, "rebuilt": true, "db_path": .string(index.path)],
                                        "apps": .number(Double(try index.apps().count))])
        })
}

/// Filter values as the query contracts spell them (`app_id`, `environment` patterns); anything
/// else is a usage error rather than a result that breaks its own contract.
enum Filter {
    static func appId(_ text: String) throws -> String {
        let ok = text.utf8.count <= 128 && text.utf8.first.map(isAlphanumeric) == true
            && text.utf8.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
        guard ok else { throw LPError(.usage, code: "LP_USAGE", "--app-id \"\(text.prefix(80))\" is not an app id (letters, digits, '.', '_', '-')") }
        return text
    }

    static func environment(_ text: String) throws -> String {
        let lower = { (b: UInt8) in (0x61...0x7A).contains(b) }
        let ok = (1...64).contains(text.utf8.count) && text.utf8.first.map(lower) == true
            && text.utf8.allSatisfy { lower($0) || (0x30...0x39).contains($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
        guard ok else {
            throw LPError(.usage, code: "LP_USAGE", "--env \"\(text.prefix(80))\" is not an environment name (a lowercase letter, then a-z, 0-9, '_', '-')")
        }
        return text
    }

    static func isAlphanumeric(_ b: UInt8) -> Bool {
        (0x30...0x39).contains(b) || (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b)
    }

    /// A value from a fixed vocabulary (`--status open`).
    static func oneOf(_ text: String, _ allowed: [String], flag: String) throws -> String {
        guard allowed.contains(text) else {
            throw LPError(.usage, code: "LP_USAGE", "\(flag) \"\(text.prefix(80))\" is not known; use one of \(allowed.joined(separator: ", "))")
        }
        return text
    }
}
