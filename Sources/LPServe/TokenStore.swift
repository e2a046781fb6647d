import LPCore
import LPState
import Foundation

/// What a bearer token may do. `read` sees everything; `deploy` also changes state (uploads,
/// accept, run, controls, incidents, regressions).
public enum Scope: String, Codable, Sendable, CaseIterable {
    case read, deploy

    func allows(_ needed: Scope) -> Bool { self == .deploy || needed == .read }
}

/// The daemon's tokens: `<state>/.x07lpd/tokens.json` (0600) holds each token's name, scope and
/// SHA-256, never the token. With no file, or no entry, every authenticated route is refused.
public struct TokenStore: DaemonDocument, Sendable {
    public struct Entry: Codable, Sendable, Equatable {
        public var name: String
        public var scope: Scope
        public var sha256: String
        public var created_unix_ms: Int64
    }

    public var schema_version = "x07lpd.tokens@0.1.0"
    public var tokens: [Entry] = []

    public init() {}

    public static let fileName = "tokens.json"

    /// The entry whose hash matches `token`, comparing every entry in constant time.
    public func entry(for token: String) -> Entry? {
        let presented = SHA256.digest(Array(token.utf8))
        var found: Entry?
        for entry in tokens {
            let stored = Hex.decode(entry.sha256) ?? []
            var difference: UInt8 = stored.count == presented.count ? 0 : 1
            for (a, b) in zip(stored, presented) { difference |= a ^ b }
            if difference == 0 && found == nil { found = entry }
        }
        return found
    }

    /// A new random token (printed once by `x07lpd token add`) and its entry.
    public static func mint(name: String, scope: Scope, nowMs: Int64) -> (token: String, entry: Entry) {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let token = "x07lpd_" + Hex.encode(bytes)
        return (token, Entry(name: name, scope: scope, sha256: SHA256.hex(Array(token.utf8)), created_unix_ms: nowMs))
    }
}
