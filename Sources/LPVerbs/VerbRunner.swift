import LPCore
import LPStage

/// What a verb run in-process answered: the `lp.cli.report@0.1.0` the CLI prints with `--json`
/// (the last stage's, which carries an upstream failure on), and its exit code.
public struct VerbResult: Sendable {
    public var report: JSON
    public var exitCode: ExitCode
}

/// Runs an x07lp verb in-process, as `scripts/x07lp` does with processes: the words after the
/// verb are routed to the stages of its pipeline and each stage's report is the next one's stdin.
public enum VerbRunner {
    /// `words` selects the verb (`["deploy", "query"]`), `arguments` are the words after it.
    public static func run(_ words: [String], _ arguments: [String], environment: [String: String]) -> VerbResult {
        guard let pipeline = VerbTable.pipeline(words) else {
            return failure(words, "unknown verb \"\(words.joined(separator: " "))\"")
        }
        var arguments = arguments
        if words == ["incident", "list"], !arguments.contains(where: selectsIncidents) { arguments.append("--all") }
        let routed = route(arguments, pipeline)
        var stdin: [UInt8] = []
        var last: StageExecution?
        for (index, step) in pipeline.steps.enumerated() {
            guard let (command, rest) = StageRunner.command(step.definition, step.words + step.fixed + routed[index]) else {
                return failure(words, "no stage command for \"\(words.joined(separator: " "))\"")
            }
            let upstream = index < pipeline.steps.count - 1
            let execution = StageRunner.execute(command, rest + (upstream ? ["--quiet"] : []), environment: environment,
                                                stdin: stdin)
            stdin = execution.report.canonicalBytes
            last = execution
        }
        guard let last else { return failure(words, "empty pipeline") }
        return VerbResult(report: last.report, exitCode: last.exitCode)
    }

    /// The words for each stage: the options every command takes go to every stage (`--in` to
    /// the first only), any other flag to the first stage that declares it, anything else to the
    /// last stage (the first, for a verb that only shows what its first stage did).
    static func route(_ arguments: [String], _ pipeline: VerbPipeline) -> [[String]] {
        let count = pipeline.steps.count
        var routed = Array(repeating: [String](), count: count)
        let fallback = pipeline.routeFirst ? 0 : count - 1
        let specs = pipeline.steps.compactMap { StageRunner.command($0.definition, $0.words + $0.fixed)?.0.spec }
        var index = 0
        while index < arguments.count {
            let word = arguments[index]
            index += 1
            guard word.hasPrefix("--") else { routed[fallback].append(word); continue }
            let flag = String(word.prefix { $0 != "=" })
            let inline = flag.count < word.count
            var targets: [Int] = [fallback]
            var takesValue = false
            if let common = CommonOptions.all.first(where: { $0.name == flag }) {
                takesValue = common.valueName != nil
                targets = flag == "--in" ? [0] : Array(0..<count)
            } else {
                let candidates = pipeline.routeFirst ? Array(specs.prefix(1)) : specs
                if let found = candidates.firstIndex(where: { $0.option(named: flag) != nil }) {
                    targets = [found]
                    takesValue = candidates[found].option(named: flag)?.valueName != nil
                }
            }
            var words = [word]
            if takesValue, !inline, index < arguments.count {
                words.append(arguments[index])
                index += 1
            }
            for target in targets { routed[target] += words }
        }
        return routed
    }

    static func selectsIncidents(_ word: String) -> Bool {
        let flag = String(word.prefix { $0 != "=" })
        return ["--deployment-id", "--deployment", "--app-id", "--env", "--release", "--release-id", "--release-exec-id", "--in",
                "--all"].contains(flag)
    }

    static func failure(_ words: [String], _ message: String) -> VerbResult {
        let report = CLIReport(command: words.joined(separator: " "), exitCode: .usage,
                               diagnostics: [Diagnostic(code: "LP_USAGE", message: message)],
                               runId: Identifier.make(.run, parts: words), artifacts: [], result: [:])
        return VerbResult(report: (try? JSON(encoding: report)) ?? [:], exitCode: .usage)
    }
}
