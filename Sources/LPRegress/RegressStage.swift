import LPStage

/// lp-regress: turn a captured incident into regression fixtures (replay trace + HTTP test).
public enum RegressStage {
    public static let definition = StageDefinition(
        name: "lp-regress",
        summary: "generate regression fixtures from incidents (lp.regression.run.result@0.2.0)",
        commands: [FromIncidentCommand.command])
}
