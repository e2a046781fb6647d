import LPCore
import LPState
import LPModel
import LPStage

/// `help exit-codes`: the one exit-code table and how each ending of a deploy run maps onto it,
/// as text (or as JSON with --report).
enum ExitCodesCommand {
    static let command = StageCommand(
        words: ["help", "exit-codes"],
        spec: CommandSpec(
            name: "lp-validate help exit-codes", reportCommand: "help exit-codes",
            summary: "print the exit codes every x07lp stage uses, and the code of each way a deploy run ends",
            usage: ["lp-validate help exit-codes"], options: [],
            examples: ["x07lp help exit-codes", "x07lp help exit-codes --json | jq '.result.run_endings'"],
            exitCodes: [.ok, .usage]),
        body: { _ in
            let rows: [JSON] = ExitCode.allCases.map {
                ["code": .number(Double($0.rawValue)), "name": .string("\($0)"), "meaning": .string($0.meaning)]
            }
            return StageOutput(result: ["exit_codes": .array(rows), "run_endings": .array(RunEnding.rows)],
                               rawBytes: Array(text.utf8))
        })

    static var text: String {
        let notPromoted = RunEnding.allCases.filter(\.exitsZeroWithoutPromotion).map(\.label).joined(separator: ", ")
        return ExitCode.table + "\n\n"
            + "HOW A DEPLOY RUN ENDS (x07lp deploy run, x07lp deploy, lp-apply): exit code, ending, report diagnostic\n"
            + RunEnding.table + "\n\n"
            + "Exit 0 does not mean promoted: \(notPromoted) exit 0 too. A CI step that must promote checks the\n"
            + "report (`--json`: an info diagnostic names the ending; result.outcome is promoted) or the execution's status.\n"
    }
}
