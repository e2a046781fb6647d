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

    /// Numbers the contract bounds only from below: every `bytes_len` must be a byte count this
    /// system can hold (at most 2^53, the JSON safe-integer range). Checked on the parsed
    /// document, before it is decoded, so an out-of-range count is an input error with its pointer.
    static func rangeProblems(_ json: JSON, source: String) -> [Diagnostic] {
        var refs: [(String, JSON?)] = [("/backend/component", json["backend"]?["component"]),
                                       ("/bundle_manifest", json["bundle_manifest"])]
        for (index, asset) in (json["assets"]?.arrayValue ?? []).enumerated() {
            refs.append(("/assets/\(index)/file", asset["file"]))
        }
        return refs.compactMap { pointer, ref in
            guard let value = ref?["bytes_len"], value.intValue == nil else { return nil }
            return Diagnostic(code: "LP_PACK_MANIFEST_INVALID", stage: .parse,
                              message: "\(source): at \(pointer)/bytes_len: \(String(decoding: value.canonicalBytes, as: UTF8.self)) is not a byte count x07lp can hold (0 to 2^53)",
                              data: ["pointer": .string(pointer + "/bytes_len")])
        }
    }

    /// Structure rules of the seal check, the ones lp-apply's slot layout relies on
    /// (`PackLayout`): every serve path is safe (absolute, no empty, `.` or `..` component, no
    /// backslash or control character, not under the reserved `/_backend/`), unique, and not a
    /// file where another asset needs a directory; the index is served; the API prefix shadows no
    /// asset. Returns one diagnostic per broken rule.
    func structureProblems() -> [Diagnostic] {
        var problems: [Diagnostic] = []
        var served = Set<String>()
        var directories = Set<String>()
        for asset in assets {
            if let why = PackManifest.unsafeServePath(asset.serve_path) {
                problems.append(Diagnostic(code: "LP_PACK_PATH_UNSAFE",
                                           message: "unsafe serve path \"\(asset.serve_path.prefix(200))\": \(why)",
                                           data: ["serve_path": .string(asset.serve_path)]))
                continue
            }
            guard served.insert(asset.serve_path).inserted else {
                problems.append(Diagnostic(code: "LP_PACK_SERVE_PATH_DUPLICATE",
                                           message: "serve path \(asset.serve_path) is used by more than one asset"))
                continue
            }
            var parent = Substring(asset.serve_path)
            while let slash = parent.lastIndex(of: "/"), slash != parent.startIndex {
                parent = parent[..<slash]
                directories.insert(String(parent))
            }
        }
        for clash in served.intersection(directories).sorted() {
            problems.append(Diagnostic(code: "LP_PACK_SERVE_PATH_CONFLICT",
                                       message: "serve path \(clash) is a file, but another asset is served below it",
                                       data: ["serve_path": .string(clash)]))
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

    /// Why a serve path could not be a file of a slot directory, or nil when it can
    /// (the rules of lp-apply's `PackLayout.safeComponents`).
    static func unsafeServePath(_ servePath: String) -> String? {
        guard servePath.hasPrefix("/") else { return "does not start with /" }
        guard !servePath.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F || $0 == "\\" }) else {
            return "contains a control character or a backslash"
        }
        let components = servePath.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
        guard components.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." }) else {
            return "has an empty, '.' or '..' component and would escape or alias a file of the slot directory"
        }
        guard components.first != "_backend" else { return "is inside the reserved /_backend/ directory" }
        return nil
    }
}
