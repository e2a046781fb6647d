import LPCore
import Foundation

/// The response headers a pack gives its assets (`assets[].headers`, and `content_type` as
/// `Content-Type`), per revision and serve path, for the njs header filter (`RouteScript`).
/// nginx loads them as a preloaded object (`headers.json`), so a request costs one lookup.
/// A header that could break the exchange or our tags is left out: names must be tokens and not
/// framing (`Content-Length`, `Transfer-Encoding`, `Connection`, …) or `X-LP-*`; values
/// printable ASCII up to 1,024 bytes.
enum PackHeaders {
    static let refused: Set<String> = ["content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "te", "trailer",
                                       "date", "server", "proxy-authenticate", "proxy-authorization"]

    /// serve path → [[name, value]] of one pack manifest.
    static func of(manifest: JSON) -> JSON {
        var byPath: [String: JSON] = [:]
        for asset in manifest["assets"]?.arrayValue ?? [] {
            guard let path = asset["serve_path"]?.stringValue.flatMap(ServedDeployment.safePath) else { continue }
            var pairs: [(String, String)] = (asset["headers"]?.arrayValue ?? []).compactMap { header in
                guard let name = header["k"]?.stringValue, let value = header["v"]?.stringValue else { return nil }
                return (name, value)
            }
            if let type = asset["content_type"]?.stringValue { pairs.append(("Content-Type", type)) }
            let kept = pairs.filter { isAllowed(name: $0.0, value: $0.1) }
            if !kept.isEmpty { byPath[path] = .array(kept.map { .array([.string($0.0), .string($0.1)]) }) }
        }
        return .object(byPath)
    }

    static func isAllowed(name: String, value: String) -> Bool {
        let lower = name.lowercased()
        let token = (1...64).contains(name.utf8.count) && name.utf8.allSatisfy { b in
            (0x30...0x39).contains(b) || (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b) || b == 0x2D
        }
        let printable = value.utf8.count <= 1024 && value.utf8.allSatisfy { (0x20...0x7E).contains($0) }
        return token && printable && !refused.contains(lower) && !lower.hasPrefix("x-lp-")
    }
}
