import LPCore
import Foundation

public enum HTTPMethod: String, Sendable {
    case get = "GET", post = "POST", put = "PUT", other
}

/// One request as nginx hands it to `lp-serve` through fcgiwrap (the CGI environment), or as a
/// test builds it. The path is the raw request path (`REQUEST_URI` without its query), not the
/// decoded one, so an encoded `..` or `/` cannot hide in an id.
public struct HTTPRequest: Sendable {
    public var method: HTTPMethod
    public var path: String
    public var query: [String: String]
    /// Lower-cased names.
    public var headers: [String: String]
    public var contentLength: Int?

    public init(method: HTTPMethod, path: String, query: [String: String] = [:], headers: [String: String] = [:],
                contentLength: Int? = nil) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.contentLength = contentLength
    }

    /// The request of a CGI environment (RFC 3875): `REQUEST_METHOD`, `REQUEST_URI`,
    /// `QUERY_STRING`, `CONTENT_LENGTH`, `CONTENT_TYPE` and the `HTTP_*` headers.
    public static func cgi(_ environment: [String: String]) throws -> HTTPRequest {
        let method = HTTPMethod(rawValue: environment["REQUEST_METHOD"] ?? "") ?? .other
        let uri = environment["REQUEST_URI"] ?? environment["DOCUMENT_URI"] ?? "/"
        let path = String(uri.prefix { $0 != "?" })
        var headers: [String: String] = [:]
        for (key, value) in environment where key.hasPrefix("HTTP_") {
            headers[key.dropFirst(5).lowercased().replacingOccurrences(of: "_", with: "-")] = value
        }
        if let type = environment["CONTENT_TYPE"], !type.isEmpty { headers["content-type"] = type }
        var length: Int?
        if let text = environment["CONTENT_LENGTH"], !text.isEmpty {
            guard let value = Int(text), value >= 0 else {
                throw ServeError.invalidRequest("CONTENT_LENGTH is not a byte count")
            }
            length = value
        }
        return HTTPRequest(method: method, path: path, query: try parseQuery(environment["QUERY_STRING"] ?? ""),
                           headers: headers, contentLength: length)
    }

    /// `a=1&b=2`, percent-decoded, `+` as space; a repeated name keeps its last value.
    static func parseQuery(_ text: String) throws -> [String: String] {
        var out: [String: String] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ raw: Substring) throws -> String {
                guard let value = String(raw).replacingOccurrences(of: "+", with: " ").removingPercentEncoding else {
                    throw ServeError.invalidRequest("the query string has a broken percent-encoding")
                }
                return value
            }
            out[try decode(parts[0])] = parts.count > 1 ? try decode(parts[1]) : ""
        }
        return out
    }

    /// The path's segments after `/v1/`, each checked to be a plain name (no `.`/`..`, no
    /// encoded bytes, no separators), so an id never walks out of its directory.
    public func segments() throws -> [String] {
        guard path.hasPrefix("/v1/") || path == "/v1" else { return [] }
        let words = path.dropFirst(4).split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        for word in words where !Self.isPlainSegment(word) {
            throw ServeError.invalidRequest("the path has a segment that is not a plain name")
        }
        return words
    }

    static func isPlainSegment(_ word: String) -> Bool {
        guard !word.isEmpty, word.count <= 128, word != ".", word != ".." else { return false }
        return word.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
            || $0 == "-" || $0 == "_" || $0 == "." }
    }

    public var bearerToken: String? {
        guard let value = headers["authorization"] else { return nil }
        for prefix in ["Bearer ", "bearer "] where value.hasPrefix(prefix) {
            let token = value.dropFirst(prefix.count).trimmingCharacters(in: .whitespaces)
            return token.isEmpty ? nil : token
        }
        return nil
    }
}
