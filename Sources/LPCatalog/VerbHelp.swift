import LPCore

/// `x07lp VERB --help`, written for the verb from the declarations of the stage commands it runs:
/// their usage lines and examples spelled as the verb, every flag once with its meaning, the
/// exit codes any of them can give.
public struct VerbHelp: Sendable {
    public var text: String

    public init(_ verb: VerbSpec, routes: RoutesTable) {
        let stages = verb.keys.compactMap(routes.route)
        let spelled = "x07lp " + verb.name
        var lines = ["\(spelled) — \(verb.summary)", "", "USAGE:"]
        // A single-stage verb's usage lines are the stage command's, with the verb's words.
        let usage = stages.count == 1 ? stages[0].spec.usage.compactMap { line -> String? in
            line.hasPrefix(stages[0].spec.name) ? spelled + line.dropFirst(stages[0].spec.name.count) : nil
        } : []
        lines += (usage.isEmpty ? [spelled + " [FLAGS]"] : usage).map { "  " + $0 }
        lines.append("  x07lp --explain \(verb.name) [FLAGS]   print the stage command\(stages.count > 1 ? "s" : "") instead of running")
        if stages.count == 1, !stages[0].spec.notes.isEmpty { lines += [""] + stages[0].spec.notes }
        lines += ["", "FLAGS:"]
        var seen = Set<String>()
        if verb.keys.first == "validate" {
            lines.append(Self.row("--change FILE", "the change request (intake's --in)"))
        }
        for stage in stages {
            for option in stage.options where seen.insert(option.name).inserted {
                lines += Self.rows(option, stages.count > 1 ? " [\(stage.stage)]" : "")
            }
        }
        for option in routes.common where seen.insert(option.name).inserted {
            lines += Self.rows(option, "")
        }
        let examples = stages.flatMap(\.spec.examples).filter { example in
            example.hasPrefix(spelled + " ") && !(verb.words == ["deploy"] && !example.hasPrefix(spelled + " --"))
        }
        if !examples.isEmpty { lines += ["", "EXAMPLES:"] + examples.map { "  " + $0 } }
        lines += ["", "EXIT CODES:"]
        let codes = Set(stages.flatMap(\.spec.exitCodes)).sorted { $0.rawValue < $1.rawValue }
        lines += codes.map { "  \($0.rawValue)\t\($0.meaning)" }
        lines += ["", "Stages: \(stages.map(\.label).joined(separator: " | ")); `x07lp --help` lists every verb."]
        text = lines.joined(separator: "\n")
    }

    static func rows(_ option: OptionSpec, _ suffix: String) -> [String] {
        let value = option.valueName.map { " " + $0 } ?? ""
        return [row(option.name + value, option.help + (option.repeatable ? " (repeatable)" : "") + suffix)]
            + option.aliases.map { row($0 + value, "same as \(option.name)") }
    }

    static func row(_ head: String, _ text: String) -> String {
        "  " + head + String(repeating: " ", count: max(2, 28 - head.count)) + text
    }
}
