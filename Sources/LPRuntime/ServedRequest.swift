import LPCore
import LPModel
import Foundation

/// One request as the listener's JSON access log records it (`NginxServeConfig`'s `lp_json`
/// format), and the HTTP envelopes an incident stores for it. The log holds no query string,
/// no header but the route key and no body, so none of those can leak into the envelopes; the
/// bodies are their lengths alone.
public struct ServedRequest: Sendable, Equatable {
    public var requestId: String
    public var method: String
    public var path: String
    public var routeKey: String
    public var requestBytes: Int
    public var status: Int
    public var slot: String
    public var revision: String
    public var contentType: String
    public var responseBytes: Int

    /// nil when `entry` is not a line of the format (an older log, a hand edit).
    init?(_ entry: JSON) {
        guard let status = entry["status"]?.intValue, let id = entry["rid"]?.stringValue,
              id.utf8.count <= 64, !id.isEmpty, id.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x7A).contains($0) }),
              let method = entry["method"]?.stringValue, let uri = entry["uri"]?.stringValue else { return nil }
        requestId = id
        self.method = method
        path = uri
        routeKey = entry["key"]?.stringValue ?? ""
        requestBytes = Int(entry["clen"]?.stringValue ?? "") ?? 0
        self.status = status
        slot = entry["slot"]?.stringValue ?? ""
        revision = entry["rev"]?.stringValue ?? ""
        contentType = entry["ctype"]?.stringValue ?? ""
        // $body_bytes_sent: a chunked answer (a back end's) counts its chunk framing too.
        responseBytes = entry["bytes"]?.intValue ?? 0
    }

    /// `x07.http.request.envelope@0.1.0` (path: the decoded URI nginx logs, with spaces and
    /// control characters percent-encoded again; method upper-case letters, else `OTHER`).
    public var requestEnvelope: JSON {
        let methodOK = (1...16).contains(method.utf8.count) && method.utf8.allSatisfy { (0x41...0x5A).contains($0) }
        var headers: [JSON] = []
        if !routeKey.isEmpty { headers.append(["k": .string(RoutingRule.routeKeyHeader), "v": .string(String(routeKey.prefix(4096)))]) }
        return ["schema_version": "x07.http.request.envelope@0.1.0", "id": .string(requestId), "method": .string(methodOK ? method : "OTHER"),
                "path": .string(Self.encodedPath(path)), "headers": .array(headers), "body": ["bytes_len": .number(Double(requestBytes))]]
    }

    /// `x07.http.response.envelope@0.1.0` with the slot and revision headers nginx added.
    public var responseEnvelope: JSON {
        var headers: [JSON] = [["k": "X-LP-Slot", "v": .string(slot)], ["k": "X-LP-Revision", "v": .string(revision)]]
        if !contentType.isEmpty { headers.insert(["k": "Content-Type", "v": .string(String(contentType.prefix(4096)))], at: 0) }
        return ["schema_version": "x07.http.response.envelope@0.1.0", "request_id": .string(requestId),
                "status": .number(Double(min(max(status, 100), 599))), "headers": .array(headers),
                "body": ["bytes_len": .number(Double(responseBytes))]]
    }

    static func encodedPath(_ path: String) -> String {
        var out = ""
        for byte in path.utf8.prefix(4000) {
            if byte <= 0x20 || byte == 0x7F || byte >= 0x80 { out += String(format: "%%%02X", byte) } else { out.append(Character(UnicodeScalar(byte))) }
        }
        return out.hasPrefix("/") ? out : "/" + out
    }
}
