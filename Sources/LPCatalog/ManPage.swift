import Foundation
import LPCore
import LPStage

/// Section 1 man pages in troff (man macros), generated from the same declarations as `--help`:
/// x07lp(1) from the verbs, and one page per stage from its commands' specs.
public struct ManPage: Sendable {
    public var name: String
    public var text: String

    /// The environment every stage reads (docs/stages.md).
    static let environment: [(String, String)] = [
        ("X07LP_STATE_DIR", "the state directory when --state-dir is not given (else ./.x07lp)"),
        ("X07LP_NOW_UNIX_MS", "pins the clock when --now-unix-ms is not given"),
        ("X07LP_CONTRACTS_DIR", "a contracts directory to use instead of the contracts built into the binaries"),
        ("X07LP_NO_PROGRESS", "no progress lines on a terminal's stderr"),
        ("NO_COLOR", "progress as plain lines instead of a line redrawn in place"),
        ("X07LP_MAX_DOC_BYTES", "the largest input document (default 64 MiB)"),
        ("TZ", "the time zone of the local times in the human views"),
    ]

    /// x07lp(1): the verbs, the flags every verb accepts, exit status, environment.
    public static func wrapper(routes: RoutesTable, stages: [StageDefinition]) -> ManPage {
        var lines = header("x07lp", "contract-first lifecycle engine for sealed X07 app packs")
        lines += [".SH SYNOPSIS", ".B x07lp", "[\\-\\-explain]", ".I verb", "[\\fIflags\\fR...]",
                  ".SH DESCRIPTION",
                  escape("x07lp runs the lp-* stages, alone or as pipelines, for each verb. Every stage reads one JSON document and writes one deterministic lp.* document; `x07lp --explain VERB ...` prints the stage commands instead of running them. `x07lp VERB --help` (or `x07lp help VERB`) prints a verb's help."),
                  ".SH VERBS"]
        for verb in VerbCatalog.verbs {
            let verbStages = verb.keys.compactMap(routes.route)
            lines += [".TP", ".B " + escape("x07lp " + verb.name), escape(verb.summary)]
            let flags = verbStages.flatMap(\.options).map(\.name)
            var seen = Set<String>()
            let unique = (verb.keys.first == "validate" ? ["--change"] : []) + flags.filter { seen.insert($0).inserted }
            if !unique.isEmpty { lines += [".br", "Flags: " + unique.map { "\\fB" + escape($0) + "\\fR" }.joined(separator: ", ")] }
            lines += [".br", "Stages: " + verbStages.map { escape($0.stage) + "(1)" }.joined(separator: ", ")]
            if let remote = verb.remote.flatMap(routes.route) {
                let more = remote.options.map(\.name).filter { !unique.contains($0) && seen.insert($0).inserted }
                lines += [".br", "On a remote target: " + escape(remote.stage) + "(1)"
                            + (more.isEmpty ? "" : ", also " + more.map { "\\fB" + escape($0) + "\\fR" }.joined(separator: ", "))]
            }
        }
        lines += [".SH OPTIONS", escape("Every verb accepts:")] + routes.common.flatMap(optionItem)
        lines += exitStatus(ExitCode.allCases) + environmentSection()
        lines += [".SH SEE ALSO", (stages.map(\.name) + CatalogStage.servers.map(\.name)).map { ".BR \($0) (1)" }.joined(separator: ",\n")]
        return ManPage(name: "x07lp", text: lines.joined(separator: "\n") + "\n")
    }

