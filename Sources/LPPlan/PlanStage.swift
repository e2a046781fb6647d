import LPStage

/// lp-plan: turns a planned execution into one with a stored x07.deploy.plan@0.2.0, generated
/// from the ops profile accepted at intake or adopted from --plan.
public enum PlanStage {
    public static let definition = StageDefinition(
        name: "lp-plan",
        summary: "pin a deploy plan (x07.deploy.plan@0.2.0) to a planned execution",
        commands: [PlanCommand.command])
}
