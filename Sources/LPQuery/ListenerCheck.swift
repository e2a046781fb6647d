import LPCore
import LPModel
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Whether a deployment's `public_listener` (`http://127.0.0.1:<port>`, where `x07lp serve`
/// serves it) is up now, for `deploy status`'s `listener: {address, up, detail}`: it must accept
/// a connection and answer `HEAD /` with an `X-LP-Revision` of this deployment's slots within
/// 500 ms each (a listener port two deployments hash to serves only one of them). Any other
/// address form is not up.
enum ListenerCheck {
    static func json(_ listener: String?, revisions: Set<String>) -> JSON {
        guard let listener else { return .null }
        let detail = check(listener, revisions: revisions)
        return ["address": .string(listener), "up": .bool(detail == nil), "detail": .string(detail ?? "serves this deployment")]
    }

    /// nil when up, else why not.
    static func check(_ listener: String, revisions: Set<String>) -> String? {
        let prefix = "http://127.0.0.1:"
        guard listener.hasPrefix(prefix), let port = UInt16(listener.dropFirst(prefix.count)), port > 0 else {
            return "not a local listener"
        }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return "no socket" }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 0, tv_usec: 500_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return "connection refused" }
        let request = Array("HEAD / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".utf8)
        guard send(fd, request, request.count, Int32(MSG_NOSIGNAL)) == request.count else { return "no answer" }
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while answer.count < 16_384 {
            let got = recv(fd, &buffer, buffer.count, 0)
            if got <= 0 { break }
            answer += buffer[0..<got]
        }
        let lines = String(decoding: answer, as: UTF8.self).split(separator: "\r\n")
        guard let revision = lines.first(where: { $0.lowercased().hasPrefix("x-lp-revision:") })?
            .dropFirst("x-lp-revision:".count).trimmingCharacters(in: .whitespaces) else {
            return answer.isEmpty ? "no answer" : "answers without X-LP-Revision (not x07lp serve)"
        }
        return revisions.contains(revision) ? nil : "serves another deployment"
    }
}
