import LPCore
/// `{kind, digest, label}`: how records point at a stored document of a known contract.
public struct TypedRef: Codable, Equatable, Sendable {
    public var kind: String?
    public var digest: DigestRef
    public var label: String?

    public init(kind: String?, digest: DigestRef, label: String? = nil) {
        self.kind = kind
        self.digest = digest
        self.label = label
    }
}
