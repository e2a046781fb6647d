/// Arguments after parsing against a `CommandSpec`. Accepts `--flag value` and `--flag=value`;
/// an alias of an option is stored under the option's own name. `-h` is `--help`; any other word
/// that starts with one `-` is refused (options are spelled out), except `-` itself (stdin).
/// Words after `--` are positionals, whatever they look like.
public struct ParsedArguments: Sendable {
    public private(set) var values: [String: [String]] = [:]
    public private(set) var flags: Set<String> = []
    public private(set) var positionals: [String] = []

    public init(_ argv: [String], spec: CommandSpec) throws {
        var index = 0
        while index < argv.count {
            let arg = argv[index]
            index += 1
            if arg == "--" {
                positionals += argv[index...]
                break
            }
            if arg == "-h" {
                flags.insert("--help")
                continue
            }
            if arg.hasPrefix("-"), !arg.hasPrefix("--"), arg.count > 1 {
                throw Self.shortOption(arg, spec: spec)
            }
            guard arg.hasPrefix("--"), arg.count > 2 else {
                positionals.append(arg)
                continue
            }
            var typed = arg
            var inline: String?
            if let eq = arg.firstIndex(of: "=") {
                typed = String(arg[..<eq])
                inline = String(arg[arg.index(after: eq)...])
            }
            guard let option = spec.option(named: typed) else {
                throw LPError(.usage, code: "LP_USAGE", "unknown option \(typed) for \(spec.name); see `\(spec.name) --help`")
            }
            let name = option.name
            if option.valueName == nil {
                guard inline == nil else {
                    throw LPError(.usage, code: "LP_USAGE", "\(typed) takes no value")
                }
                flags.insert(name)
                continue
            }
            let value: String
            if let inline {
                value = inline
            } else {
                guard index < argv.count else {
                    throw LPError(.usage, code: "LP_USAGE", "\(typed) needs a value: \(typed) \(option.valueName ?? "VALUE")")
                }
                value = argv[index]
                index += 1
            }
            if values[name] != nil && !option.repeatable {
                let spelled = option.aliases.isEmpty ? name : option.spellings.joined(separator: " / ")
                throw LPError(.usage, code: "LP_USAGE", "\(spelled) given twice; it takes one value")
            }
            values[name, default: []].append(value)
        }
    }

    /// The error for `-x`: what to type instead. `-x` and `-xyz` name the long options that start
    /// with those letters, if any.
    static func shortOption(_ arg: String, spec: CommandSpec) -> LPError {
        let letters = String(arg.dropFirst().prefix { $0 != "=" })
        let spellings = spec.options.flatMap(\.spellings)
        let exact = spellings.filter { $0 == "--" + letters }
        let candidates = exact.isEmpty ? spellings.filter { $0.hasPrefix("--" + letters) } : exact
        var message = "unknown option \(arg) for \(spec.name): options are spelled out with two dashes"
        if !candidates.isEmpty {
            message += " (did you mean \(candidates.prefix(4).joined(separator: ", "))?)"
        }
        message += "; -h is --help; put a word that starts with '-' after `--`; see `\(spec.name) --help`"
        return LPError(.usage, code: "LP_USAGE", message)
    }

    public func value(_ name: String) -> String? { values[name]?.last }
    public func all(_ name: String) -> [String] { values[name] ?? [] }
    public func has(_ name: String) -> Bool { flags.contains(name) }

    public func required(_ name: String, _ spec: CommandSpec) throws -> String {
        guard let v = value(name) else {
            let option = spec.option(named: name)
            let also = option.map { $0.aliases.isEmpty ? "" : " (or \($0.aliases.joined(separator: ", ")))" } ?? ""
            throw LPError(.usage, code: "LP_USAGE",
                          "missing \(name) \(option?.valueName ?? "VALUE")\(also); see `\(spec.name) --help`")
        }
        return v
    }

    public func integer(_ name: String, range: ClosedRange<Int64>) throws -> Int64? {
        guard let text = value(name) else { return nil }
        guard let n = Int64(text), range.contains(n) else {
            throw LPError(.usage, code: "LP_USAGE", "\(name) expects an integer in \(range.lowerBound)...\(range.upperBound), got \"\(text)\"")
        }
        return n
    }
}
