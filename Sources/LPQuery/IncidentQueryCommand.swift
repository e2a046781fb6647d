import LPCore
import LPState
import LPModel
import LPIndex
import LPStage
import LPIncident
#if canImport(Glibc)
import Glibc
#endif

/// `lp-query incidents` (a list, newest first) and `lp-query incident` (one incident in full),
/// both `lp.incident.query.result@0.2.0`, answered from the index.
enum IncidentQueryCommand {
    static let schemaVersion = SchemaVersion.incidentQueryResult

    static let list = StageCommand(
        words: ["incidents"],
        spec: CommandSpec(
            name: "lp-query incidents", reportCommand: "incident list",
            summary: "list incidents, newest first: all, or those of a deployment or of an app/environment",
            usage: ["lp-query incidents --all [--status S] [--classification C] [--limit N]",
                    "lp-query incidents --deployment-id ID [--limit N]",
                    "lp-query incidents --app-id APP --env ENV [--limit N]",
                    "lp-query incidents --release EXEC_ID [--native-only] [--native-classification C] [--target-kind ios|android]",
                    "lp-apply ... | lp-query incidents"],
            options: [
                OptionSpec("--all", "every incident (reads no document; what `x07lp incident list` does with no selection)"),
                OptionSpec("--deployment-id", value: "ID", aliases: ["--deployment"], "incidents of this deployment"),
                OptionSpec("--release", value: "EXEC_ID", aliases: ["--release-id", "--release-exec-id"],
                           "incidents of this device release execution"),
                OptionSpec("--app-id", value: "APP", "incidents of every deployment of the app (with --env: there only)"),
                OptionSpec("--env", value: "ENV", "incidents in this environment (with or without --app-id)"),
                OptionSpec("--status", value: "S", "only incidents in this state: \(statuses.joined(separator: ", "))"),
                OptionSpec("--classification", value: "C", "only incidents of this class: \(IncidentMeta.classifications.joined(separator: ", "))"),
                OptionSpec("--native-only", "only incidents with a native classification (device releases)"),
                OptionSpec("--native-classification", value: "C",
                           "only incidents of this native class: \(NativeClassification.allCases.map(\.rawValue).joined(separator: ", "))"),
                OptionSpec("--target-kind", value: "KIND", "only incidents on this device platform: ios, android"),
                OptionSpec("--limit", value: "N", "at most N rows (default 100, up to 10000)"),
                StageOptions.target,
                IndexAccess.option,
            ],
            examples: ["x07lp incident list --json",
                       "x07lp incident list --app-id example.hello.web --env staging --status open --limit 20 --json"],
            exitCodes: [.ok, .usage, .invalidInput, .gateRejected, .sloRollback, .retryBudgetExhausted, .stateCorrupt],
            notes: ["With no --deployment-id, --app-id, --env or --all, the deployment piped in (an execution or its report) is",
                    "the selection; `x07lp incident list` adds --all when its words select nothing, so it lists every incident.",
                    "Incidents whose files are incomplete (a capture interrupted before its meta was written) are not listed;",
                    "`x07lp state verify` reports them."]),
        view: QueryViews.incidents, body: runList)

