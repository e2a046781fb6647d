import LPCore
import LPState
import LPModel
import Foundation

/// An HTTP health probe of one slot through its served listener: nginx is asked for that slot
/// with `X-LP-Probe: <probe token>:<slot>` (`RouteScript`), so the probe reaches the candidate
/// while it carries no traffic. curl does the request, with a 2 s limit.
public struct SlotProbe: Sendable {
    public struct Request: Sendable {
        public var url: String
        public var status: Int
        public var elapsedMs: Int
        /// 2xx and 3xx are healthy.
        public var ok: Bool { (200..<400).contains(status) }

        public var json: JSON {
            ["url": .string(url), "status": .number(Double(status)), "ok": .bool(ok), "elapsed_ms": .number(Double(elapsedMs))]
        }
    }

    public let runtime: ServeRuntime

    public init(runtime: ServeRuntime) { self.runtime = runtime }

    /// The index (`/`) of `slot`, or nil when serving does not run or does not serve the
    /// deployment (there is nothing to ask over HTTP).
    public func probe(_ slot: Slot, execId: String) throws -> [Request]? {
        guard runtime.isRunning,
              let deployment = ServedDeployment.all(state: runtime.layout.state).served.first(where: { $0.execId == execId }) else { return nil }
        let url = "http://127.0.0.1:\(deployment.port)/"
        let log = runtime.layout.logs + "/probe.out"
        let started = DispatchTime.now().uptimeNanoseconds
        let (_, output) = try tool("/usr/bin/curl", ["-s", "-o", "/dev/null", "--max-time", "2", "-w", "%{http_code}",
                                                                "-H", "X-LP-Probe: \(try runtime.layout.token()):\(slot.rawValue)", url], log: log)
        let elapsed = Int((DispatchTime.now().uptimeNanoseconds - started) / 1_000_000)
        return [Request(url: url, status: Int(output) ?? 0, elapsedMs: elapsed)]
    }
}
