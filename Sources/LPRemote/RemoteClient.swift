import LPCore
import LPHTTPClient
import Foundation

/// Requests to one target's x07lpd through LPHTTPClient, trusting what its profile says (system
/// roots, a CA bundle, or a pinned SPKI on top of verification). The token goes only into the
/// Authorization header; errors name the URL without query and never a header.
struct RemoteClient {
    let profile: TargetProfile
    private let client: HTTPClient
    private let token: String

    init(_ profile: TargetProfile, environment: [String: String]) throws {
        self.profile = profile
        token = try SecretRef.resolve(profile.tokenRef, field: "auth.token_ref", environment: environment)
        var options = HTTPClientOptions(caBundlePath: profile.caBundlePath,
                                        pinnedPublicKeys: profile.pinnedSPKI.map { [Self.curlPin($0)] } ?? [])
        options.allowPlainHTTP = profile.baseURL.lowercased().hasPrefix("http://")
        options.connectTimeout = 10
        options.totalTimeout = 120
        client = HTTPClient(options: options)
    }

    /// `sha256:<hex>` (the profile's form) as libcurl's `sha256//<base64>`.
    static func curlPin(_ pin: String) -> String {
        let hex = Array(pin.utf8.dropFirst(7))
        let bytes = stride(from: 0, to: hex.count, by: 2).map { UInt8(String(decoding: hex[$0..<$0 + 2], as: UTF8.self), radix: 16) ?? 0 }
        return "sha256//" + Data(bytes).base64EncodedString()
    }

    struct Answer {
        var status: Int
        var body: JSON
    }

    /// One request; `failure` is the code a transport, TLS or unparsable answer is reported with.
    func send(_ method: HTTPRequest.Method, _ path: String, json: JSON? = nil, file: String? = nil,
              failure: (ExitCode, String), idempotent: Bool? = nil) throws -> Answer {
        var headers = [HTTPHeader("accept", "application/json"), HTTPHeader("authorization", "Bearer " + token),
                       HTTPHeader("x-lp-target", profile.name)]
        var body = HTTPRequest.Body.none
        if let json {
            headers.append(HTTPHeader("content-type", "application/json"))
            body = .bytes(json.canonicalBytes)
        } else if let file {
            headers.append(HTTPHeader("content-type", "application/octet-stream"))
            body = .file(file)
        }
        let response: HTTPResponse
        do {
            response = try client.send(HTTPRequest(method, profile.baseURL + path, headers: headers, body: body, idempotent: idempotent))
        } catch let error as HTTPClientError {
            throw LPError(failure.0, code: failure.1, "target \(profile.name): \(error.message)",
                          data: ["transport": .string(error.code)])
        }
        let parsed = response.body.isEmpty ? JSON.object([:]) : try? JSONParser.parse(response.body)
        guard let parsed, case .object = parsed else {
            throw LPError(failure.0, code: failure.1,
                          "target \(profile.name): \(method.rawValue) \(path.split(separator: "?").first ?? "") answered HTTP \(response.status) without a JSON document")
        }
        return Answer(status: response.status, body: parsed)
    }

    /// `GET /v1/health` answered `{"ok": true}`, or the reason it did not (exit 42).
    func probe() throws {
        let answer = try send(.get, "/v1/health", failure: (.remoteUnreachable, "LP_REMOTE_TARGET_UNREACHABLE"))
        guard answer.body["ok"] == true else {
            throw LPError(.remoteUnreachable, code: "LP_REMOTE_TARGET_UNREACHABLE",
                          "target \(profile.name): /v1/health answered HTTP \(answer.status) without ok: true")
        }
    }
}
