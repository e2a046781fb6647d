import LPApply
import LPStage
import Foundation

// lp-apply: see LPApply/ApplyStage.swift. `lp-apply backend-supervisor` is the back-end
// supervisor `x07lp serve start` leaves running (LPRuntime/BackendSupervisor.swift).
if CommandLine.arguments.count > 1, CommandLine.arguments[1] == "backend-supervisor" {
    exit(ServeCommands.backendSupervisor(Array(CommandLine.arguments.dropFirst(2))))
}
StageRunner.main(ApplyStage.definition)
