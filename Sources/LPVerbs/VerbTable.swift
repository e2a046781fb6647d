import LPCore
import LPStage
import LPValidate
import LPPlan
import LPIncident
import LPApply
import LPRegress
import LPQuery
import LPRelease

/// The x07lp verbs as pipelines of stage commands, the same table `scripts/x07lp` follows, so a
/// server (`lp-serve`, `lp-mcp`) runs a verb in-process and answers the report the CLI prints.
public struct VerbPipeline: Sendable {
    /// One stage of the pipeline: the stage binary's definition and the words of its command.
    public struct Step: Sendable {
        public var definition: StageDefinition
        public var words: [String]
        /// Words always passed (`incident get` is `lp-query incident --view full`).
        public var fixed: [String] = []
    }

    public var steps: [Step]
    /// Only the first stage's own flags count (its last stage only shows what the first did).
    public var routeFirst = false
}

public enum VerbTable {
    /// The pipeline behind `x07lp <words>`, or nil for a verb x07lp does not have.
    public static func pipeline(_ words: [String]) -> VerbPipeline? {
        func one(_ definition: StageDefinition, _ words: String) -> VerbPipeline {
            VerbPipeline(steps: [.init(definition: definition, words: words.split(separator: " ").map(String.init))])
        }
        switch words {
        case ["deploy", "accept"]: return one(ValidateStage.definition, "")
        case ["deploy", "run"]:
            return VerbPipeline(steps: [.init(definition: PlanStage.definition, words: []),
                                        .init(definition: ApplyStage.definition, words: [])])
        case ["deploy", "pause"], ["deploy", "resume"], ["deploy", "stop"], ["deploy", "rollback"], ["deploy", "promote"],
             ["deploy", "rerun"]:
            return one(ApplyStage.definition, "control deploy " + words[1])
        case ["deploy", "query"]: return one(QueryStage.definition, "deploy")
        case ["deploy", "status"]: return one(QueryStage.definition, "status")
        case ["deploy", "list"]: return one(QueryStage.definition, "deployments")
        case ["blob", "cat"]: return one(QueryStage.definition, "blob")
        case ["app", "kill"], ["app", "unkill"], ["platform", "kill"], ["platform", "unkill"]:
            return one(ApplyStage.definition, "control " + words.joined(separator: " "))
        case ["app", "list"]: return one(QueryStage.definition, "apps")
        case ["state", "verify"]: return one(ValidateStage.definition, "state verify")
        case ["route"]: return one(QueryStage.definition, "route")
        case ["index", "rebuild"]: return one(QueryStage.definition, "index rebuild")
        case ["incident", "capture"], ["incident", "resolve"]:
            return VerbPipeline(steps: [.init(definition: IncidentStage.definition, words: [words[1]]),
                                        .init(definition: QueryStage.definition, words: ["incident"], fixed: ["--view", "full"])],
                                routeFirst: true)
        case ["incident", "list"]: return one(QueryStage.definition, "incidents")
        case ["incident", "get"]: return one(QueryStage.definition, "incident")
        case ["regress", "from-incident"]: return one(RegressStage.definition, "from-incident")
        case ["device", "release-query"]: return one(QueryStage.definition, "device-release")
        case ["device", "release-list"]: return one(QueryStage.definition, "device-releases")
        case let verb where verb.count == 2 && verb[0] == "device" && verb[1].hasPrefix("release-")
            && ReleaseStage.verbs.contains(String(verb[1].dropFirst(8))):
            return one(ReleaseStage.definition, String(verb[1].dropFirst(8)))
        default: return nil
        }
    }
}
