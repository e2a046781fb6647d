import LPCore
import LPStage

/// The flags of one stage command as a wrapper routes them: the options of its spec, less the
/// options every command accepts (`CommonOptions`), sorted by name.
public struct CommandRoute: Sendable {
    public var stage: String        // "lp-incident"
    public var words: [String]      // ["capture"]; [] for the default command
    public var summary: String
    public var options: [OptionSpec]
    /// The whole declaration: help, examples and exit codes for the verb helps and man pages.
    public var spec: CommandSpec

    /// The shell-variable suffix naming the command: `incident_capture`, `plan` (a default
    /// command), `apply_control_deploy_pause`.
    public var key: String {
        let stem = stage.hasPrefix("lp-") ? String(stage.dropFirst(3)) : stage
        return String(([stem] + words).joined(separator: "_").map { $0 == "-" ? "_" : $0 })
    }

    public var label: String {
        ([stage] + words).joined(separator: " ") + (words.isEmpty ? " (default command)" : "")
    }
}

/// The routing table of every command of the given stages (`lp-catalog routes`).
public struct RoutesTable: Sendable {
    public var common: [OptionSpec]
    public var commands: [CommandRoute]

    public init(stages: [StageDefinition], common: [OptionSpec] = CommonOptions.all) throws {
        let commonNames = Set(common.map(\.name))
        self.common = common.sorted { $0.name < $1.name }
        self.commands = stages.flatMap { stage in
            stage.commands.map { command in
                var seen = Set<String>()
                let own = command.spec.options.filter { !commonNames.contains($0.name) && seen.insert($0.name).inserted }
                return CommandRoute(stage: stage.name, words: command.words, summary: command.spec.summary,
                                    options: own.sorted { $0.name < $1.name }, spec: command.spec)
            }
        }.sorted { $0.key < $1.key }
        for (index, route) in commands.enumerated() {
            let suffix = route.key.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
            guard suffix, !route.key.isEmpty, route.key != Self.commonKey else {
                throw LPError(.internalError, code: "LP_INTERNAL",
                              "\(route.label): \"\(route.key)\" cannot be a routing key (a shell variable suffix other than \(Self.commonKey))")
            }
            if index > 0, commands[index - 1].key == route.key {
                throw LPError(.internalError, code: "LP_INTERNAL",
                              "\(commands[index - 1].label) and \(route.label) share the routing key \(route.key)")
            }
        }
        for name in self.common.flatMap(\.spellings) + commands.flatMap({ $0.options.flatMap(\.spellings) })
        where !Self.isFlagName(name) {
            throw LPError(.internalError, code: "LP_INTERNAL", "\"\(name)\" is not a --flag name the wrapper can route")
        }
        for verb in VerbCatalog.verbs {
            for key in verb.keys where !commands.contains(where: { $0.key == key }) {
                throw LPError(.internalError, code: "LP_INTERNAL", "x07lp \(verb.name) runs \(key), which no stage declares")
            }
        }
        let commonSpellings = Set(self.common.flatMap(\.spellings))
        for route in commands {
            var seen = Set<String>()
            for name in route.options.flatMap(\.spellings) where !seen.insert(name).inserted || commonSpellings.contains(name) {
                throw LPError(.internalError, code: "LP_INTERNAL",
                              "\(route.label): \(name) names two options (an alias must not repeat a name or another alias)")
            }
        }
    }

    /// The key of the options every command accepts (`CommonOptions`).
    public static let commonKey = "common"

    /// `--` then letters, digits and `-`: safe inside `case` patterns and space-separated lists.
    static func isFlagName(_ name: String) -> Bool {
        name.hasPrefix("--") && name.count > 2
            && name.dropFirst(2).allSatisfy { $0.isASCII && ($0.isLowercase || $0.isUppercase || $0.isNumber || $0 == "-") }
    }

    /// Flags that take a value, aliases included (the wrapper routes every spelling), sorted.
    static func values(_ options: [OptionSpec]) -> [String] { options.filter { $0.valueName != nil }.flatMap(\.spellings).sorted() }
    /// Flags that take none, aliases included, sorted.
    static func switches(_ options: [OptionSpec]) -> [String] { options.filter { $0.valueName == nil }.flatMap(\.spellings).sorted() }