    static let statuses = [IncidentMeta.Status.open, .regression_generated, .resolved].map(\.rawValue)

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
                StageOptions.target,
                IndexAccess.option,
            ],
            examples: ["x07lp incident get --incident-id lpinc_... --json"],
            exitCodes: [.ok, .usage, .invalidInput, .gateRejected, .stateLocked, .stateCorrupt],
            notes: ["Given the --report of lp-incident on stdin, the report names the upstream command (incident capture),",
                    "its artifacts and its warnings; when that command failed, this one fails with its exit code, and its",
                    "report still names that command and leads with its diagnostics."],
            namesUpstreamCommand: true),
        view: QueryViews.incident, body: runGet)

    static func runList(_ ctx: StageContext) throws -> StageOutput {
        let args = ctx.arguments
        let limit = Int(try args.integer("--limit", range: 1...10_000) ?? 100)
        let status = try args.value("--status").map { try Filter.oneOf($0, statuses, flag: "--status") }
        let classification = try args.value("--classification").map {
            try Filter.oneOf($0, IncidentMeta.classifications + IncidentMeta.releaseClassifications, flag: "--classification")
        }
        let native = try args.value("--native-classification").map {
            try Filter.oneOf($0, NativeClassification.allCases.map(\.rawValue), flag: "--native-classification")
        }
        let targetKind = try args.value("--target-kind").map { try Filter.oneOf($0, ["ios", "android"], flag: "--target-kind") }
        let nativeOnly = args.has("--native-only")
        let release = args.value("--release")
        let app = try args.value("--app-id").map { try Filter.appId($0) }
        let env = try args.value("--env").map { try Filter.environment($0) }
        let deployment = args.value("--deployment-id")
        if [deployment != nil, app != nil || env != nil, release != nil].filter({ $0 }).count > 1 {
            throw LPError(.usage, code: "LP_USAGE", "use --deployment-id ID, --release EXEC_ID, or --app-id APP / --env ENV: one of them")
        }
        let all = args.has("--all")
        if all && (deployment != nil || app != nil || env != nil || release != nil || args.value("--in") != nil) {
            throw LPError(.usage, code: "LP_USAGE", "--all lists every incident: leave out --deployment-id, --release, --app-id, --env and --in")
        }
        // A deployment piped in selects; nothing to read (a terminal on stdin) means every incident.
        // The piped document is read before the index is opened (see PipedExecution).
        let interactive = args.value("--in") == nil && !ctx.hasPipedInput
        let piped = all || interactive || app != nil || env != nil || release != nil ? nil : try PipedExecution.read(ctx)
        let access = try IndexAccess(ctx)
        // Filters narrow the rows before the limit applies: fetch without a cap when there are some.
        let filtered = status != nil || classification != nil || native != nil || targetKind != nil || nativeOnly
        let fetch = filtered ? Int(Int32.max) : limit
        var rows: [IncidentRow]
        let resolution: JSON
        if let release {
            rows = try access.index.incidents(releaseExecId: release, limit: fetch)
            resolution = ["by": "release_exec_id", "requested_release_exec_id": .string(release)]
        } else if let app, let env {
            rows = try access.index.incidents(appId: app, environment: env, limit: fetch)
            resolution = ["by": "target", "requested_target": ["app_id": .string(app), "environment": .string(env)]]
        } else if let id = deployment ?? piped?.exec_id {
            rows = try access.index.incidents(deploymentId: id, limit: fetch)
            resolution = ["by": "deployment_id", "requested_deployment_id": .string(id)]
        } else {
            // Every incident (of one app, or in one environment, when only one of them is given),
            // those of apps without a deployment (device releases) included.
            rows = try access.index.allIncidents(limit: app == nil && env == nil ? fetch : Int(Int32.max))
                .filter { (app ?? $0.app_id) == $0.app_id && (env ?? $0.environment) == $0.environment }
            resolution = ["by": "all"]
        }
        rows = rows.filter { row in
            (status.map { $0 == row.status } ?? true) && (classification.map { $0 == row.classification } ?? true)
                && (native.map { $0 == row.native_classification } ?? true) && (targetKind.map { $0 == row.target_kind } ?? true)
                && (!nativeOnly || row.native_classification != nil)
        }
        let signatures = ViewSignatures(ctx)
        let items = rows.compactMap { IncidentViews.row($0, signatures: signatures) }.prefix(limit)
        var output = StageOutput(result: ["schema_version": .string(schemaVersion), "view": "list", "resolution": resolution,
                                          "index": access.block, "items": .array(Array(items))], diagnostics: access.notes)
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
        var result = IncidentViews.summary(loaded, row: row, signatures: ViewSignatures(ctx))
        result["schema_version"] = .string(schemaVersion)
        result["view"] = .string(viewName)
        result["resolution"] = ["by": "incident_id", "requested_incident_id": .string(input.id)]
        result["index"] = access.block
        if viewName == "full" { result.merge(try IncidentViews.full(loaded, state: ctx.state)) { _, new in new } }
        var output = StageOutput(result: .object(result), diagnostics: input.upstreamDiagnostics + access.notes,
                                 artifacts: input.upstreamArtifacts, runId: loaded.meta.run_id)
        output.reportCommand = input.upstreamCommand
        return output
    }
}
