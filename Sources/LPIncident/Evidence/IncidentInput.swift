import LPCore
import LPState
import LPModel
import LPIndex
import LPStage
/// How the stages after capture find their incident: `--incident-id`, or the document an earlier
/// stage printed on stdin — a bundle (lp-incident), an incident query result (lp-query), or the
/// `--report` envelope of either. A failed upstream report is refused with its exit code.
public struct IncidentInput {
    public var id: String
    /// The upstream `--report` this came from: its command and the artifacts it wrote, so a
    /// pipeline's last stage can report the whole verb (`x07lp incident capture`).
    public var upstreamCommand: String?
    public var upstreamArtifacts: [ArtifactRef] = []
    /// Its warnings, which the last stage of the pipeline reports for it.
    public var upstreamDiagnostics: [Diagnostic] = []

    public static func resolve(_ ctx: StageContext) throws -> IncidentInput {
        if let id = ctx.arguments.value("--incident-id") {
            try StateDirectory.checkComponent(id, what: "incident id")
            return IncidentInput(id: id)
        }
        let input = try ctx.readInput()
        try ExecutionInput.refuseFailedUpstream(input.json, source: input.source)
        let isReport = input.json["schema_version"] == .string(SchemaVersion.cliReport)
        let document = isReport ? (input.json["result"] ?? .null) : input.json
        guard let id = document["incident_id"]?.stringValue else {
            throw LPError(.invalidInput, code: "LP_INPUT_UNKNOWN",
                          "\(input.source): expected an lp.incident.bundle@0.2.0 or an incident query result (or pass --incident-id)",
                          stage: .parse)
        }
        try StateDirectory.checkComponent(id, what: "incident id")
        guard isReport else { return IncidentInput(id: id) }
        return IncidentInput(id: id, upstreamCommand: input.json["command"]?.stringValue,
                             upstreamArtifacts: (try? input.json["meta"]?["artifacts_written"]?.decode([ArtifactRef].self)) ?? [],
                             upstreamDiagnostics: (try? input.json["diagnostics"]?.decode([Diagnostic].self)) ?? [])
    }
}