    /// `--flag=VALUE` (with `...` when repeatable) or `--switch`, space-free so a shell can split
    /// the list; spaces in a value name become `_`. Aliases are left out (each command's help
    /// lists them).
    static func synopsis(_ options: [OptionSpec]) -> [String] {
        options.map { option in
            let value = option.valueName.map { "=" + String($0.map { $0 == " " ? "_" : $0 }) } ?? ""
            return option.name + value + (option.repeatable ? "..." : "")
        }
    }

    /// The table as a file POSIX sh can source (`. scripts/x07lp.routes`).
    public var shellText: String {
        var lines = [
            "# x07lp.routes: the flags every stage command declares, for scripts/x07lp to route the words of a",
            "# verb to the stages of its pipeline.",
            "# Generated by `lp-catalog routes` from the stages' command specs; do not edit. Regenerate with",
            "#   swift build && .build/debug/lp-catalog routes > scripts/x07lp.routes",
            "#",
            "# Each command of each stage has a key, <stage without lp->[_<command words>] with \"-\" spelled \"_\"",
            "# (lp-plan's default command: plan; lp-incident capture: incident_capture), and three variables:",
            "#   lp_values_<key>    its own flags that take a value, aliases included",
            "#   lp_switches_<key>  its own flags that take none, aliases included",
            "#   lp_synopsis_<key>  its own flags for help text: --flag=VALUE, \"...\" when repeatable",
            "# The options every command accepts have the key common and are not repeated per command.",
            "# Lists are space-separated and sorted, so",
            "#   case \" $lp_values_plan \" in *\" --plan \"*) ... esac",
            "# tests whether lp-plan's default command takes --plan with a value.",
            "",
            "# Options every command accepts.",
        ]
        lines += Self.assignments(Self.commonKey, common)
        for route in commands {
            lines += ["", "# \(route.label): \(Self.oneLine(route.summary))"]
            lines += Self.assignments(route.key, route.options)
        }
        lines += ["", "# The verbs of x07lp (LPCatalog/VerbCatalog.swift), one usage line each: WORDS, SUMMARY, ROUTING KEYS, tab-separated.",
                  "lp_verbs=" + Self.shellQuote(verbLines.joined(separator: "\n"))]
        lines += ["", "# Each verb's help (x07lp VERB --help, x07lp help VERB), lp_help_<verb words joined by _>."]
        for verb in VerbCatalog.verbs {
            lines.append("lp_help_\(verb.key)=" + Self.shellQuote(VerbHelp(verb, routes: self).text))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `WORDS<tab>SUMMARY<tab>KEYS` for each usage line of the wrapper (verbs sharing a line once).
    var verbLines: [String] {
        var seen = Set<String>()
        return VerbCatalog.verbs.compactMap { verb in
            let line = verb.line ?? verb.name
            guard seen.insert(line).inserted else { return nil }
            return [line, verb.summary, verb.keys.joined(separator: " ")].joined(separator: "\t")
        }
    }

    /// The route of the command with routing key `key`.
    public func route(_ key: String) -> CommandRoute? { commands.first { $0.key == key } }

    static func assignments(_ key: String, _ options: [OptionSpec]) -> [String] {
        ["lp_values_\(key)=\(shellQuote(values(options).joined(separator: " ")))",
         "lp_switches_\(key)=\(shellQuote(switches(options).joined(separator: " ")))",
         "lp_synopsis_\(key)=\(shellQuote(synopsis(options).joined(separator: " ")))"]
    }

    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }

    /// A single-quoted shell word.
    static func shellQuote(_ text: String) -> String {
        "'" + text.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''") + "'"
    }

    /// The same table for `--report`: `{common: {values, switches}, commands: [{key, stage,
    /// words, values, switches, aliases}]}`; `aliases` maps each alias to its option's name.
    public var json: JSON {
        func lists(_ options: [OptionSpec]) -> [String: JSON] {
            ["values": .array(Self.values(options).map(JSON.string)),
             "switches": .array(Self.switches(options).map(JSON.string))]
        }
        let rows: [JSON] = commands.map { route in
            var row = lists(route.options)
            row["key"] = .string(route.key)
            row["stage"] = .string(route.stage)
            row["words"] = .array(route.words.map(JSON.string))
            row["aliases"] = .object(Dictionary(uniqueKeysWithValues: route.options.flatMap { option in
                option.aliases.map { ($0, JSON.string(option.name)) }
            }))
            return .object(row)
        }
        return ["common": .object(lists(common)), "commands": .array(rows)]
    }
}
