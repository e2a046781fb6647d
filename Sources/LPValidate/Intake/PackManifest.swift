import LPCore
import LPState
import LPModel
import LPStage

/// The parts of an `x07.app.pack@0.1.0` manifest intake reads. Decoded only after the document
/// passed its contract, so the shape is known to be right.
struct PackManifest: Decodable {
    struct FileRef: Decodable {
        var path: String
        var sha256: String
        var bytes_len: Int
        var digest: DigestRef { DigestRef(sha256: sha256, bytes_len: bytes_len) }
    }
    struct Asset: Decodable {
        var file: FileRef
        var serve_path: String
    }
    struct Backend: Decodable { var component: FileRef }
    struct Frontend: Decodable { var index_path: String }
    struct Routing: Decodable { var api_prefix: String }

    var assets: [Asset]
    var backend: Backend
    var bundle_manifest: FileRef
    var frontend: Frontend
    var routing: Routing
    var profile_id: String?

    /// Every file the manifest names, by path. The same path named twice must agree on its digest.
    func declaredFiles() throws -> [String: DigestRef] {
        var files: [String: DigestRef] = [:]
        let refs = assets.map(\.file) + [backend.component, bundle_manifest]
        for ref in refs {
            try PackEntryName.checkDeclared(ref.path)
            if let earlier = files[ref.path], earlier != ref.digest {
                throw LPError(.invalidInput, code: "LP_PACK_MANIFEST_INVALID",
                              "\"\(ref.path)\" is declared twice with different digests")
            }
            files[ref.path] = ref.digest
        }
        return files
    }

    /// Structure rules of the seal check: unique serve paths, the index is served, and the API
    /// prefix shadows no asset. Returns one diagnostic per broken rule.
    func structureProblems() -> [Diagnostic] {
        var problems: [Diagnostic] = []
        var served = Set<String>()
        for asset in assets where !served.insert(asset.serve_path).inserted {
            problems.append(Diagnostic(code: "LP_PACK_SERVE_PATH_DUPLICATE",
                                       message: "serve path \(asset.serve_path) is used by more than one asset"))
        }
        if !served.contains(frontend.index_path) {
            problems.append(Diagnostic(code: "LP_PACK_INDEX_NOT_SERVED",
                                       message: "frontend.index_path \(frontend.index_path) is not the serve path of any asset"))
        }
        let prefix = routing.api_prefix.hasSuffix("/") ? String(routing.api_prefix.dropLast()) : routing.api_prefix
        for path in served.sorted() where path == prefix || path.hasPrefix(prefix + "/") {
            problems.append(Diagnostic(code: "LP_PACK_API_PREFIX_SHADOWS_ASSET",
                                       message: "routing.api_prefix \(routing.api_prefix) shadows the asset served at \(path)"))
        }
        return problems
    }
}
