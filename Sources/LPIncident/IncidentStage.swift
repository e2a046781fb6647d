import LPStage

/// lp-incident: capture incidents (lp.incident.bundle@0.2.0 + local meta) and move them through
/// their lifecycle (open → regression_generated → resolved).
public enum IncidentStage {
    public static let definition = StageDefinition(
        name: "lp-incident",
        summary: "capture incidents into lp.incident.bundle@0.2.0 and resolve them",
        commands: [CaptureCommand.command, ResolveCommand.command])
}
