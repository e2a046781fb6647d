import LPCore
import LPState
import Foundation

/// What `x07lpd init` decided, kept in `<state>/.x07lpd/daemon.json`: where nginx listens, its
/// TLS files, and where the binaries are. Every other file under `.x07lpd/` is derived from it.
public struct DaemonConfig: Codable, Sendable, Equatable {
    public var schema_version = "x07lpd.config@0.1.0"
    public var state_dir: String
    public var host: String
    public var port: Int
    public var tls_cert: String?
    public var tls_key: String?
    /// The dev CA's certificate when `--dev-ca` made one (clients trust it with `--cacert`).
    public var dev_ca: String?
    public var serve_binary: String
    public var fcgi_children: Int
    public var secret_master_key: String
    /// Set for `x07lp ui serve`: its own nginx and fcgiwrap files, the static UI and the API.
    public var ui: UIConfig?

    static func directory(_ state: String) -> String { state + "/.x07lpd" }
    static func path(_ state: String) -> String { directory(state) + "/daemon.json" }

    public var url: String { (tls_cert == nil ? "http" : "https") + "://" + (host.contains(":") ? "[\(host)]" : host) + ":\(port)" }
    /// Where nginx's configuration, pid files, socket, logs and temp files live.
    var runtime: String { ui?.runtime ?? Self.directory(state_dir) }
    var nginxConf: String { runtime + "/nginx.conf" }
    var nginxPid: String { runtime + "/run/nginx.pid" }
    var fcgiPid: String { runtime + "/run/fcgiwrap.pid" }
    /// fcgiwrap's socket: under the runtime directory, unless that path is too long for a Unix
    /// socket address (108 bytes with its NUL, as a deep state directory makes it); then in a
    /// private directory under /tmp named for the runtime directory (`DaemonProcesses`
    /// creates it 0700 and refuses one it does not own).
    var fcgiSocket: String {
        let inside = runtime + "/run/fcgiwrap.sock"
        return inside.utf8.count < 108 ? inside : shortSocketDirectory + "/fcgiwrap.sock"
    }
    var shortSocketDirectory: String { "/tmp/x07lpd-\(getuid())-" + SHA256.hex(Array(runtime.utf8)).prefix(16) }
    var logs: String { runtime + "/logs" }

    static func load(_ state: String) throws -> DaemonConfig {
        guard FileManager.default.fileExists(atPath: path(state)) else {
            throw LPError(.usage, code: "LP_DAEMON_NOT_INITIALISED", "\(state) has no x07lpd configuration; run `x07lpd init --state-dir \(state)` first")
        }
        return try JSONParser.parse(InputDocument.readFile(path(state), limit: 1 << 20)).decode(DaemonConfig.self)
    }

    func save() throws {
        _ = try AtomicFile.write(try JSON(encoding: self).encoded(.pretty) + [0x0A], to: Self.path(state_dir))
    }

    /// `HOST:PORT`, the port after the last colon; loopback unless TLS is on.
    static func address(_ text: String) throws -> (String, Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port) else {
            throw LPError(.usage, code: "LP_USAGE", "--addr is HOST:PORT (e.g. 127.0.0.1:17443)")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, host.allSatisfy({ $0.isLetter || $0.isNumber || ".:-".contains($0) }) else {
            throw LPError(.usage, code: "LP_USAGE", "--addr has an invalid host")
        }
        return (host, port)
    }

    static func isLoopback(_ host: String) -> Bool { host == "localhost" || host == "::1" || host.hasPrefix("127.") }
}

/// The Command Center part of a configuration (`x07lp ui serve`, docs/ui.md).
public struct UIConfig: Codable, Sendable, Equatable {
    /// `<state>/.x07lpd/ui-<port>`: one per served address, so a daemon and a UI can share a state.
    public var runtime: String
    /// The directory of index.html, app.js and app.css.
    public var static_root: String
    public var local_control: Bool
}
