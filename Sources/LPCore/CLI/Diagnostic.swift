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
    /// This stage's own diagnostics (printed on stderr and put in the report).
    public var diagnostics: [Diagnostic]
    /// The failed upstream report this stage refused, when that is why it fails: its diagnostics
    /// (the root cause) lead the report of this stage, which passes the failure on.
    public var upstream: UpstreamFailure?

    public init(_ exitCode: ExitCode, _ diagnostics: [Diagnostic]) {
        self.exitCode = exitCode
        self.diagnostics = diagnostics
    }

    public init(_ exitCode: ExitCode, code: String, _ message: String, stage: Diagnostic.Phase = .run,
                data: [String: JSON]? = nil) {
        self.init(exitCode, [Diagnostic(code: code, stage: stage, message: message, data: data)])
    }

    public var description: String { diagnostics.map(\.humanLine).joined(separator: "\n") }

    /// The diagnostics of this failure's report: the upstream's first (the root cause), then
    /// this stage's own, less an `LP_UPSTREAM_FAILED` the upstream already carries (a failure
    /// that crossed several stages is reported once, by the first stage that refused it).
    public var reportDiagnostics: [Diagnostic] {
        guard let upstream else { return diagnostics }
        let upstreamCodes = Set(upstream.diagnostics.map(\.code))
        return upstream.diagnostics + diagnostics.filter { !($0.code == UpstreamFailure.code && upstreamCodes.contains($0.code)) }
    }

    /// Maps a parse failure onto exit 3 with its `LP_JSON_*` code and position.
    public static func invalidJSON(_ error: JSONParseError, source: String) -> LPError {
        LPError(.invalidInput, code: error.kind.rawValue, "\(source): \(error)", stage: .parse,
                data: ["offset": .number(Double(error.offset)), "line": .number(Double(error.line)),
                       "column": .number(Double(error.column))])
    }
}

/// A failed `lp.cli.report` an upstream stage printed into the pipe, as the refusing stage keeps
/// it: the upstream's command, diagnostics, artifacts and run.
public struct UpstreamFailure: Sendable {
    /// The code of the diagnostic a stage adds when it refuses a failed upstream document.
    public static let code = "LP_UPSTREAM_FAILED"

    public var command: String?
    public var diagnostics: [Diagnostic]
    public var artifacts: [ArtifactRef]
    public var runId: String?

    public init(command: String?, diagnostics: [Diagnostic], artifacts: [ArtifactRef], runId: String?) {
        self.command = command
        self.diagnostics = diagnostics
        self.artifacts = artifacts
        self.runId = runId
    }

    /// What a failed report says about itself; parts that do not decode are left out.
    public init(report: JSON) {
        self.init(command: report["command"]?.stringValue,
                  diagnostics: (try? report["diagnostics"]?.decode([Diagnostic].self)) ?? [],
                  artifacts: (try? report["meta"]?["artifacts_written"]?.decode([ArtifactRef].self)) ?? [],
                  runId: report["meta"]?["run_id"]?.stringValue)
    }
}
