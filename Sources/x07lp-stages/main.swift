import LPStage
import LPValidate
import LPPlan
import LPIncident
import LPApply
import LPRegress
import LPQuery
import LPRelease
import LPRemote
import Foundation

// x07lp-stages: every stage in one binary, run as the stage it is named (an installed
// bin/lp-validate is a link to it), so a package carries the Swift runtime once instead of eight
// times. `x07lp-stages lp-query deploy ...` names the stage in the first word instead.
let stages = [ValidateStage.definition, PlanStage.definition, ApplyStage.definition,
              IncidentStage.definition, RegressStage.definition, QueryStage.definition,
              ReleaseStage.definition, RemoteStage.definition]
let invoked = (CommandLine.arguments.first.map { ($0 as NSString).lastPathComponent }) ?? ""
if let stage = stages.first(where: { $0.name == invoked }) {
    StageRunner.main(stage)
} else if let first = CommandLine.arguments.dropFirst().first, let stage = stages.first(where: { $0.name == first }) {
    StageRunner.main(stage, argv: Array(CommandLine.arguments.dropFirst(2)))
} else {
    FileHandle.standardError.write(Data(("x07lp: error[LP_USAGE]: x07lp-stages runs as one of "
        + stages.map(\.name).joined(separator: ", ") + " (a link named so), or with that name first\n").utf8))
    exit(2)
}
