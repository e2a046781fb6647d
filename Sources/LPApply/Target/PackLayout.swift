import LPCore
import LPState
import LPModel
import LPIndex
import LPIncident
/// What a runtime slot holds for one `x07.app.pack@0.1.0` manifest: every asset at its serve
/// path, plus the back-end component. Every file is a blob of the content store, named by digest.
public struct PackLayout: Equatable, Sendable {
    public struct ServedFile: Equatable, Sendable {
        /// The URL path, e.g. `/index.html`.
        public var servePath: String
        public var digest: DigestRef

        /// The file's path inside the slot directory (the serve path without its leading `/`).
        public var relativePath: String { String(servePath.dropFirst()) }
    }

    public static let schemaVersion = SchemaVersion.appPack

    /// Slot directory that holds what is not a served asset: the back-end component and the pack
    /// manifest the tree was built from. Serve paths may not start with it.
    public static let reservedDirectory = "_backend"

    /// Canonical digest of the manifest: the revision a slot runs (intake stores the manifest
    /// in the content store under this digest).
    public var revision: DigestRef
    public var files: [ServedFile]
    /// The back-end Wasm component (`backend.component`).
    public var backend: DigestRef

    public init(revision: DigestRef, files: [ServedFile], backend: DigestRef) {
        self.revision = revision
        self.files = files
        self.backend = backend
    }

    /// Reads the layout of a pack manifest. Serve paths that would leave the slot directory (`..`,
    /// `.`, empty components, `//x`, control characters, backslashes) or enter the reserved
    /// directory fail with LP_UNSAFE_NAME; two assets that would need the same file, or a file
    /// where another asset needs a directory, fail with LP_PACK_SERVE_PATH_DUPLICATE /
    /// LP_PACK_SERVE_PATH_CONFLICT (all exit 3).
    public static func from(manifest: JSON) throws -> PackLayout {
        guard manifest["schema_version"] == .string(schemaVersion) else { throw invalid("schema_version is not \(schemaVersion)") }
        guard let assets = manifest["assets"]?.arrayValue else { throw invalid("assets is not an array") }
        var files: [ServedFile] = []
        var filePaths = Set<String>()
        var directoryPaths = Set<String>()
        for (index, asset) in assets.enumerated() {
            guard let servePath = asset["serve_path"]?.stringValue else { throw invalid("assets[\(index)].serve_path is not a string") }
            let components = try safeComponents(servePath)
            let relative = components.joined(separator: "/")
            guard filePaths.insert(relative).inserted else {
                throw LPError(.invalidInput, code: "LP_PACK_SERVE_PATH_DUPLICATE", "serve path \(servePath) is used by more than one asset")
            }
            for end in components.indices.dropFirst() {
                directoryPaths.insert(components[..<end].joined(separator: "/"))
            }
            files.append(ServedFile(servePath: servePath, digest: try digest(asset["file"], at: "assets[\(index)].file")))
        }
        if let clash = filePaths.intersection(directoryPaths).sorted().first {
            throw LPError(.invalidInput, code: "LP_PACK_SERVE_PATH_CONFLICT",
                          "serve path /\(clash) is a file, but another asset is served below it")
        }
        let backend = try digest(manifest["backend"]?["component"], at: "backend.component")
        return PackLayout(revision: DigestRef(of: manifest), files: files, backend: backend)
    }

    /// The components of a serve path below the slot directory, or LP_UNSAFE_NAME.
    static func safeComponents(_ servePath: String) throws -> [String] {
        let unsafe = { (why: String) in
            LPError(.invalidInput, code: "LP_UNSAFE_NAME", "serve path \"\(servePath.prefix(200))\" \(why)")
        }
        guard servePath.hasPrefix("/") else { throw unsafe("does not start with /") }
        guard !servePath.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F || $0 == "\\" }) else {
            throw unsafe("contains a control character or a backslash")
        }
        let components = servePath.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard components.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." }) else {
            throw unsafe("has an empty, `.` or `..` component and would escape or alias a file of the slot directory")
        }
        guard components.first != reservedDirectory else { throw unsafe("is inside the reserved /\(reservedDirectory)/ directory") }
        return components
    }

    private static func digest(_ file: JSON?, at location: String) throws -> DigestRef {
        guard let sha256 = file?["sha256"]?.stringValue, Hex.isSHA256(sha256) else {
            throw invalid("\(location).sha256 is not 64 lowercase hex digits")
        }
        guard let bytesLen = file?["bytes_len"]?.intValue, bytesLen >= 0 else {
            throw invalid("\(location).bytes_len is not a byte count")
        }
        return DigestRef(sha256: sha256, bytes_len: bytesLen)
    }

    private static func invalid(_ why: String) -> LPError {
        LPError(.invalidInput, code: "LP_PACK_MANIFEST_INVALID", "pack manifest: \(why)")
    }
}
