import LPCore
import LPState
import LPModel
import LPIndex

/// What exists in the state, gathered in the one pass over it; every lookup is a hash lookup.
struct StateContents {
    /// Every regular file, relative to the state root.
    var files: Set<String> = []
    /// The digest of every record file read.
    var recordDigests: [String: DigestRef] = [:]
    /// The sha256 of every record file read.
    var recordContent: Set<String> = []
    /// Size of every blob stored under a well-formed name (whether or not its bytes match it).
    var blobSizes: [String: Int] = [:]
}

enum ReferenceChecks {
    static func check(_ path: String, _ references: [RecordReference], in contents: StateContents) -> [StateFinding] {
        references.compactMap { reference in
            switch reference {
            case .file(let pointer, let target, let digest):
                guard contents.files.contains(target) else {
                    return StateFinding("LP_STATE_REF_MISSING", path, "\(pointer) names \(target), which is not in the state")
                }
                if let digest, let actual = contents.recordDigests[target], actual != digest {
                    return StateFinding("LP_STATE_REF_DIGEST", path,
                                        "\(pointer) expects \(target) to have sha256 \(digest.sha256) (\(digest.bytes_len) bytes), it has \(actual.sha256) (\(actual.bytes_len) bytes)")
                }
                return nil
            case .content(let pointer, let kind, let digest):
                let what = kind.map { "\($0) " } ?? ""
                if let size = contents.blobSizes[digest.sha256] {
                    return size == digest.bytes_len ? nil : StateFinding(
                        "LP_STATE_REF_DIGEST", path, "\(pointer) gives \(what)sha256 \(digest.sha256) \(digest.bytes_len) bytes, the blob has \(size)")
                }
                if contents.recordContent.contains(digest.sha256) { return nil }
                return StateFinding("LP_STATE_REF_MISSING", path,
                                    "\(pointer): \(what)sha256 \(digest.sha256) is neither a blob nor a record in the state")
            case .blob(let pointer, let sha256):
                return contents.blobSizes[sha256] != nil ? nil
                    : StateFinding("LP_STATE_REF_MISSING", path, "\(pointer) names blob sha256:\(sha256), which is not in the store")
            }
        }
    }
}
