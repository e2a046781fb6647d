import LPCore
import LPState
import LPModel
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An HTTP health probe of one slot through its served listener: nginx is asked for that slot
/// with `X-LP-Probe: <probe token>:<slot>` (`RouteScript`), so the probe reaches the candidate
/// while it carries no traffic. curl does each request, with a 2 s limit. The index must answer
/// 2xx/3xx; a slot with a back end is also asked for its `api_prefix`, where any answer below 500
/// shows the component runs. While the back end is not up yet (nginx answers 502/503/504:
/// `wasmtime serve` compiles a new component first) that request is repeated for up to 90 s,
/// unless the supervisor reports that the back end keeps exiting (a component wasmtime refuses:
/// four exits in a row, about 7.5 s of its back-off; one exit may be a port another state's back
/// end of the same revision is still letting go of).
public struct SlotProbe: Sendable {
    public enum Route: String, Sendable {
        case index, backend
    }

    public struct Request: Sendable {
        public var route: Route
        public var url: String
        public var status: Int
        public var elapsedMs: Int

        public var ok: Bool { route == .index ? (200..<400).contains(status) : (100..<500).contains(status) }

        public var json: JSON {
            ["route": .string(route.rawValue), "url": .string(url), "status": .number(Double(status)), "ok": .bool(ok),
             "elapsed_ms": .number(Double(elapsedMs))]
        }
    }

    static let backendStartMs = 90_000

    public let runtime: ServeRuntime

    public init(runtime: ServeRuntime) { self.runtime = runtime }

    /// The index (`/`) of `slot` and its back end's prefix, or nil when serving does not run or
    /// does not serve the deployment (there is nothing to ask over HTTP).
    public func probe(_ slot: Slot, execId: String) throws -> [Request]? {
        guard runtime.isRunning,
              let deployment = ServedDeployment.all(state: runtime.layout.state).served.first(where: { $0.execId == execId }) else { return nil }
        let base = "http://127.0.0.1:\(deployment.port)"
        var requests = [try request(.index, base + "/", slot)]
        if let view = slot == .stable ? deployment.stable : deployment.candidate, let backend = view.backend {
            let started = DispatchTime.now().uptimeNanoseconds
            var answer = try request(.backend, base + view.apiPrefix, slot)
            while [0, 502, 503, 504].contains(answer.status), !keepsExiting(backend),
                  (DispatchTime.now().uptimeNanoseconds - started) / 1_000_000 < UInt64(Self.backendStartMs) {
                usleep(250_000)
                answer = try request(.backend, base + view.apiPrefix, slot)
            }
            requests.append(answer)
        }
        return requests
    }

    /// The supervisor has seen this back end's process end four times without a minute's run.
    private func keepsExiting(_ backend: BackendSlot) -> Bool {
        guard let bytes = FileManager.default.contents(atPath: runtime.layout.backendsFile),
              let entries = (try? JSONParser.parse([UInt8](bytes)))?.arrayValue else { return false }
        return entries.contains { $0["revision"]?.stringValue == backend.revision && ($0["restarts"]?.intValue ?? 0) >= 4 }
    }

    private func request(_ route: Route, _ url: String, _ slot: Slot) throws -> Request {
        let started = DispatchTime.now().uptimeNanoseconds
        let (_, output) = try tool("/usr/bin/curl", ["-s", "-o", "/dev/null", "--max-time", "2", "-w", "%{http_code}",
                                                     "-H", "X-LP-Probe: \(try runtime.layout.token()):\(slot.rawValue)", url],
                                   log: runtime.layout.logs + "/probe.out")
        let elapsed = Int((DispatchTime.now().uptimeNanoseconds - started) / 1_000_000)
        return Request(route: route, url: url, status: Int(output) ?? 0, elapsedMs: elapsed)
    }
}
