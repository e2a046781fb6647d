/// What a command accepts, written once: the parser enforces it and `--help` prints it, so the
/// help text cannot drift from the flags a command really takes.
public struct OptionSpec: Sendable {
    public var name: String            // "--state-dir"
    public var valueName: String?      // "DIR"; nil for a flag
    public var help: String
    public var repeatable: Bool

    public init(_ name: String, value: String? = nil, repeatable: Bool = false, _ help: String) {
        self.name = name
        self.valueName = value
        self.help = help
        self.repeatable = repeatable
    }
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

    public init(name: String, reportCommand: String, summary: String, usage: [String], options: [OptionSpec],
                positionals: [String] = [], examples: [String], exitCodes: [ExitCode], notes: [String] = []) {
        self.name = name
        self.reportCommand = reportCommand
        self.summary = summary
        self.usage = usage
        self.options = options + CommonOptions.all
        self.positionals = positionals
        self.examples = examples
        self.exitCodes = exitCodes
        self.notes = notes
    }

    public func option(named name: String) -> OptionSpec? { options.first { $0.name == name } }

    public var helpText: String {
        var lines = ["\(name) — \(summary)", "", "USAGE:"]
        lines += usage.map { "  " + $0 }
        if !notes.isEmpty { lines += [""] + notes }
        lines += ["", "OPTIONS:"]
        for option in options {
            let head = option.name + (option.valueName.map { " " + $0 } ?? "")
            let pad = String(repeating: " ", count: max(2, 28 - head.count))
            lines.append("  " + head + pad + option.help + (option.repeatable ? " (repeatable)" : ""))
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
        OptionSpec("--quiet", "no progress or warnings on stderr (errors still printed)"),
        OptionSpec("--help", "print this help and exit 0"),
        OptionSpec("--version", "print the version and exit 0"),
    ]
}
