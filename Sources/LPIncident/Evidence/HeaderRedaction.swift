import LPCore
import LPModel
import LPIndex
import LPStage
import Foundation

/// Removes credentials from captured HTTP exchanges before anything is stored or printed.
///
/// A header is sensitive when its name (compared case-insensitively) is a known credential
/// header or contains a credential word (`auth`, `cookie`, `token`, `secret`, ...). Its value is
/// replaced by `<redacted>`, so the header still shows it was sent. Query parameters with
/// credential names get the same treatment. Every replacement is listed (where, which name —
/// never the value) so the incident bundle can say what was taken out.
public enum HeaderRedaction {
    public static let placeholder = "<redacted>"

    static let sensitiveHeaders: Set<String> = [
        "authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "api-key", "x-auth-token",
        "x-access-token", "x-csrf-token", "x-xsrf-token", "x-amz-security-token", "x-goog-api-key", "x-session-id",
    ]
    static let sensitiveWords = ["auth", "cookie", "token", "secret", "passw", "api-key", "apikey", "session", "credential",
                                 "signature"]
    static let sensitiveQueryNames: Set<String> = [
        "access_token", "refresh_token", "id_token", "token", "api_key", "apikey", "key", "password", "passwd", "secret",
        "client_secret", "session", "sessionid", "sig", "signature", "auth",
    ]

    public static func isSensitiveHeader(_ name: String) -> Bool {
        let lower = name.lowercased()
        return sensitiveHeaders.contains(lower) || sensitiveWords.contains { lower.contains($0) }
    }

    /// One value taken out: `request.header` / `response.header` / `request.query` /
    /// `trace.steps[2].http[0].request.header`, and the header or parameter name (lower-cased).
    public struct Removal: Equatable, Sendable {
        public var location: String
        public var name: String

        public var json: JSON { ["location": .string(location), "name": .string(name)] }
    }

    /// A request or response envelope (contract form) with its credentials replaced.
    public static func envelope(_ envelope: JSON, location: String) -> (JSON, [Removal]) {
        guard case .object(var members) = envelope else { return (envelope, []) }
        var removals: [Removal] = []
        if case .array(let headers)? = members["headers"] {
            members["headers"] = .array(headers.map { header in
                guard let name = header["k"]?.stringValue, isSensitiveHeader(name),
                      header["v"] != .string(placeholder) else { return header }
                removals.append(Removal(location: location + ".header", name: name.lowercased()))
                return header.setting("v", .string(placeholder))
            })
        }
        if let query = members["query"]?.stringValue {
            let (clean, names) = self.query(query)
            members["query"] = .string(clean)
            removals += names.map { Removal(location: location + ".query", name: $0) }
        }
        return (.object(members), removals)
    }

    /// `a=1&token=xyz` → `a=1&token=<redacted>`; parameters are otherwise kept byte for byte.
    static func query(_ query: String) -> (String, [String]) {
        var names: [String] = []
        let parts = query.split(separator: "&", omittingEmptySubsequences: false).map { part -> String in
            guard let equals = part.firstIndex(of: "=") else { return String(part) }
            let name = String(part[..<equals])
            let lower = name.removingPercentEncodingSafely.lowercased()
            guard sensitiveQueryNames.contains(lower) || sensitiveWords.contains(where: lower.contains) else { return String(part) }
            if part[part.index(after: equals)...] != Substring(placeholder) { names.append(lower) }
            return name + "=" + placeholder
        }
        return (parts.joined(separator: "&"), names)
    }

    /// An `x07.app.trace@0.1.0` with every HTTP exchange of every step redacted.
    public static func trace(_ trace: JSON) -> (JSON, [Removal]) {
        guard case .object(var members) = trace, case .array(let steps)? = members["steps"] else { return (trace, []) }
        var removals: [Removal] = []
        members["steps"] = .array(steps.enumerated().map { stepIndex, step in
            guard case .array(let exchanges)? = step["http"] else { return step }
            return step.setting("http", .array(exchanges.enumerated().map { exchangeIndex, exchange in
                var result = exchange
                for side in ["request", "response"] {
                    guard let envelope = exchange[side] else { continue }
                    let (clean, removed) = self.envelope(envelope, location: "trace.steps[\(stepIndex)].http[\(exchangeIndex)].\(side)")
                    result = result.setting(side, clean)
                    removals += removed
                }
                return result
            }))
        })
        return (.object(members), removals)
    }
}

extension String {
    /// Percent-decoded when that is valid, else unchanged (for matching names only).
    var removingPercentEncodingSafely: String { removingPercentEncoding ?? self }
}