    /// The page of one stage: each command with its usage, notes, options and examples.
    public static func stage(_ stage: StageDefinition, routes: RoutesTable) -> ManPage {
        var lines = header(stage.name, stage.summary)
        lines += [".SH SYNOPSIS", ".nf"] + stage.commands.flatMap(\.spec.usage).map(escape) + [".fi",
                  ".SH DESCRIPTION",
                  escape("\(stage.name) is a stage of x07lp: it reads one JSON document (--in FILE or stdin) and writes one deterministic document to stdout; diagnostics go to stderr. With --report (or --json) the output is the lp.cli.report@0.1.0 envelope."),
                  ".SH COMMANDS"]
        let commonNames = Set(routes.common.map(\.name))
        for command in stage.commands {
            let spec = command.spec
            lines += [".SS " + quoted(command.words.isEmpty ? "\(stage.name) (default command)" : spec.name), escape(spec.summary),
                      ".PP", ".nf"] + spec.usage.map(escape) + [".fi"]
            if !spec.notes.isEmpty { lines += [".PP"] + spec.notes.map(escape) }
            let own = spec.options.filter { !commonNames.contains($0.name) }
            if !own.isEmpty { lines += [".PP", "Options:"] + own.flatMap(optionItem) }
            if !spec.examples.isEmpty { lines += [".PP", "Examples:", ".nf", ".RS"] + spec.examples.map(escape) + [".RE", ".fi"] }
        }
        lines += [".SH COMMON OPTIONS"] + routes.common.flatMap(optionItem)
        lines += exitStatus(Array(Set(stage.commands.flatMap(\.spec.exitCodes))))
        lines += environmentSection() + [".SH SEE ALSO", ".BR x07lp (1)"]
        return ManPage(name: stage.name, text: lines.joined(separator: "\n") + "\n")
    }

    /// The page of a server that parses its own flags (lp-serve, lp-mcp): its one spec.
    public static func server(_ spec: CommandSpec) -> ManPage {
        var lines = header(spec.name, spec.summary)
        lines += [".SH SYNOPSIS", ".nf"] + spec.usage.map(escape) + [".fi", ".SH DESCRIPTION"] + spec.notes.map(escape)
        if !spec.options.isEmpty { lines += [".SH OPTIONS"] + spec.options.flatMap(optionItem) }
        if !spec.examples.isEmpty { lines += [".SH EXAMPLES", ".nf", ".RS"] + spec.examples.map(escape) + [".RE", ".fi"] }
        lines += exitStatus(spec.exitCodes) + [".SH SEE ALSO", ".BR x07lp (1)", ".BR x07lpd (1)"]
        return ManPage(name: spec.name, text: lines.joined(separator: "\n") + "\n")
    }

    static func header(_ name: String, _ summary: String) -> [String] {
        [".\\\" Generated by `lp-catalog man \(name)` from the command declarations; do not edit.",
         ".TH \(quoted(name.uppercased())) 1 \"\" \(quoted("x07lp " + LPVersion.current)) \"x07lp manual\"",
         ".SH NAME", "\(escape(name)) \\- \(escape(summary))"]
    }

    static func optionItem(_ option: OptionSpec) -> [String] {
        let value = option.valueName.map { " \\fI" + escape($0) + "\\fR" } ?? ""
        let spellings = option.spellings.map { "\\fB" + escape($0) + "\\fR" + value }.joined(separator: ", ")
        return [".TP", spellings, escape(option.help + (option.repeatable ? " (repeatable)" : ""))]
    }

    static func exitStatus(_ codes: [ExitCode]) -> [String] {
        [".SH EXIT STATUS"] + codes.sorted { $0.rawValue < $1.rawValue }.flatMap { [".TP", ".B \($0.rawValue)", escape($0.meaning)] }
    }

    static func environmentSection() -> [String] {
        [".SH ENVIRONMENT"] + environment.flatMap { [".TP", ".B " + $0.0, escape($0.1)] }
    }

    /// At least four uppercase hex digits, as troff's `\[uXXXX]` wants.
    static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    static func quoted(_ text: String) -> String { "\"" + escape(text).replacingOccurrences(of: "\"", with: "\\(dq") + "\"" }

    /// Text safe on a troff line: backslashes and dashes escaped, other than ASCII as `\[uXXXX]`
    /// (troff reads bytes), a leading control character neutralised.
    static func escape(_ text: String) -> String {
        var out = text.replacingOccurrences(of: "\\", with: "\\e").replacingOccurrences(of: "-", with: "\\-")
        out = out.unicodeScalars.map { $0.isASCII ? String($0) : "\\[u" + hex($0.value) + "]" }.joined()
        if out.hasPrefix(".") || out.hasPrefix("'") { out = "\\&" + out }
        return out
    }
}
