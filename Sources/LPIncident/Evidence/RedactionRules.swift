import LPCore
import Foundation

/// The one redaction table (docs/redaction.md): which names hold secrets — header names, query,
/// fragment and form parameter names, JSON body keys, all matched by the same rules — and which
/// names hold URLs whose parameters must be looked at.
///
/// A name is split into lower-cased words at every character that is not a letter or a digit and
/// at camelCase boundaries (`X-Functions-Key` → `x functions key`, `accessToken` → `access token`,
/// `user[password]` → `user password`), and also without the camelCase boundaries (so the case
/// never matters: `ApIkEy` is `apikey`); query and form names are percent-decoded first (`+` is a
/// space). It is sensitive when, for either split,
/// - a `substring` entry occurs inside one of its words (`token` in `refresh_token`, `xtokenx`),
///   except in the words of `notSecretWords` (`author` does not hold `auth`), or
/// - a `word` entry is one of its words, or a run of them (`key` in `x-api-key`, not in
///   `keyboard` or `monkey`),
/// and it is not one of `neverRedacted` (exact names the engine itself needs).
/// We err on the side of redacting: `sort_key` or `tokenizer` are redacted too.
public struct RedactionRules: Sendable, Equatable {
    public enum Match: String, Sendable { case substring, word }

    public struct Entry: Sendable, Equatable {
        public var pattern: String
        public var match: Match
        public init(_ pattern: String, _ match: Match) {
            self.pattern = pattern
            self.match = match
        }
    }

    /// The built-in table (docs/redaction.md lists it with examples).
    public static let table: [Entry] = [
        // Anywhere inside a word.
        Entry("auth", .substring),        // authorization, proxy-authorization, oauth_token, x-auth-token
        Entry("token", .substring),       // access_token, id_token, x-amz-security-token, csrftoken
        Entry("secret", .substring),      // client_secret, x-client-secret
        Entry("passw", .substring),       // password, passwd, new_password
        Entry("passphrase", .substring),
        Entry("passcode", .substring),
        Entry("pwd", .substring),         // pwd, user_pwd
        Entry("credential", .substring),  // credentials, x-amz-credential
        Entry("session", .substring),     // session, sessionid, jsessionid, x-session-id
        Entry("sessid", .substring),      // phpsessid
        Entry("cookie", .substring),      // cookie, set-cookie
        Entry("signature", .substring),   // x-hub-signature, x-amz-signature
        Entry("apikey", .substring),      // apikey, xapikey
        Entry("accesskey", .substring),   // awsaccesskeyid written as one word
        Entry("privatekey", .substring),
        Entry("subscriptionkey", .substring),
        Entry("bearer", .substring),
        Entry("jwt", .substring),
        Entry("csrf", .substring),
        Entry("xsrf", .substring),
        Entry("saml", .substring),        // samlresponse
        Entry("hmac", .substring),
        // Whole words only (short words that occur inside harmless ones).
        Entry("key", .word),              // api_key, apiKey, x-functions-key, ocp-apim-subscription-key, key
        Entry("sig", .word),              // sig (Azure SAS, signed URLs)
        Entry("pass", .word),
        Entry("pin", .word),
        Entry("otp", .word),
        Entry("ticket", .word),           // CAS service tickets
    ]

    /// Words that contain a substring entry but are not secrets.
    public static let notSecretWords: Set<String> = ["author", "authors", "authored", "authoring", "authorship"]

    /// Exact (lower-cased) names never redacted: the engine reads them, and they hold no secret.
    public static let neverRedacted: Set<String> = ["x-lp-route-key", "access-control-allow-credentials"]

    /// Names of fields and headers that hold a URL, a path or a query string: their values have
    /// their query, fragment, `;` parameters and URL user-info redacted. A name is URL-ish when
    /// one of its words is in this set or ends with `url`, `uri` or `href`.
    public static let urlWords: Set<String> = [
        "path", "url", "uri", "href", "location", "referer", "referrer", "redirect", "callback", "link", "src", "action",
        "endpoint", "next", "query", "fragment", "search", "forwarded", "refresh",
    ]

    /// Extra names: `X07LP_REDACT_NAMES=ssn,customer-pin` (comma or space separated), matched as
    /// words like the `word` entries.
    public static let environmentVariable = "X07LP_REDACT_NAMES"

    public var entries: [Entry]

    public init(entries: [Entry] = RedactionRules.table) { self.entries = entries }

    public static let standard = RedactionRules()

    /// The table plus the names of `X07LP_REDACT_NAMES`.
    public static func from(environment: [String: String]) -> RedactionRules {
        var rules = RedactionRules()
        let raw = environment[environmentVariable] ?? ""
        for name in raw.split(whereSeparator: { $0 == "," || $0.isWhitespace }) {
            let words = Self.words(of: String(name))
            guard !words.isEmpty else { continue }
            let entry = Entry(words.joined(separator: " "), .word)
            if !rules.entries.contains(entry) { rules.entries.append(entry) }
        }
        return rules
    }

    // MARK: matching

    public func isSensitive(_ name: String) -> Bool {
        let decoded = Self.decoded(name)
        if Self.neverRedacted.contains(decoded.lowercased()) { return false }
        // Names are case-insensitive: the words are taken with camelCase boundaries (`apiKey`) and
        // without them (`ApIkEy`, `X-HuB-SiGnAtUrE` are the same names in another case).
        for words in [Self.words(of: decoded), Self.words(of: decoded.lowercased())] {
            for entry in entries {
                switch entry.match {
                case .substring:
                    if words.contains(where: { !Self.notSecretWords.contains($0) && $0.contains(entry.pattern) }) { return true }
                case .word:
                    let run = entry.pattern.split(separator: " ").map(String.init)
                    if Self.contains(words, run: run) { return true }
                }
            }
        }
        return false
    }

    public func isURLField(_ name: String) -> Bool {
        Self.words(of: name).contains { word in
            Self.urlWords.contains(word) || word.hasSuffix("url") || word.hasSuffix("uri") || word.hasSuffix("href")
        }
    }

    /// The name as the redaction report lists it: decoded, lower-cased, at most 128 characters.
    public static func reportName(_ name: String) -> String {
        let lower = decoded(name).lowercased()
        return lower.isEmpty ? "-" : String(lower.prefix(128))
    }

    /// Percent-decoded (when valid) with `+` as a space, for matching only.
    static func decoded(_ name: String) -> String {
        let spaced = name.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    /// Lower-cased words: split at non-alphanumerics and camelCase boundaries
    /// (`XMLHttpToken` → `xml http token`).
    public static func words(of name: String) -> [String] {
        var words: [String] = []
        var current: [Character] = []
        let chars = Array(name)
        func flush() {
            if !current.isEmpty { words.append(String(current).lowercased()) }
            current = []
        }
        for (i, ch) in chars.enumerated() {
            guard ch.isLetter || ch.isNumber else { flush(); continue }
            if ch.isUppercase, let previous = current.last {
                let nextIsLower = i + 1 < chars.count && chars[i + 1].isLowercase
                if previous.isLowercase || previous.isNumber || (previous.isUppercase && nextIsLower) { flush() }
            }
            current.append(ch)
        }
        flush()
        return words
    }

    static func contains(_ words: [String], run: [String]) -> Bool {
        guard !run.isEmpty, run.count <= words.count else { return false }
        for start in 0...(words.count - run.count) where Array(words[start..<start + run.count]) == run { return true }
        return false
    }
}
