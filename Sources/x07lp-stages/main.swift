import LPStage
import LPValidate
import LPPlan
import LPIncident
import LPApply
import LPRegress
import LPQuery
import LPRelease
import LPRemote
import LPServe
import LPDaemon
import LPMCP
import Foundation

// x07lp-stages: every stage and server in one binary, run as the one it is named (an installed
// bin/lp-validate is a link to it), so a package carries the Swift runtime once instead of
// eleven times. `x07lp-stages lp-apply ...` names it in the first word instead.
let stages = [ValidateStage.definition, PlanStage.definition, ApplyStage.definition,
              IncidentStage.definition, RegressStage.definition, QueryStage.definition,
              ReleaseStage.definition, RemoteStage.definition, DaemonStage.definition]
/// The servers, which parse their own arguments.
let servers: [String: ([String]) -> Never] = [
    "lp-serve": { ServeMain.main($0) },
    "lp-mcp": { MCPServer.main(argv: $0) },
]

@MainActor func run(_ name: String, _ argv: [String]) -> Bool {
    if let stage = stages.first(where: { $0.name == name }) { StageRunner.main(stage, argv: argv) }
    if let server = servers[name] { server(argv) }
    return false
}

let invoked = (CommandLine.arguments.first.map { ($0 as NSString).lastPathComponent }) ?? ""
let arguments = Array(CommandLine.arguments.dropFirst())
if !run(invoked, arguments), !(arguments.first.map { run($0, Array(arguments.dropFirst())) } ?? false) {
    FileHandle.standardError.write(Data(("x07lp: error[LP_USAGE]: x07lp-stages runs as one of "
        + (stages.map(\.name) + servers.keys.sorted()).joined(separator: ", ") + " (a link named so), or with that name first\n").utf8))
    exit(2)
}
