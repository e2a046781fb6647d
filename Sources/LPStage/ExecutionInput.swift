import LPCore
import LPState
import LPModel
import LPIndex
import Foundation

/// How deploy stages get the execution they work on: `--deployment-id X` (alias `--deployment`),
/// `--accepted-run RUN` (the deployment intake created in that run), or the execution document
/// an upstream stage printed (stdin / `--in`), or its `--report` envelope. Either way the stored
/// `deploy/<exec_id>.json` is the source of truth; the piped document only names it.
/// A failed upstream document is refused with the upstream's exit code.
public enum ExecutionInput {
    public static func load(_ ctx: StageContext, catalog: ContractCatalog) throws -> DeployExecution {
        let store = ExecutionStore(state: ctx.state)
        let named = ctx.arguments.value("--deployment-id")
        if let run = ctx.arguments.value("--accepted-run") {
            let id = try deploymentId(acceptedIn: run, state: ctx.state)
            if let named, named != id {
                throw LPError(.usage, code: "LP_USAGE", "--deployment-id \(named) is not the deployment run \(run) accepted (\(id))")
            }
            return try store.load(id)
        }
        if let named { return try store.load(named) }
        let input: InputDocument
        do {
            input = try ctx.readInput()
        } catch let error as LPError where ctx.arguments.value("--in") == nil
                    && error.diagnostics.contains(where: { $0.code == "LP_INPUT_EMPTY" || $0.code == "LP_USAGE" }) {
            // Nothing named and nothing piped: say which flag is missing, not that stdin was empty.
            let latest = ctx.spec.option(named: "--app-id") != nil ? " (or --app-id APP --env ENV for the latest)" : ""
            throw LPError(.usage, code: "LP_USAGE", "missing --deployment-id ID\(latest): name the deployment, or pipe its "
                            + "execution into stdin; see `\(ctx.spec.name) --help`")
        }
        return try store.load(try deploymentId(namedBy: input.json, source: input.source, catalog: catalog))
    }

    /// The deployment intake created in run `runId`: `meta.exec_id` of `runs/<run>.json`.
    public static func deploymentId(acceptedIn runId: String, state: StateDirectory) throws -> String {
        try StateDirectory.checkComponent(runId, what: "run id")
        let relative = StateDirectory.runRecord(runId)
        guard state.exists(relative) else {
            throw LPError(.usage, code: "LP_NOT_FOUND",
                          "no run \(runId) in \(state.root) (--accepted-run takes the run_id `deploy accept` reported)")
        }
        guard let id = try state.readJSON(relative)["meta"]?["exec_id"]?.stringValue else {
            throw LPError(.usage, code: "LP_NOT_FOUND", "run \(runId) accepted no deployment (it is not an intake run)")
        }
        return id
    }

    /// The deployment a piped document names: an execution (checked against its contract) or an
    /// upstream `--report` naming it in its result. With `acceptingEndedBadly`, the report of a run
    /// that ended in a rollback or an exhausted retry budget (14, 15) is taken too: for the stage
    /// whose job is that deployment's incident.
    public static func deploymentId(namedBy document: JSON, source: String, catalog: ContractCatalog,
                                    acceptingEndedBadly: Bool = false) throws -> String {
        guard document["schema_version"] == .string(SchemaVersion.cliReport) else {
            try refuseFailedUpstream(document, source: source)
            try catalog.validate(document, as: DeployExecution.schemaVersion, source: source)
            return document["exec_id"]?.stringValue ?? ""
        }
        let endedBadly = DeployOutcome.allCases.compactMap(\.failureExitCode).map { JSON.number(Double($0.rawValue)) }
        if !(acceptingEndedBadly && endedBadly.contains(document["exit_code"] ?? .null)) {
            try refuseFailedUpstream(document, source: source)
        }
        guard let id = document["result"]?["exec_id"]?.stringValue ?? document["result"]?["deployment_id"]?.stringValue else {
            throw LPError(.invalidInput, code: "LP_UPSTREAM_UNKNOWN", "\(source): the report names no deployment", stage: .parse)
        }
        return id
    }

    /// An upstream report with `ok: false`, or an execution that intake rejected, stops here. The
    /// error keeps the failed report (`LPError.upstream`), so the report of this stage leads with
    /// the upstream's own diagnostics: the root cause reaches the end of the pipe.
    public static func refuseFailedUpstream(_ document: JSON, source: String) throws {
        if document["schema_version"] == .string(SchemaVersion.cliReport), document["ok"] == false {
            let code = document["exit_code"]?.intValue.flatMap { Int32(exactly: $0) }.flatMap(ExitCode.init(rawValue:)) ?? .invalidInput
            let upstream = UpstreamFailure(report: document)
            let named = upstream.command.map { " (\($0))" } ?? ""
            var error = LPError(code, code: UpstreamFailure.code,
                                "\(source): the upstream stage\(named) failed (exit \(code.rawValue)); fix that first")
            error.upstream = upstream
            throw error
        }
        if document["schema_version"] == .string(DeployExecution.schemaVersion), document["status"] == "failed",
           document["meta"]?["outcome"] == "rejected" {
            throw LPError(.gateRejected, code: UpstreamFailure.code,
                          "\(source): intake rejected deployment \(document["exec_id"]?.stringValue ?? "?"); nothing to plan or run")
        }
    }
}
