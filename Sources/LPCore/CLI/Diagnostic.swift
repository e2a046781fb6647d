/// One `lp.cli.report` diagnostic. `stage` uses the report contract's vocabulary: `parse` for
/// problems with an input document, `run` for everything found while doing the work. The x07lp
/// stage that raised it (lp-validate, lp-apply, ...) goes in `data.stage`.
public struct Diagnostic: Codable, Equatable, Sendable {
    public enum Severity: String, Codable, Sendable { case error, warning, info, hint }
    public enum Phase: String, Codable, Sendable { case parse, run }

    public var code: String
    public var severity: Severity
    public var stage: Phase
    public var message: String
    public var data: [String: JSON]?

    public init(code: String, severity: Severity = .error, stage: Phase = .run, message: String,
                data: [String: JSON]? = nil) {
        self.code = code
        self.severity = severity
        self.stage = stage
        self.message = message
        self.data = data
    }

    /// `x07lp: error[LP_CODE]: message` — the human form written to stderr.
    public var humanLine: String {
        "x07lp: \(severity.rawValue)[\(code)]: \(message)"
    }
}

/// A failure that ends a stage: its diagnostics and the exit code from the table.
public struct LPError: Error, CustomStringConvertible {
    public var exitCode: ExitCode
    public var diagnostics: [Diagnostic]

    public init(_ exitCode: ExitCode, _ diagnostics: [Diagnostic]) {
        self.exitCode = exitCode
        self.diagnostics = diagnostics
    }

    public init(_ exitCode: ExitCode, code: String, _ message: String, stage: Diagnostic.Phase = .run,
                data: [String: JSON]? = nil) {
        self.init(exitCode, [Diagnostic(code: code, stage: stage, message: message, data: data)])
    }

    public var description: String { diagnostics.map(\.humanLine).joined(separator: "\n") }

    /// Maps a parse failure onto exit 3 with its `LP_JSON_*` code and position.
    public static func invalidJSON(_ error: JSONParseError, source: String) -> LPError {
        LPError(.invalidInput, code: error.kind.rawValue, "\(source): \(error)", stage: .parse,
                data: ["offset": .number(Double(error.offset)), "line": .number(Double(error.line)),
                       "column": .number(Double(error.column))])
    }
}
