import LPCore
import LPHTTPClient
import Foundation

/// JSON over HTTPS to a store's API: one client per provider, its failures as `StoreFailure`
/// (no credential, token or body in a message).
struct StoreAPI {
    let client: HTTPClient
    let baseURL: String
    let name: String

    /// TLS trust and pins: `$X07LP_DEVICE_PROVIDER_CA_BUNDLE` (a PEM of CAs to trust instead of
    /// the system's) and `provider_options.pinned_public_keys` (`sha256//...` pins).
    init(name: String, baseURL: String, options: JSON, environment: [String: String]) {
        var settings = HTTPClientOptions(caBundlePath: environment["X07LP_DEVICE_PROVIDER_CA_BUNDLE"],
                                         pinnedPublicKeys: options["pinned_public_keys"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        settings.totalTimeout = 30
        self.client = HTTPClient(options: settings)
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.name = name
    }

    /// Sends a request and returns the JSON answer of a 2xx response (`{}` for an empty body).
    @discardableResult
    func call(_ method: HTTPRequest.Method, _ path: String, token: String, body: JSON? = nil) throws -> JSON {
        var headers = [HTTPHeader("authorization", "Bearer " + token), HTTPHeader("accept", "application/json")]
        var payload = HTTPRequest.Body.none
        if let body {
            headers.append(HTTPHeader("content-type", "application/json"))
            payload = .bytes(body.canonicalBytes)
        }
        return try send(HTTPRequest(method, baseURL + path, headers: headers, body: payload), what: "\(method.rawValue) \(path)")
    }

    /// Sends `request`; a non-2xx status or a body that is not JSON is a `StoreFailure` naming
    /// the status and the store's error message (its `error.message` or `errors[0].detail`).
    func send(_ request: HTTPRequest, what: String) throws -> JSON {
        let response: HTTPResponse
        do { response = try client.send(request) } catch let error as HTTPClientError {
            throw StoreFailure(message: "\(name) \(what): \(error.description)")
        }
        let json = response.body.isEmpty ? JSON.object([:]) : (try? JSONParser.parse(response.body))
        guard response.isSuccess, let json else {
            let detail = json.flatMap { $0["errors"]?.arrayValue?.first?["detail"]?.stringValue ?? $0["error"]?["message"]?.stringValue
                ?? $0["error_description"]?.stringValue } ?? "no JSON answer"
            throw StoreFailure(message: "\(name) \(what): HTTP \(response.status): \(detail.prefix(300))")
        }
        return json
    }

    /// A path segment or query value, percent-encoded.
    static func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
    }
}
