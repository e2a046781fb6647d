import LPCore
import LPState
import Foundation

/// Where `x07lp serve` keeps its files: `S/.x07lp-serve/` (mode 0700), outside the recorded
/// state. `nginx.conf` and `route.js` are rewritten from the router state at every change;
/// `probe.token` lets the health probe ask for one slot; `logs/<exec>.access.log` are the JSON
/// access logs the metrics source reads.
public struct ServeLayout: Sendable {
    public let state: StateDirectory

    /// nginx resolves relative paths against its own prefix: the layout holds absolute ones.
    public init(state: StateDirectory) {
        let root = state.root.hasPrefix("/") ? state.root : FileManager.default.currentDirectoryPath + "/" + state.root
        self.state = StateDirectory(root: (root as NSString).standardizingPath)
    }

    public var directory: String { state.path(".x07lp-serve") }
    var nginxConf: String { directory + "/nginx.conf" }
    var script: String { directory + "/route.js" }
    /// The pack headers of every served revision (`PackHeaders`), preloaded by njs.
    var headersFile: String { directory + "/headers.json" }
    var probeToken: String { directory + "/probe.token" }
    var pidFile: String { directory + "/run/nginx.pid" }
    /// The back-end supervisor (`BackendSupervisor`) and what it runs.
    var supervisorPidFile: String { directory + "/run/backends.pid" }
    var backendsFile: String { directory + "/run/backends.json" }
    var logs: String { directory + "/logs" }
    var temp: String { directory + "/tmp" }

    public func accessLog(_ execId: String) -> String { logs + "/\(execId).access.log" }

    /// The state directory's path goes into nginx directives: only plain path characters.
    func checkPaths() throws {
        let safe = state.root.utf8.allSatisfy { b in
            (0x30...0x39).contains(b) || (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b) || "/._-+".utf8.contains(b)
        }
        guard safe, state.root.hasPrefix("/") else {
            throw LPError(.usage, code: "LP_SERVE_PATH_UNSAFE",
                          "state directory \"\(state.root.prefix(120))\" must be an absolute path of letters, digits and /._-+ to be served by nginx")
        }
    }

    func makeDirectories() throws {
        for path in [directory, directory + "/run", logs, temp] { try AtomicFile.makeDirectories(path) }
    }

    /// The probe token, made once (32 random bytes, hex).
    func token() throws -> String {
        if let text = try? String(contentsOfFile: probeToken, encoding: .utf8), Hex.isSHA256(text) { return text }
        let token = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        _ = try AtomicFile.write(Array(token.utf8), to: probeToken)
        return token
    }
}
