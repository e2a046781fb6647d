/// `{sha256, bytes_len}`: how every document points at bytes it depends on.
public struct DigestRef: Codable, Equatable, Hashable, Sendable {
    public var sha256: String
    public var bytes_len: Int

    public init(sha256: String, bytes_len: Int) {
        self.sha256 = sha256
        self.bytes_len = bytes_len
    }

    public init(of bytes: [UInt8]) {
        self.init(sha256: SHA256.hex(bytes), bytes_len: bytes.count)
    }

    /// The digest of a JSON document's canonical bytes.
    public init(of document: JSON) {
        self.init(of: document.canonicalBytes)
    }

    public var json: JSON { ["sha256": .string(sha256), "bytes_len": .number(Double(bytes_len))] }

    /// `{path, sha256, bytes_len}`: how reports and plans name a file they pin.
    public func json(path: String) -> JSON { json.setting("path", .string(path)) }
}
