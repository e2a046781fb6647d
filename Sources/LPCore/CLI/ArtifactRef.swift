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

extension ArtifactRef {
    /// A blob of the content store, addressed by its digest (`sha256:<hex>`).
    public static func blob(_ digest: DigestRef, logicalName: String, mediaType: String = "application/json") -> ArtifactRef {
        ArtifactRef(digest: digest, mediaType: mediaType, logicalName: logicalName, storeURI: "sha256:" + digest.sha256)
    }

    /// The contracts' `located_digest`: the document kind, its digest, where the bytes are and how to read them.
    public func located(kind: String?) -> JSON {
        var json: [String: JSON] = ["digest": digest.json, "media_type": .string(media_type),
                                    "logical_name": .string(logical_name), "store_uri": .string(store_uri)]
        if let kind { json["kind"] = .string(kind) }
        return .object(json)
    }
}
