import LPCore
#if canImport(Glibc)
import Glibc
#endif

/// `lp-mcp`'s own flags (it is not a stage: no document in, no report out).
public enum ServerOptions {
    /// Its `--help` and its man page (lp-catalog man lp-mcp).
    public static let spec: CommandSpec = {
        var spec = CommandSpec(
            name: "lp-mcp", reportCommand: "mcp serve",
            summary: "MCP server over stdio (JSON-RPC 2.0, one message per line): tools lp.query_v1 and lp.control_v1",
            usage: ["lp-mcp [--state-dir DIR] [--allow-control [--signing-key PEM]] [--report-dir DIR]",
                    "x07lp mcp serve [flags]"],
            options: [],
            examples: ["x07lp mcp serve --state-dir .x07lp",
                       "x07lp mcp serve --state-dir .x07lp --allow-control --signing-key ops.ed25519.key.pem"],
            exitCodes: [.ok, .usage],
            notes: ["Reads requests on stdin and answers on stdout until stdin closes (then exits 0); nothing else is",
                    "printed on stdout. Each tools/call op runs one x07lp verb in-process; docs/mcp.md lists the ops."])
        spec.options = [
            OptionSpec("--state-dir", value: "DIR", "state directory of calls that name none (default: $X07LP_STATE_DIR, else ./.x07lp)"),
            OptionSpec("--allow-control", "let lp.control_v1 run control operations (without it the tool refuses every call)"),
            OptionSpec("--signing-key", value: "PEM", "Ed25519 private key the signed controls use (default: the state's keys/control.ed25519.key.pem)"),
            OptionSpec("--report-dir", value: "DIR", "where full reports are written (default: <state dir>/mcp/reports)"),
            OptionSpec("--max-result-bytes", value: "N", "truncate a report longer than N bytes in the answer (default 65536)"),
            OptionSpec("--max-line-bytes", value: "N", "refuse a message line longer than N bytes (default 1048576)"),
            OptionSpec("--help", "print this help and exit 0 (also -h)"),
            OptionSpec("--version", "print the version and exit 0"),
        ]
        return spec
    }()

    enum Parsed {
        case serve(ServerConfig)
        case help
        case version
    }

    static func parse(_ argv: [String], environment: [String: String]) throws -> Parsed {
        let arguments = try ParsedArguments(argv, spec: spec)
        if arguments.has("--help") { return .help }
        if arguments.has("--version") { return .version }
        if let extra = arguments.positionals.first {
            throw LPError(.usage, code: "LP_USAGE", "unexpected argument \"\(extra)\"; see `lp-mcp --help`")
        }
        var environment = environment
        // Progress lines are for terminals; the verbs run inside a server.
        environment["X07LP_NO_PROGRESS"] = "1"
        var config = ServerConfig(stateDir: arguments.value("--state-dir") ?? environment["X07LP_STATE_DIR"] ?? ".x07lp",
                                  environment: environment)
        config.allowControl = arguments.has("--allow-control")
        if let key = arguments.value("--signing-key") {
            guard access(key, R_OK) == 0 else {
                throw LPError(.usage, code: "LP_USAGE", "--signing-key \(key): cannot read the file")
            }
            config.signingKey = key
        }
        config.reportDir = arguments.value("--report-dir")
        if let bytes = try arguments.integer("--max-result-bytes", range: 1024...(64 << 20)) { config.maxResultBytes = Int(bytes) }
        if let bytes = try arguments.integer("--max-line-bytes", range: 1024...(64 << 20)) { config.maxLineBytes = Int(bytes) }
        return .serve(config)
    }
}
