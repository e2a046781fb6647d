import LPCore
import LPState
import LPModel
import LPIndex
import LPStage

/// `lp-incident resolve`: the last step of an incident's lifecycle, recorded as an
/// `incident.resolve` decision; the deployment's open-incident count goes down by one.
enum ResolveCommand {
    static let command = StageCommand(
        words: ["resolve"],
        spec: CommandSpec(
            name: "lp-incident resolve", reportCommand: "incident resolve",
            summary: "mark an incident resolved (open or regression_generated → resolved)",
            usage: ["lp-incident resolve --incident-id ID [--reason TEXT]",
                    "lp-incident capture ... | lp-incident resolve --reason \"fixed in 1.2.3\""],
            options: [
                OptionSpec("--incident-id", value: "ID", "the incident (else the bundle or report on stdin names it)"),
                OptionSpec("--reason", value: "TEXT", "why it is resolved (kept in the decision)"),
                StageOptions.target,
            ],
            examples: ["x07lp incident resolve --incident-id lpinc_... --reason \"fixed in 1.2.3\" --json"],
            exitCodes: [.ok, .usage, .invalidInput, .stateLocked, .stateCorrupt],
            notes: ["Prints the incident bundle. Resolving a resolved incident changes nothing and warns LP_INCIDENT_ALREADY_RESOLVED."]),
        body: { ctx in
            let id = try IncidentInput.resolve(ctx).id
            let store = IncidentStore(state: ctx.state)
            let reason = ctx.arguments.value("--reason") ?? "resolved"
            var alreadyResolved = false
            let (meta, artifacts) = try store.transition(.resolve, id: id, message: reason, nowUnixMs: ctx.clock.unixMs()) { meta in
                guard meta.incident_status != .resolved else { alreadyResolved = true; return false }
                meta.incident_status = .resolved
                return true
            }
            let loaded = try store.load(try store.locate(id))
            let warnings = alreadyResolved
                ? [Diagnostic(code: "LP_INCIDENT_ALREADY_RESOLVED", severity: .warning, message: "incident \(id) was already resolved")] : []
            return StageOutput(result: loaded.bundle, diagnostics: warnings, artifacts: artifacts, runId: meta.run_id)
        })
}
