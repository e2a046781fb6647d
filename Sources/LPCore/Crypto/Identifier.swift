/// Deterministic ids: `<prefix>_<26 chars>`, the chars being lowercase Crockford base32 of the
/// first 130 bits of SHA-256(seed). The seed names everything the thing depends on, so the same
/// inputs and pinned time give the same id and re-running a stage finds its earlier records.
public enum IdentifierPrefix: String, CaseIterable, Sendable {
    case run = "lprun", execution = "lpexec", decision = "lpdec", action = "lpact"
    case incident = "lpinc", regression = "lpreg", plan = "lpplan"
    /// Device releases: plans, runs and executions of `lp-release`.
    case devicePlan = "lpdrplan", deviceRun = "lpdrrun", deviceExecution = "lpdrexec"
}

public enum Identifier {
    static let alphabet = Array("0123456789abcdefghjkmnpqrstvwxyz".utf8)

    public static func make(_ prefix: IdentifierPrefix, seed: String) -> String {
        prefix.rawValue + "_" + crockford26(SHA256.digest(Array(seed.utf8)))
    }

    /// Seeds are joined with a separator that cannot occur in digests, ids or numbers.
    public static func make(_ prefix: IdentifierPrefix, parts: [String]) -> String {
        make(prefix, seed: ([prefix.rawValue] + parts).joined(separator: "\u{1F}"))
    }

    static func crockford26(_ digest: [UInt8]) -> String {
        var out = [UInt8]()
        out.reserveCapacity(26)
        var accumulator: UInt32 = 0
        var bits = 0
        var index = 0
        while out.count < 26 {
            if bits < 5 {
                accumulator = (accumulator << 8) | UInt32(index < digest.count ? digest[index] : 0)
                index += 1
                bits += 8
            }
            bits -= 5
            out.append(alphabet[Int((accumulator >> UInt32(bits)) & 0x1F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// True for `<prefix>_` followed by 26 chars of the alphabet.
    public static func isValid(_ id: String, prefix: IdentifierPrefix) -> Bool {
        let bytes = Array(id.utf8)
        let head = Array((prefix.rawValue + "_").utf8)
        return bytes.count == head.count + 26 && Array(bytes[0..<head.count]) == head
            && bytes[head.count...].allSatisfy { alphabet.contains($0) }
    }
}
