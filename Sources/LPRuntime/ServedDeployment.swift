import LPCore
import LPState
import LPModel
import Foundation

/// What nginx needs of one deployment: its listener port, the weight, and for each slot that may
/// carry traffic its revision and the pack's index path. Built from `router/<exec>.json` and the
/// slot trees; every value that reaches the nginx configuration is checked here (a router file or
/// manifest is input like any other).
struct ServedDeployment: Equatable {
    struct SlotView: Equatable {
        var revision: String
        var indexPath: String
        /// `routing.api_prefix`: the back end's routes.
        var apiPrefix: String
        /// nil when the pack declares no `wasi_http_proxy_v1` back end (its routes answer 503).
        var backend: BackendSlot?
    }

    var execId: String
    var port: Int
    var weight: Int
    var updatedUnixMs: Int64
    var stable: SlotView?
    var candidate: SlotView?

    /// Every deployment with a serving slot, one per port: when two hash to the same port the
    /// most recently updated one serves (the other is listed in `skipped`).
    /// `pending` stands in for its execution's router file (a change not yet committed).
    static func all(state: StateDirectory, pending: RouterState? = nil) -> (served: [ServedDeployment], skipped: [String]) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: state.path("router"))) ?? []
        var byPort: [Int: ServedDeployment] = [:]
        var skipped: [String] = []
        for name in names.sorted() where name.hasSuffix(".json") {
            let execId = String(name.dropLast(".json".count))
            do {
                guard let router = execId == pending?.exec_id ? pending : try RouterState.load(state: state, execId: execId),
                      let deployment = try ServedDeployment(router: router, state: state) else { continue }
                if let other = byPort[deployment.port], other.updatedUnixMs >= deployment.updatedUnixMs {
                    skipped.append("\(execId): port \(deployment.port) is served for \(other.execId)")
                    continue
                }
                if let other = byPort[deployment.port] { skipped.append("\(other.execId): port \(deployment.port) is served for \(execId)") }
                byPort[deployment.port] = deployment
            } catch {
                skipped.append("\(execId): \(error)")
            }
        }
        return (byPort.values.sorted { $0.port < $1.port }, skipped)
    }

    /// nil when neither slot serves.
    init?(router: RouterState, state: StateDirectory) throws {
        func view(_ slot: Slot) -> SlotView? {
            let recorded = router[slot]
            guard recorded.status.isServing, let revision = recorded.revision_digest?.sha256, Hex.isSHA256(revision) else { return nil }
            let tree = state.path(StateDirectory.runtimeSlot(router.exec_id, slot.rawValue))
            let pack = try? JSONParser.parse([UInt8](FileManager.default.contents(atPath: tree + "/_backend/app.pack.json") ?? Data()))
            let backend = pack?["backend"]?["adapter"]?.stringValue == BackendSlot.adapter
                ? BackendSlot(revision: revision, component: tree + "/_backend/component.wasm") : nil
            return SlotView(revision: revision, indexPath: pack?["frontend"]?["index_path"]?.stringValue.flatMap(Self.safePath) ?? "/index.html",
                            apiPrefix: pack?["routing"]?["api_prefix"]?.stringValue.flatMap(Self.safePath) ?? "/api", backend: backend)
        }
        let stable = view(.stable)
        let candidate = view(.candidate)
        guard stable != nil || candidate != nil else { return nil }
        self.execId = router.exec_id
        self.port = try Self.port(of: router.public_listener)
        self.weight = candidate == nil ? 0 : router.weight_pct
        self.updatedUnixMs = router.updated_unix_ms
        self.stable = stable
        self.candidate = candidate
    }

    /// The port of `http://127.0.0.1:<port>`: the only listener form the local target serves.
    static func port(of listener: String) throws -> Int {
        let prefix = "http://127.0.0.1:"
        guard listener.hasPrefix(prefix), let port = Int(listener.dropFirst(prefix.count)), (1024...65535).contains(port),
              String(port) == listener.dropFirst(prefix.count) else {
            throw LPError(.invalidInput, code: "LP_SERVE_LISTENER_INVALID",
                          "public_listener \"\(listener.prefix(80))\" is not http://127.0.0.1:<port 1024...65535>")
        }
        return port
    }

    /// A serve path nginx may take as it is (`/`, letters, digits, `._-`, no `..`), else nil.
    static func safePath(_ path: String) -> String? {
        let allowed = path.utf8.allSatisfy { b in
            (0x30...0x39).contains(b) || (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b) || "/._-".utf8.contains(b)
        }
        guard allowed, path.hasPrefix("/"), path.utf8.count <= 256, !path.contains(".."), !path.contains("//") else { return nil }
        return path
    }
}
