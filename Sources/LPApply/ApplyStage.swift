import LPStage
import LPRuntime
import Foundation

/// lp-apply: the deploy step machine on the local target (docs/deploy.md).
public enum ApplyStage {
    /// lp-apply's entry: the stage's commands, or `lp-apply backend-supervisor --state-dir S`, the
    /// back-end supervisor `x07lp serve start` leaves running (LPRuntime/BackendSupervisor.swift).
    public static func main() -> Never {
        let argv = Array(CommandLine.arguments.dropFirst())
        if argv.first == "backend-supervisor" { exit(BackendSupervisor.main(Array(argv.dropFirst()))) }
        StageRunner.main(definition)
    }

    public static let definition = StageDefinition(
        name: "lp-apply",
        summary: "run a deployment's plan on the local target",
        commands: [ApplyCommand.command] + DeployControls.commands + KillControls.commands + ServeCommands.commands)
}
