import LPCore
import LPModel
/// Lenient readers of record members for the index: a member that is missing or of another
/// type reads as nil, so a damaged record never stops (or traps) an index update.
enum IndexField {
    static func string(_ value: JSON?) -> String? { value?.stringValue }

    static func int64(_ value: JSON?) -> Int64? {
        guard case .number(let number)? = value, number.isFinite, number.rounded() == number,
              abs(number) <= 9_007_199_254_740_992 else { return nil }
        return Int64(number)
    }

    static func int(_ value: JSON?) -> Int? { int64(value).map { Int($0) } }

    static func bool(_ value: JSON?) -> Bool? { value?.boolValue }

    static func digest(_ value: JSON?) -> DigestRef? {
        guard let sha = value?["sha256"]?.stringValue, let length = int(value?["bytes_len"]), length >= 0 else { return nil }
        return DigestRef(sha256: sha, bytes_len: length)
    }

    /// `{kind, digest, label}`, when it has a digest.
    static func typedRef(_ value: JSON?) -> TypedRef? {
        guard let digest = digest(value?["digest"]) else { return nil }
        return TypedRef(kind: string(value?["kind"]), digest: digest, label: string(value?["label"]))
    }

    static func array(_ value: JSON?) -> [JSON] { value?.arrayValue ?? [] }
}
