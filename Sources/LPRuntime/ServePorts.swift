import LPCore
import Foundation

/// The fixed ports of serving: each listener on 20000...39999 and each back end on 40000...59999,
/// derived from its id (`RoutingRule.publicListener`, `BackendSlot`). Linux hands out its
/// ephemeral range (32768...60999 by default) as the local ports of outgoing connections, and a
/// port one of them holds, for a minute after it closes (TIME_WAIT), cannot be bound: nginx keeps
/// its old configuration (LP_SERVE_RELOAD_FAILED) or the back end exits "address in use".
/// Reserving the range (`net.ipv4.ip_local_reserved_ports`) keeps the kernel off it; `serve start`
/// and `serve status` warn while any of it is left to outgoing connections (docs/serve.md).
public enum ServePorts {
    public static let all = 20000...59999

    /// The ports of `all` that the kernel may give to outgoing connections, from the text of
    /// `ip_local_port_range` ("32768\t60999") and `ip_local_reserved_ports` ("20000-59999,8080").
    public static func unreserved(portRange: String, reserved: String) -> [ClosedRange<Int>] {
        let bounds = portRange.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).compactMap { Int($0) }
        guard bounds.count == 2, bounds[0] <= bounds[1] else { return [] }
        let ephemeral = bounds[0]...bounds[1]
        guard ephemeral.overlaps(all) else { return [] }
        var open = [max(ephemeral.lowerBound, all.lowerBound)...min(ephemeral.upperBound, all.upperBound)]
        for item in reserved.split(whereSeparator: { $0 == "," || $0 == "\n" || $0 == " " }) {
            let ends = item.split(separator: "-").compactMap { Int($0) }
            guard let low = ends.first, let high = ends.last, low <= high else { continue }
            open = open.flatMap { gap -> [ClosedRange<Int>] in
                guard gap.overlaps(low...high) else { return [gap] }
                var left: [ClosedRange<Int>] = []
                if gap.lowerBound < low { left.append(gap.lowerBound...(low - 1)) }
                if high < gap.upperBound { left.append((high + 1)...gap.upperBound) }
                return left
            }
        }
        return open
    }

    /// A warning when this host may give serving's ports to outgoing connections.
    public static func diagnostics() -> [Diagnostic] {
        let proc = "/proc/sys/net/ipv4/"
        guard let range = try? String(contentsOfFile: proc + "ip_local_port_range", encoding: .utf8) else { return [] }
        let reserved = (try? String(contentsOfFile: proc + "ip_local_reserved_ports", encoding: .utf8)) ?? ""
        let open = unreserved(portRange: range, reserved: reserved)
        guard !open.isEmpty else { return [] }
        let listed = open.map { $0.count == 1 ? "\($0.lowerBound)" : "\($0.lowerBound)-\($0.upperBound)" }.joined(separator: ",")
        return [Diagnostic(code: "LP_SERVE_PORTS_NOT_RESERVED", severity: .warning,
                           message: "ports \(listed) of the listeners and back ends are also this host's ephemeral ports: an "
                               + "outgoing connection holding one keeps nginx or a back end from binding it; reserve them with "
                               + "`sysctl -w net.ipv4.ip_local_reserved_ports=\(all.lowerBound)-\(all.upperBound)` (docs/serve.md)",
                           data: ["unreserved": .string(listed)])]
    }
}
