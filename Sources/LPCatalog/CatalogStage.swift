import LPStage
import LPValidate
import LPPlan
import LPIncident
import LPApply
import LPRegress
import LPQuery
import LPRelease
import LPRemote
import LPDaemon
import LPServe
import LPMCP
import LPCore

/// lp-catalog: what the stages declare, read from their own `StageDefinition`s, for tools that
/// compose them. `lp-catalog routes` prints the routing table scripts/x07lp sources
/// (scripts/x07lp.routes), so a flag is declared once, in its command's spec; `lp-catalog man`
/// and `lp-catalog completions` print the man pages and shell completions from the same specs.
///
/// It depends on every stage library and nothing depends on it.
public enum CatalogStage {
    public static let definition = StageDefinition(
        name: "lp-catalog",
        summary: "what the stages declare, for the x07lp wrapper: the routing table of their flags, man pages, completions",
        commands: [RoutesCommand.command, DocsCommands.man, DocsCommands.completions])

    /// The stages the catalog describes.
    public static let stages: [StageDefinition] = [
        ValidateStage.definition, PlanStage.definition, ApplyStage.definition,
        IncidentStage.definition, RegressStage.definition, QueryStage.definition, ReleaseStage.definition,
        RemoteStage.definition,
    ]

    /// The other binaries shipped beside the stages, each with a man page: x07lpd (a stage
    /// definition of its own, not routed by the wrapper) and the servers that parse their own flags.
    public static let daemon = DaemonStage.definition
    public static let servers: [CommandSpec] = [ServeMain.spec, ServerOptions.spec]
}
