import LPCore
import LPStage

/// `lp-catalog routes`: the routing table of every stage command, as a shell file
/// (scripts/x07lp.routes), or as JSON with --report.
enum RoutesCommand {
    static let command = StageCommand(
        words: ["routes"],
        spec: CommandSpec(
            name: "lp-catalog routes", reportCommand: "catalog routes",
            summary: "print the flags every stage command declares, as a table POSIX sh can source",
            usage: ["lp-catalog routes > scripts/x07lp.routes"],
            options: [],
            examples: ["swift build && .build/debug/lp-catalog routes > scripts/x07lp.routes",
                       "lp-catalog routes --report --pretty   # the same table as JSON"],
            exitCodes: [.ok, .usage, .internalError],
            notes: ["For each command of each stage, keyed <stage without lp->[_<command words>] with \"-\" spelled \"_\",",
                    "the variables lp_values_<key> (its own flags that take a value), lp_switches_<key> (its own flags",
                    "that take none) and lp_synopsis_<key> (--flag=VALUE, \"...\" when repeatable); the options every",
                    "command accepts have the key common. Aliases of an option (--ops-profile for --ops) are listed in",
                    "lp_values_/lp_switches_ like the option, so the wrapper routes every spelling; the synopsis omits them.",
                    "Lists are space-separated and sorted; the output depends only on the stages' declarations."]),
        body: { _ in
            let table = try RoutesTable(stages: CatalogStage.stages)
            return StageOutput(result: table.json, rawBytes: Array(table.shellText.utf8))
        })
}
