import LPCore
import Foundation

/// What a request runs against: the daemon's state directory, the clock, the environment the
/// verbs see (only `X07LP_*` names: nothing from the request's headers), and where the
/// `lp-serve` binary is (a detached run starts it again).
public struct ServeContext: Sendable {
    public var state: String
    public var environment: [String: String]
    public var nowMs: Int64
    public var serveBinary: String
    /// Set when `x07lp ui serve` runs this lp-serve: it answers the Command Center API.
    public var ui: UIMode?

    public init(state: String, environment: [String: String], nowMs: Int64, serveBinary: String) {
        self.state = state
        self.environment = environment.filter { $0.key.hasPrefix("X07LP_") }
        self.nowMs = nowMs
        self.serveBinary = serveBinary
    }

    /// The context of a CGI request: the state directory comes from `X07LPD_STATE_DIR`, a
    /// `fastcgi_param` of the nginx configuration `x07lpd init` wrote.
    public static func cgi(_ environment: [String: String]) throws -> ServeContext {
        guard let state = environment["X07LPD_STATE_DIR"], state.hasPrefix("/") else {
            throw ServeError.internalError("X07LPD_STATE_DIR is not set to an absolute path (nginx fastcgi_param)")
        }
        let now = environment["X07LP_NOW_UNIX_MS"].flatMap(Int64.init) ?? Int64(Date().timeIntervalSince1970 * 1000)
        let binary = ServeContext.ownPath(CommandLine.arguments.first ?? "lp-serve")
        var context = ServeContext(state: state, environment: environment, nowMs: now, serveBinary: binary)
        if let mode = environment["X07LPD_UI"] { context.ui = UIMode(localControl: mode == "local-control") }
        return context
    }

    /// The absolute path this binary was started by, its directory's links resolved but not its
    /// own name: an installed lp-serve is a link to x07lp-stages, which runs as the name it has.
    public static func ownPath(_ argv0: String) -> String {
        let url = URL(fileURLWithPath: argv0)
        return url.deletingLastPathComponent().resolvingSymlinksInPath().appendingPathComponent(url.lastPathComponent).path
    }

    /// The flags every verb gets: this state directory.
    var stateFlags: [String] { ["--state-dir", state] }

    func path(_ relative: String) -> String { state + "/" + relative }
}
