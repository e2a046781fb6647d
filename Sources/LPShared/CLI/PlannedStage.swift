/// Entry point for a stage whose work has not been built yet: `--help` and `--version` answer
/// honestly, anything else exits 2 with LP_NOT_IMPLEMENTED. Replaced stage by stage as the
/// deploy-loop, query, incident and regression issues land.
public enum PlannedStage {
    public static func main(stage: String, summary: String, plannedWork: String) -> Never {
        let spec = CommandSpec(
            name: stage, reportCommand: stage,
            summary: summary + " (NOT IMPLEMENTED YET)",
            usage: ["\(stage) --help | --version"], options: [],
            examples: ["\(stage) --help"], exitCodes: [.ok, .usage],
            notes: ["This stage is a placeholder: \(plannedWork) It does no work yet and exits 2 when run."])
        let command = StageCommand(words: [], spec: spec) { _ in
            throw LPError(.usage, code: "LP_NOT_IMPLEMENTED", "\(stage) is not implemented yet: \(plannedWork)")
        }
        StageRunner.main(stage: stage, summary: spec.summary, commands: [command])
    }
}
