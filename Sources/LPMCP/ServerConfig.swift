/// How this server was started (`lp-mcp --help`): what every tool call shares.
public struct ServerConfig: Sendable {
    /// The state directory of calls that name none: `--state-dir`, else `$X07LP_STATE_DIR`, else `.x07lp`.
    public var stateDir: String
    /// `lp.control_v1` runs only when the server was started with `--allow-control`.
    public var allowControl = false
    /// Ed25519 private key (PEM) the signed control actions use; nil: the state's own key.
    public var signingKey: String?
    /// Where full reports go; nil: `<state dir of the call>/mcp/reports`.
    public var reportDir: String?
    /// A report longer than this is truncated in the answer and written whole to a file.
    public var maxResultBytes = 65_536
    /// A longer message line is refused (and skipped) without being read into memory.
    public var maxLineBytes = 1 << 20
    /// The environment the verbs run with.
    public var environment: [String: String]

    public init(stateDir: String, environment: [String: String]) {
        self.stateDir = stateDir
        self.environment = environment
    }
}
