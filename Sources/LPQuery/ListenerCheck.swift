import LPCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Whether a deployment's `public_listener` (`http://127.0.0.1:<port>`, where `x07lp serve`
/// serves it) accepts a TCP connection within 500 ms: `deploy status` reports it as
/// `listener: {address, up}`. Any other address form is reported as not up.
enum ListenerCheck {
    static func json(_ listener: String?) -> JSON {
        guard let listener else { return .null }
        return ["address": .string(listener), "up": .bool(isUp(listener))]
    }

    static func isUp(_ listener: String) -> Bool {
        let prefix = "http://127.0.0.1:"
        guard listener.hasPrefix(prefix), let port = UInt16(listener.dropFirst(prefix.count)), port > 0 else { return false }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let started = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if started == 0 { return true }
        guard errno == EINPROGRESS else { return false }
        var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        guard poll(&poller, 1, 500) == 1 else { return false }
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        return getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 && error == 0
    }
}
