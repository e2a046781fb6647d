/// Arguments after parsing against a `CommandSpec`. Accepts `--flag value` and `--flag=value`.
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
            guard arg.hasPrefix("--"), arg.count > 2 else {
                positionals.append(arg)
                continue
            }
            var name = arg
            var inline: String?
            if let eq = arg.firstIndex(of: "=") {
                name = String(arg[..<eq])
                inline = String(arg[arg.index(after: eq)...])
            }
            guard let option = spec.option(named: name) else {
                throw LPError(.usage, code: "LP_USAGE", "unknown option \(name) for \(spec.name); see `\(spec.name) --help`")
            }
            if option.valueName == nil {
                guard inline == nil else {
                    throw LPError(.usage, code: "LP_USAGE", "\(name) takes no value")
                }
                flags.insert(name)
                continue
            }
            let value: String
            if let inline {
                value = inline
            } else {
                guard index < argv.count else {
                    throw LPError(.usage, code: "LP_USAGE", "\(name) needs a value: \(name) \(option.valueName ?? "VALUE")")
                }
                value = argv[index]
                index += 1
            }
            if values[name] != nil && !option.repeatable {
                throw LPError(.usage, code: "LP_USAGE", "\(name) given twice; it takes one value")
            }
            values[name, default: []].append(value)
        }
    }

    public func value(_ name: String) -> String? { values[name]?.last }
    public func all(_ name: String) -> [String] { values[name] ?? [] }
    public func has(_ name: String) -> Bool { flags.contains(name) }

    public func required(_ name: String, _ spec: CommandSpec) throws -> String {
        guard let v = value(name) else {
            let option = spec.option(named: name)
            throw LPError(.usage, code: "LP_USAGE",
                          "missing \(name) \(option?.valueName ?? "VALUE"); see `\(spec.name) --help`")
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
