import LPCore
import LPState
import LPModel
import LPIndex
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A command a stage binary hosts: the words that select it (`["schema", "validate"]`), its
/// spec, its body, and the human view of its result (`--output table|wide`, and by default on a
/// terminal), if it has one.
public struct StageCommand: Sendable {
    public var words: [String]
    public var spec: CommandSpec
    public var body: @Sendable (StageContext) throws -> StageOutput
    public var view: HumanView?

    public init(words: [String], spec: CommandSpec, view: HumanView? = nil,
                body: @escaping @Sendable (StageContext) throws -> StageOutput) {
        self.words = words
        self.spec = spec
        self.view = view
        self.body = body
    }
}

/// A stage binary: its name, what it is for, and the commands it hosts.
public struct StageDefinition: Sendable {
    public var name: String
    public var summary: String
    public var commands: [StageCommand]

    public init(name: String, summary: String, commands: [StageCommand]) {
        self.name = name
        self.summary = summary
        self.commands = commands
    }
}

/// The edge of every stage: picks the command, parses flags, runs the body, writes exactly one
/// document to stdout, diagnostics to stderr, and exits with the table's code.
public enum StageRunner {
    public static func main(_ definition: StageDefinition, argv: [String] = Array(CommandLine.arguments.dropFirst())) -> Never {
        let (stage, summary, commands) = (definition.name, definition.summary, definition.commands)
        let environment = ProcessEnvironment.current()
        let (command, rest) = select(commands, argv)
        guard let command else {
            if argv.first == "--version" { emitText("\(stage) \(LPVersion.current)\n"); exit(0) }
            // Leading words that start some commands (`lp-apply control`, `lp-apply control deploy`):
            // the overview of those commands.
            let words = Array(argv.prefix { !$0.hasPrefix("-") })
            let group = words.isEmpty || words == ["help"] ? [] : words
            let shown = commands.filter { $0.words.starts(with: group) }
            let wantsHelp = argv.isEmpty || argv.first == "help" || argv.contains { isHelp($0) }
            let known = !shown.isEmpty
            let text = overview(stage: stage, group: group, summary: summary, commands: known ? shown : commands)
            if wantsHelp && (known || group.isEmpty) { emitText(text); exit(0) }
            let problem = known ? "\"\(([stage] + group).joined(separator: " "))\" needs one of the commands below"
                                : "unknown command \"\(argv.joined(separator: " "))\""
            FileHandle.standardError.write(Data(("x07lp: error[LP_USAGE]: \(problem)\n\n" + text).utf8))
            exit(ExitCode.usage.rawValue)
        }
        let spec = command.spec
        if rest.contains(where: isHelp) { emitText(spec.helpText); exit(0) }
        if rest.contains("--version") { emitText("\(stage) \(LPVersion.current)\n"); exit(0) }
        if spec.option(named: "--watch") != nil, rest.contains("--watch") { watch(command, rest, environment: environment) }
        let execution = execute(command, rest, environment: environment, stdin: nil)
        let report = rest.contains("--report") || rest.contains("--json")
        let format = OutputFormat.effective(execution.context.flatMap { try? OutputFormat.requested($0.arguments, spec: spec) },
                                            hasView: command.view != nil)
        if !report, !execution.failed, format != .json, execution.output.rawBytes == nil {
            show(execution, view: command.view, wide: format == .wide)
        }
        finish(execution.output, spec: spec, context: execution.context, report: report,
               pretty: rest.contains("--pretty"), failed: execution.failed)
    }

    /// Prints the human view of a result (or, for a command without one, the document indented)
    /// with its diagnostics, and exits with the result's code.
    static func show(_ execution: StageExecution, view: HumanView?, wide: Bool) -> Never {
        let output = execution.output
        let quiet = execution.context?.quiet ?? false
        for diagnostic in output.printedDiagnostics ?? output.diagnostics where !(quiet && diagnostic.severity != .error) {
            FileHandle.standardError.write(Data((diagnostic.humanLine + "\n").utf8))
        }
        let document = output.document ?? output.result
        emitText(view.map { $0(output.result, output.document, wide) } ?? String(decoding: document.encoded(.pretty), as: UTF8.self) + "\n")
        exit(output.exitCode.rawValue)
    }

    /// Runs one command in-process: parses `arguments`, runs the body, and turns a thrown error
    /// into the failed output the binary would print. `stdin` stands for the piped document
    /// (nil: the process's own stdin). Nothing is printed and nothing exits.
    public static func execute(_ command: StageCommand, _ arguments: [String], environment: [String: String],
                               stdin: [UInt8]?) -> StageExecution {
        let spec = command.spec
        var context: StageContext?
        do {
            let parsed = try ParsedArguments(arguments, spec: spec)
            let ctx = try StageContext(spec: spec, arguments: parsed, environment: environment, stdin: stdin)
            context = ctx
            return StageExecution(spec: spec, context: ctx, output: try command.body(ctx), failed: false)
        } catch let error as LPError {
            var output = StageOutput(result: [:], exitCode: error.exitCode, diagnostics: error.reportDiagnostics)
            if let upstream = error.upstream {
                // Refusing a failed upstream report: that report's diagnostics (the root cause),
                // artifacts and run go on in ours; stderr only gets our own line, the upstream
                // stage printed its own.
                output.artifacts = upstream.artifacts
                output.runId = upstream.runId
                if spec.namesUpstreamCommand {
                    // Only showing the upstream's work, this command's report is the upstream's.
                    output.reportCommand = upstream.command
                    if !upstream.diagnostics.isEmpty { output.diagnostics = upstream.diagnostics }
                }
                output.printedDiagnostics = error.diagnostics
            }
            return StageExecution(spec: spec, context: context, output: output, failed: true)
        } catch {
            let diagnostic = Diagnostic(code: "LP_INTERNAL", message: "internal error: \(error)")
            let output = StageOutput(result: [:], exitCode: .internalError, diagnostics: [diagnostic])
            return StageExecution(spec: spec, context: context, output: output, failed: true)
        }
    }

