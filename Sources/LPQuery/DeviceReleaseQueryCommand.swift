import LPCore
import LPState
import LPModel
import LPIndex
import LPStage

/// `lp-query device-release` (`x07lp device release-query`): one device release execution, by
/// id or the latest matching filters, as `lp.device.release.query.result@0.2.0`.
enum DeviceReleaseQueryCommand {
    static let command = StageCommand(
        words: ["device-release"],
        spec: CommandSpec(
            name: "lp-query device-release", reportCommand: "device release query",
            summary: "one device release: summary, timeline, decisions or full",
            usage: ["lp-query device-release --release ID [--view summary|timeline|decisions|full]",
                    "lp-query device-release --latest [--app-id APP] [--provider-id ID] [--distribution-lane LANE] [--target-kind ios|android]"],
            options: [
                OptionSpec("--release", value: "ID", aliases: ["--release-id", "--release-exec-id"], "the release execution"),
                OptionSpec("--latest", "the most recently updated release matching the filters"),
            ] + DeviceReleaseFilterOptions.options(prefix: "with --latest: ") + [
                OptionSpec("--view", value: "VIEW", "summary (default), timeline (+ steps), decisions (+ decision ids), full (+ meta)"),
                IndexAccess.option,
            ],
            examples: ["x07lp device release-query --release lpdrexec_... --view full --json",
                       "x07lp device release-query --latest --app-id io.x07.demo.ios --json"],
            exitCodes: [.ok, .usage, .stateCorrupt]),
        body: run)

    static func run(_ ctx: StageContext) throws -> StageOutput {
        let args = ctx.arguments
        let view = args.value("--view") ?? "summary"
        guard DeviceReleaseViews.views.contains(view) else {
            throw LPError(.usage, code: "LP_USAGE", "--view is summary, timeline, decisions or full")
        }
        let access = try IndexAccess(ctx)
        let id: String
        if let given = args.value("--release") {
            guard !args.has("--latest") else { throw LPError(.usage, code: "LP_USAGE", "use --release ID or --latest, not both") }
            id = given
        } else if args.has("--latest") {
            guard let row = try access.index.deviceReleases(DeviceReleaseFilterOptions.filter(args), limit: 1).first else {
                throw LPError(.usage, code: "LP_NOT_FOUND", "no device release in \(ctx.state.root) matches the filters")
            }
            id = row.exec_id
        } else {
            throw LPError(.usage, code: "LP_USAGE", "device release query needs --release ID or --latest [filters]")
        }
        let store = DeviceExecutionStore(state: ctx.state)
        let execution = try store.load(id)
        let bytes = try ctx.state.read(DeviceReleasePaths.execution(id))
        let result = try DeviceReleaseViews.result(execution, recordBytes: bytes, view: view, index: access.block,
                                                   signatures: ViewSignatures(ctx))
        return StageOutput(result: result, diagnostics: access.notes, runId: execution.run_id)
    }
}
