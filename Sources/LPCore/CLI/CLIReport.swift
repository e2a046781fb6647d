/// The `lp.cli.report@0.1.0` envelope that `--report`/`--json` wraps a result in.
public struct CLIReport: Codable, Sendable {
    public struct Meta: Codable, Sendable {
        public var tool = "x07lp"
        public var version: String
        public var run_id: String
        public var artifacts_written: [ArtifactRef]
    }

    public var schema_version = SchemaVersion.cliReport
    public var command: String
    public var ok: Bool
    public var exit_code: Int32
    public var diagnostics: [Diagnostic]
    public var meta: Meta
    public var result: JSON

    public init(command: String, exitCode: ExitCode, diagnostics: [Diagnostic], runId: String,
                artifacts: [ArtifactRef], result: JSON) {
        self.command = command
        self.ok = exitCode == .ok
        self.exit_code = exitCode.rawValue
        self.diagnostics = diagnostics
        self.meta = Meta(version: LPVersion.current, run_id: runId, artifacts_written: artifacts)
        self.result = result
    }
}

public enum LPVersion {
    public static let current = "0.1.0"
}
