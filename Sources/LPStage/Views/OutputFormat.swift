import LPCore
#if canImport(Glibc)
import Glibc
#endif

/// How a command's result is printed (`--output`, like kubectl's `-o`): the document, or a human
/// view of the same document. Without `--output` a command that has a view shows it when stdout
/// is a terminal; a pipe or a file always gets the document, byte for byte as before.
public enum OutputFormat: String, CaseIterable, Sendable {
    case json, table, wide

    /// The format `--output` asks for, nil when not given; anything else is a usage error.
    public static func requested(_ arguments: ParsedArguments) throws -> OutputFormat? {
        guard let text = arguments.value("--output") else { return nil }
        guard let format = OutputFormat(rawValue: text) else {
            throw LPError(.usage, code: "LP_USAGE",
                          "--output is one of \(allCases.map(\.rawValue).joined(separator: ", ")), got \"\(text.prefix(40))\"")
        }
        return format
    }

    /// The format to print in: `requested`, else table on a terminal when the command has a view.
    public static func effective(_ requested: OutputFormat?, hasView: Bool, terminal: Bool = isatty(STDOUT_FILENO) == 1) -> OutputFormat {
        requested ?? (hasView && terminal ? .table : .json)
    }
}

/// A command's human view: the text for its result (and its plain-mode document, when that
/// differs: lp-apply prints the execution); `wide` adds columns.
public typealias HumanView = @Sendable (_ result: JSON, _ document: JSON?, _ wide: Bool) -> String
