import LPCore
import Foundation

/// A slot's back end (`backend.adapter: wasi_http_proxy_v1`): its component in the slot tree,
/// run by `wasmtime serve` on a loopback port that depends only on the revision
/// (`40000 + u32(sha256(revision)) % 20000`, apart from the listeners' 20000...39999). One
/// process serves a revision wherever it is live: a promoted candidate keeps its back end through
/// the promote, and the next deployment's stable slot finds its back end already running.
struct BackendSlot: Equatable, Hashable {
    static let adapter = "wasi_http_proxy_v1"

    var revision: String
    /// `runtime/<exec>/<slot>/_backend/component.wasm`, absolute.
    var component: String
    var port: Int

    init(revision: String, component: String) {
        self.revision = revision
        self.component = component
        self.port = Self.port(revision: revision)
    }

    var address: String { "127.0.0.1:\(port)" }

    /// What identifies the process (the component path may change: promote renames the tree).
    var key: String { revision }

    static func port(revision: String) -> Int {
        let digest = SHA256.digest(Array(revision.utf8))
        return 40000 + Int(digest.prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) } % 20000)
    }
}
