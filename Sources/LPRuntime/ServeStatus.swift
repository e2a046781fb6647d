import LPCore
import LPState
import Foundation

/// What `x07lp serve start|stop|status` reports: whether nginx runs, and each served listener.
public struct ServeStatus: Sendable {
    let layout: ServeLayout
    public var pid: Int32?
    var served: [ServedDeployment]
    var skipped: [String]

    init(layout: ServeLayout, running pid: Int32?, served: [ServedDeployment]? = nil, skipped: [String] = []) {
        self.layout = layout
        self.pid = pid
        if let served {
            self.served = served
            self.skipped = skipped
        } else {
            (self.served, self.skipped) = ServedDeployment.all(state: layout.state)
        }
    }

    /// Every revision a listener serves.
    var revisions: Set<String> {
        Set(served.flatMap { [$0.stable?.revision, $0.candidate?.revision].compactMap { $0 } })
    }

    func running(_ pid: Int32?) -> ServeStatus {
        var copy = self
        copy.pid = pid
        return copy
    }

    /// What the back-end supervisor last wrote (`BackendSupervisor.statusDocument`), while serving runs.
    var backends: JSON {
        guard pid != nil, let bytes = FileManager.default.contents(atPath: layout.backendsFile),
              let document = try? JSONParser.parse([UInt8](bytes)), document.arrayValue != nil else { return [] }
        return document
    }

    public var json: JSON {
        let listeners: [JSON] = served.map { deployment in
            var slots: [String: JSON] = [:]
            if let stable = deployment.stable { slots["stable"] = .string(stable.revision) }
            if let candidate = deployment.candidate { slots["candidate"] = .string(candidate.revision) }
            return ["deployment_id": .string(deployment.execId), "public_listener": .string("http://127.0.0.1:\(deployment.port)"),
                    "weight_pct": .number(Double(deployment.weight)), "revisions": .object(slots),
                    "access_log": .string(layout.accessLog(deployment.execId))]
        }
        return ["running": .bool(pid != nil), "pid": pid.map { .number(Double($0)) } ?? .null,
                "config": .string(layout.directory + "/nginx.conf"),
                "listeners": .array(listeners), "skipped": .array(skipped.map(JSON.string)), "backends": backends]
    }
}
