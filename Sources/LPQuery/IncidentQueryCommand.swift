import LPCore
import LPState
import LPModel
import LPIndex
import LPStage
import LPIncident

/// `lp-query incidents` (a list, newest first) and `lp-query incident` (one incident in full),
/// both `lp.incident.query.result@0.2.0`, answered from the index.
enum IncidentQueryCommand {
    static let schemaVersion = SchemaVersion.incidentQueryResult

    static let list = StageCommand(
        words: ["incidents"],
        spec: CommandSpec(
            name: "lp-query incidents", reportCommand: "incident list",
            summary: "list the incidents of a deployment or of an app/environment, newest first",
            usage: ["lp-query incidents --deployment-id ID [--limit N]",
                    "lp-query incidents --app-id APP --env ENV [--limit N]",
                    "lp-apply ... | lp-query incidents"],
            options: [
                OptionSpec("--deployment-id", value: "ID", "incidents of this deployment"),
                OptionSpec("--app-id", value: "APP", "with --env: incidents of every deployment of the app there"),
                OptionSpec("--env", value: "ENV", "the environment (with --app-id)"),
                OptionSpec("--limit", value: "N", "at most N rows (default 100, up to 10000)"),
                IndexAccess.option,
            ],
            examples: ["x07lp incident list --app-id example.hello.web --env staging --limit 20 --json"],
            exitCodes: [.ok, .usage, .invalidInput, .gateRejected, .sloRollback, .retryBudgetExhausted, .stateCorrupt],
            notes: ["Incidents whose files are incomplete (a capture interrupted before its meta was written) are not listed;",
                    "`x07lp state verify` reports them."]),
        body: runList)

    static let get = StageCommand(
        words: ["incident"],
        spec: CommandSpec(
            name: "lp-query incident", reportCommand: "incident get",
            summary: "one incident: summary, or full with its evidence, bundle, refs and local meta",
            usage: ["lp-query incident --incident-id ID [--view full|summary]",
                    "lp-incident capture ... | lp-query incident --view full"],
            options: [
                OptionSpec("--incident-id", value: "ID", "the incident (else the bundle or report on stdin names it)"),
                OptionSpec("--view", value: "VIEW", "full (default) or summary"),
                IndexAccess.option,
            ],
            examples: ["x07lp incident get --incident-id lpinc_... --json"],
            exitCodes: [.ok, .usage, .invalidInput, .stateCorrupt],
            notes: ["Given the --report of lp-incident on stdin, the report names the upstream command (incident capture),",
                    "its artifacts and its warnings."]),
        body: runGet)

    static func runList(_ ctx: StageContext) throws -> StageOutput {
        let args = ctx.arguments
        let limit = Int(try args.integer("--limit", range: 1...10_000) ?? 100)
        let piped = try PipedExecution.read(ctx)
        let access = try IndexAccess(ctx)
        let rows: [IncidentRow]
        let resolution: JSON
        if let app = args.value("--app-id") {
            guard let env = args.value("--env"), args.value("--deployment-id") == nil else {
                throw LPError(.usage, code: "LP_USAGE", "use --app-id APP --env ENV, or --deployment-id ID, not both")
            }
            rows = try access.index.incidents(appId: app, environment: env, limit: limit)
            resolution = ["by": "target", "requested_target": ["app_id": .string(app), "environment": .string(env)]]
        } else {
            let id = args.value("--deployment-id") ?? piped?.exec_id ?? ""
            rows = try access.index.incidents(deploymentId: id, limit: limit)
            resolution = ["by": "deployment_id", "requested_deployment_id": .string(id)]
        }
        let items = rows.compactMap(IncidentViews.row)
        var output = StageOutput(result: ["schema_version": .string(schemaVersion), "view": "list", "resolution": resolution,
                                          "index": access.block, "items": .array(items)])
        PipedExecution.passOn(piped, to: &output)
        return output
    }

    static func runGet(_ ctx: StageContext) throws -> StageOutput {
        let viewName = ctx.arguments.value("--view") ?? "full"
        guard ["full", "summary"].contains(viewName) else {
            throw LPError(.usage, code: "LP_USAGE", "--view is full or summary (lp-query incidents lists them)")
        }
        let input = try IncidentInput.resolve(ctx)
        let access = try IndexAccess(ctx)
        guard let row = try access.index.incident(id: input.id) else {
            throw LPError(.usage, code: "LP_NOT_FOUND", "no incident \(input.id) in \(ctx.state.root)")
        }
        let location = IncidentLocation(app: row.app_id, env: row.environment, id: row.incident_id)
        let loaded = try IncidentStore(state: ctx.state).load(location)
        var result = IncidentViews.summary(loaded, row: row)
        result["schema_version"] = .string(schemaVersion)
        result["view"] = .string(viewName)
        result["resolution"] = ["by": "incident_id", "requested_incident_id": .string(input.id)]
        result["index"] = access.block
        if viewName == "full" { result.merge(try IncidentViews.full(loaded, state: ctx.state)) { _, new in new } }
        var output = StageOutput(result: .object(result), diagnostics: input.upstreamDiagnostics,
                                 artifacts: input.upstreamArtifacts, runId: loaded.meta.run_id)
        output.reportCommand = input.upstreamCommand
        return output
    }
}
