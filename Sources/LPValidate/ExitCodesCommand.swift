import LPCore
import LPState
import LPModel
import LPStage

/// `help exit-codes`: the one exit-code table, as text (or as JSON with --report).
enum ExitCodesCommand {
    static let command = StageCommand(
        words: ["help", "exit-codes"],
        spec: CommandSpec(
            name: "lp-validate help exit-codes", reportCommand: "help exit-codes",
            summary: "print the exit codes every x07lp stage uses",
            usage: ["lp-validate help exit-codes"], options: [],
            examples: ["x07lp help exit-codes"], exitCodes: [.ok, .usage]),
        body: { _ in
            let rows: [JSON] = ExitCode.allCases.map {
                ["code": .number(Double($0.rawValue)), "name": .string("\($0)"), "meaning": .string($0.meaning)]
            }
            return StageOutput(result: ["exit_codes": .array(rows)], rawBytes: Array((ExitCode.table + "\n").utf8))
        })
}
