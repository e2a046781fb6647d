import LPCore
import LPState
import LPModel
import LPIndex
import Foundation

/// Everything a command body needs from its environment, resolved once: parsed arguments, the
/// state directory, the clock. Bodies take a context and return a `StageOutput`; they never
/// print or exit, which keeps them testable in-process.
public struct StageContext {
    public let spec: CommandSpec
    public let arguments: ParsedArguments
    public let environment: [String: String]
    public let state: StateDirectory
    public let clock: LogicalClock

    /// The piped document when the command runs in-process, empty when nothing is piped (nil:
    /// the process's own stdin).
    public let stdin: [UInt8]?

    public init(spec: CommandSpec, arguments: ParsedArguments, environment: [String: String], stdin: [UInt8]? = nil) throws {
        self.spec = spec
        self.stdin = stdin
        self.arguments = arguments
        self.environment = environment
        self.state = StateDirectory.resolve(option: arguments.value("--state-dir"), environment: environment,
                                            observer: IndexMaintenance())
        let pinned: Int64?
        if let text = arguments.value("--now-unix-ms") ?? environment["X07LP_NOW_UNIX_MS"] {
            guard let ms = Int64(text), ms >= 0, ms < 253_402_300_800_000 else {
                throw LPError(.usage, code: "LP_USAGE", "--now-unix-ms expects milliseconds since 1970 (0 ... 253402300799999), got \"\(text)\"")
            }
            pinned = ms
        } else {
            pinned = nil
        }
        self.clock = LogicalClock(pinnedBase: pinned)
        // lp-remote's commands take any stored target; the local stages only the local one.
        if !spec.name.hasPrefix("lp-remote ") { try StageOptions.checkTarget(arguments) }
        _ = try OutputFormat.requested(arguments, spec: spec)
    }

    /// The stage's input document from `--in FILE` or stdin.
    public func readInput() throws -> InputDocument {
        if let stdin, arguments.value("--in") == nil {
            guard !stdin.isEmpty else {
                throw LPError(.usage, code: "LP_USAGE", "no input: pass --in FILE\nusage: " + (spec.usage.first ?? spec.name))
            }
            return try InputDocument(bytes: stdin, source: "stdin")
        }
        return try InputDocument.read(path: arguments.value("--in"), environment: environment,
                                      usage: "usage: " + (spec.usage.first ?? spec.name))
    }

    /// True when a document waits on stdin (a pipe, a file, or one handed in-process).
    public var hasPipedInput: Bool { stdin.map { !$0.isEmpty } ?? (isatty(STDIN_FILENO) == 0) }

    public var quiet: Bool { arguments.has("--quiet") }
}

/// What a command produced: the report's `result`, the plain-mode document when that differs
/// (intake prints the execution, its report carries ids and digests), or raw bytes for
/// byte-exact tools such as `canon`; its exit code, warnings, and the artifacts it wrote.
/// `reportCommand` replaces the command's own name in the report when the command only shows
/// what an upstream stage did (`lp-incident capture --report | lp-query incident`).
public struct StageOutput {
    public var result: JSON
    public var document: JSON?
    public var rawBytes: [UInt8]?
    public var exitCode: ExitCode
    public var diagnostics: [Diagnostic]
    public var artifacts: [ArtifactRef]
    public var runId: String?
    public var reportCommand: String?
    /// The diagnostics to print on stderr when they are not all of `diagnostics` (a refused
    /// upstream report's diagnostics were printed by the upstream stage already).
    public var printedDiagnostics: [Diagnostic]?
    /// Under `--watch`: false while what the command shows can still change (a live deployment),
    /// so the runner runs it again.
    public var settled = true

    public init(result: JSON, document: JSON? = nil, rawBytes: [UInt8]? = nil, exitCode: ExitCode = .ok,
                diagnostics: [Diagnostic] = [], artifacts: [ArtifactRef] = [], runId: String? = nil) {
        self.result = result
        self.document = document
        self.rawBytes = rawBytes
        self.exitCode = exitCode
        self.diagnostics = diagnostics
        self.artifacts = artifacts
        self.runId = runId
    }
}
