/// What a command accepts, written once: the parser enforces it and `--help` prints it, so the
/// help text cannot drift from the flags a command really takes.
public struct OptionSpec: Sendable {
    public var name: String            // "--state-dir"
    public var valueName: String?      // "DIR"; nil for a flag
    public var help: String
    public var repeatable: Bool
    /// Other spellings of the same option (the reference's names, e.g. `--ops-profile` for
    /// `--ops`). The parser stores a value under `name`, whichever spelling was typed; help lists
    /// each alias on a line of its own, and the wrapper's routing table routes them too.
    public var aliases: [String]

    public init(_ name: String, value: String? = nil, repeatable: Bool = false, aliases: [String] = [], _ help: String) {
        self.name = name
        self.valueName = value
        self.help = help
        self.repeatable = repeatable
        self.aliases = aliases
    }

    /// The name and every alias.
    public var spellings: [String] { [name] + aliases }
}

public struct CommandSpec: Sendable {
    public var name: String            // "lp-validate schema validate"
    public var reportCommand: String   // "schema validate" (lp.cli.report `command`)
    public var summary: String
    public var usage: [String]
    public var options: [OptionSpec]
    public var positionals: [String]   // names shown in usage; count is enforced by the command
    public var examples: [String]
    public var exitCodes: [ExitCode]
    public var notes: [String]
    /// The command only shows what the stage before it in a pipe did (`lp-incident capture
    /// --report | lp-query incident`): its report names that stage's command, also when that
    /// stage failed and this one refuses its report.
    public var namesUpstreamCommand: Bool

    public init(name: String, reportCommand: String, summary: String, usage: [String], options: [OptionSpec],
                positionals: [String] = [], examples: [String], exitCodes: [ExitCode], notes: [String] = [],
                namesUpstreamCommand: Bool = false) {
        self.name = name
        self.reportCommand = reportCommand
        self.summary = summary
        self.usage = usage
        self.options = options + CommonOptions.all
        self.positionals = positionals
        self.examples = examples
        self.exitCodes = exitCodes
        self.notes = notes
        self.namesUpstreamCommand = namesUpstreamCommand
    }

    /// The option spelled `name`: by its name or one of its aliases.
    public func option(named name: String) -> OptionSpec? {
        options.first { $0.name == name } ?? options.first { $0.aliases.contains(name) }
    }

    public var helpText: String {
        var lines = ["\(name) — \(summary)", "", "USAGE:"]
        lines += usage.map { "  " + $0 }
        if !notes.isEmpty { lines += [""] + notes }
        lines += ["", "OPTIONS:"]
        func line(_ head: String, _ text: String) -> String {
            "  " + head + String(repeating: " ", count: max(2, 28 - head.count)) + text
        }
        for option in options {
            let value = option.valueName.map { " " + $0 } ?? ""
            lines.append(line(option.name + value, option.help + (option.repeatable ? " (repeatable)" : "")))
            for alias in option.aliases {
                lines.append(line(alias + value, "same as \(option.name)"))
            }
        }
        lines += ["", "EXAMPLES:"] + examples.map { "  " + $0 }
        lines += ["", "EXIT CODES:"]
        for code in exitCodes.sorted(by: { $0.rawValue < $1.rawValue }) {
            lines.append("  \(code.rawValue)\t\(code.meaning)")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// Options every stage accepts (docs/stages.md#common-options).
public enum CommonOptions {
    public static let all: [OptionSpec] = [
        OptionSpec("--in", value: "FILE", "read the input document from FILE ('-' = stdin)"),
        OptionSpec("--state-dir", value: "DIR", "state directory (default: $X07LP_STATE_DIR, else ./.x07lp)"),
        OptionSpec("--now-unix-ms", value: "MS", "pin the clock (default: $X07LP_NOW_UNIX_MS, else wall clock)"),
        OptionSpec("--report", "wrap the output in an lp.cli.report@0.1.0 envelope"),
        OptionSpec("--json", "alias of --report (x07lp compatibility)"),
        OptionSpec("--pretty", "indent the output for humans (same keys, same order)"),
        OptionSpec("--output", value: "FORMAT", "json (the document), table or wide (a human view); default: table on a terminal, json in a pipe"),
        OptionSpec("--quiet", "no progress or warnings on stderr (errors still printed)"),
        OptionSpec("--help", "print this help and exit 0 (also -h)"),
        OptionSpec("--version", "print the version and exit 0"),
    ]
}
