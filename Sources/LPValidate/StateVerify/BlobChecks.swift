import LPCore
import LPState
import LPModel
import LPIndex

/// Checks of the content-addressed store, over digests and bytes already read.
enum BlobChecks {
    /// A blob's name is the SHA-256 of its bytes and its directory is the name's first two digits.
    static func blob(path: String, prefix: String, name: String, digest: DigestRef) -> [StateFinding] {
        guard Hex.isSHA256(name) else {
            return [StateFinding("LP_STATE_BLOB_PATH", path, "a blob's file name must be its 64-digit lowercase sha256")]
        }
        var findings: [StateFinding] = []
        if prefix != String(name.prefix(2)) {
            findings.append(StateFinding("LP_STATE_BLOB_PATH", path,
                                         "blob stored under \(prefix)/ instead of \(name.prefix(2))/"))
        }
        if digest.sha256 != name {
            findings.append(StateFinding("LP_STATE_BLOB_DIGEST", path,
                                         "content has sha256 \(digest.sha256) (\(digest.bytes_len) bytes), not the \(name) it is stored as"))
        }
        return findings
    }

    /// A blob's meta record parses and agrees with the blob: same sha256, and `bytes_len` equal to
    /// the blob's size. `blobLength` is nil when no blob has this name (a meta without its blob).
    static func meta(path: String, prefix: String, name: String, bytes: [UInt8], blobLength: Int?) -> [StateFinding] {
        guard Hex.isSHA256(name), prefix == String(name.prefix(2)) else {
            return [StateFinding("LP_STATE_BLOB_PATH", path, "a meta record must be store/meta/sha256/<2>/<sha256>.json")]
        }
        guard let blobLength else {
            return [StateFinding("LP_STATE_BLOB_MISSING", path, "meta record without its blob \(StateDirectory.blob(name))")]
        }
        let meta: JSON
        do { meta = try JSONParser.parse(bytes) } catch {
            return [StateFinding("LP_STATE_BLOB_META", path, "not JSON: \(error)")]
        }
        var findings: [StateFinding] = []
        if meta["sha256"] != .string(name) {
            findings.append(StateFinding("LP_STATE_BLOB_META", path,
                                         "sha256 is \(meta["sha256"]?.canonicalString ?? "missing"), expected \"\(name)\""))
        }
        if meta["bytes_len"]?.intValue != blobLength {
            findings.append(StateFinding("LP_STATE_BLOB_META", path,
                                         "bytes_len is \(meta["bytes_len"]?.canonicalString ?? "missing"), the blob has \(blobLength) bytes"))
        }
        return findings
    }
}
