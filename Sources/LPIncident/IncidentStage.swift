import LPStage

/// lp-incident: capture incidents (lp.incident.bundle@0.2.0 + local meta) and move them through
/// their lifecycle (open → resolved; a regression sets regression_status, not the incident's status).
public enum IncidentStage {
    public static let definition = StageDefinition(
        name: "lp-incident",
        summary: "capture incidents into lp.incident.bundle@0.2.0 and resolve them",
        commands: [CaptureCommand.command, ResolveCommand.command])
}