    /// The command of `definition` that `argv` selects, and the words after it.
    public static func command(_ definition: StageDefinition, _ argv: [String]) -> (StageCommand, [String])? {
        let (command, rest) = select(definition.commands, argv)
        return command.map { ($0, rest) }
    }

    /// `--help`, or its short form `-h`.
    static func isHelp(_ word: String) -> Bool { word == "--help" || word == "-h" }

    /// The longest word path that matches the start of argv; a command with no words is the default.
    static func select(_ commands: [StageCommand], _ argv: [String]) -> (StageCommand?, [String]) {
        let sorted = commands.sorted { $0.words.count > $1.words.count }
        for command in sorted where !command.words.isEmpty {
            if argv.count >= command.words.count, Array(argv[0..<command.words.count]) == command.words {
                return (command, Array(argv[command.words.count...]))
            }
        }
        if let fallback = commands.first(where: { $0.words.isEmpty }),
           argv.first.map({ $0.hasPrefix("-") }) ?? (isatty(STDIN_FILENO) == 0) {
            return (fallback, argv)
        }
        return (nil, argv)
    }

    /// The commands (all of them, or those starting with the words `group`) and the union of
    /// their exit codes.
    static func overview(stage: String, group: [String] = [], summary: String, commands: [StageCommand]) -> String {
        let title = group.isEmpty ? "\(stage) — \(summary)" : "\(([stage] + group).joined(separator: " ")) — the commands of \(stage) that start with \"\(group.joined(separator: " "))\""
        var lines = [title, "", "COMMANDS:"]
        for command in commands {
            let words = command.words.isEmpty ? "(default)" : command.words.joined(separator: " ")
            lines.append("  " + words + String(repeating: " ", count: max(2, 24 - words.count)) + command.spec.summary)
        }
        let codes = Set(commands.flatMap(\.spec.exitCodes)).sorted { $0.rawValue < $1.rawValue }
        lines += ["", "EXIT CODES:"] + codes.map { "  \($0.rawValue)\t\($0.meaning)" }
        lines += ["", "Run `\(stage) <command> --help` for the flags, an example and the exit codes of each."]
        return lines.joined(separator: "\n") + "\n"
    }

    static func finish(_ output: StageOutput, spec: CommandSpec, context: StageContext?, report: Bool, pretty: Bool,
                       failed: Bool = false) -> Never {
        let quiet = context?.quiet ?? false
        for diagnostic in output.printedDiagnostics ?? output.diagnostics where !(quiet && diagnostic.severity != .error) {
            FileHandle.standardError.write(Data((diagnostic.humanLine + "\n").utf8))
        }
        let style: JSONEncoding = pretty ? .pretty : .canonical
        // A failure inside a pipe still passes one document on — the failed report — so the next
        // stage refuses it with this exit code, with or without `set -o pipefail`.
        let failedIntoPipe = failed && isatty(STDOUT_FILENO) == 0
        if report || failedIntoPipe {
            let json = StageExecution(spec: spec, context: context, output: output, failed: failed).report
            emitBytes(json.encoded(style) + [0x0A])
        } else if let raw = output.rawBytes {
            emitBytes(raw)
        } else if !failed {
            emitBytes((output.document ?? output.result).encoded(style) + [0x0A])
        }
        exit(output.exitCode.rawValue)
    }

    static func emitText(_ text: String) { emitBytes(Array(text.utf8)) }

    static func emitBytes(_ bytes: [UInt8]) {
        // A closed stdout (e.g. `| head`) must not kill us with SIGPIPE mid-report.
        signal(SIGPIPE, SIG_IGN)
        try? AtomicFile.writeAll(STDOUT_FILENO, bytes, path: "stdout")
    }
}

/// One command run in-process: what it produced, and the `lp.cli.report@0.1.0` it stands for.
public struct StageExecution {
    public var spec: CommandSpec
    public var context: StageContext?
    public var output: StageOutput
    public var failed: Bool

    public var exitCode: ExitCode { output.exitCode }

    /// The report the binary prints with `--report` / `--json`.
    public var report: JSON {
        let runId = output.runId ?? Identifier.make(.run, parts: [spec.reportCommand, String(context?.clock.unixMs() ?? 0)])
        let envelope = CLIReport(command: output.reportCommand ?? spec.reportCommand, exitCode: output.exitCode,
                                 diagnostics: output.diagnostics, runId: runId, artifacts: output.artifacts,
                                 result: output.result)
        return (try? JSON(encoding: envelope)) ?? [:]
    }
}
