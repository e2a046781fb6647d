/// How reports list what a command wrote (`meta.artifacts_written[]` of lp.cli.report):
/// blobs are `sha256:<hex>`, records are `file:<path relative to the state dir>`.
public struct ArtifactRef: Codable, Equatable, Hashable, Sendable {
    public var algo = "sha256"
    public var sha256: String
    public var bytes_len: Int
    public var media_type: String
    public var logical_name: String
    public var store_uri: String

    public init(digest: DigestRef, mediaType: String = "application/json", logicalName: String, storeURI: String) {
        self.sha256 = digest.sha256
        self.bytes_len = digest.bytes_len
        self.media_type = mediaType
        self.logical_name = logicalName
        self.store_uri = storeURI
    }

    public var digest: DigestRef { DigestRef(sha256: sha256, bytes_len: bytes_len) }
}
