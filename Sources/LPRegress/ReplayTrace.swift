import LPCore
import LPState
import LPModel
import LPIndex
import LPStage
import LPIncident
import Foundation

/// The replay fixture: the captured `x07.app.trace@0.1.0` with every failing (5xx) response
/// replaced by the least response the fixed app must give — status 200, no headers, empty body —
/// so a replayer that compares responses flags any step that still fails. The invariant the
/// fixtures actually assert (status < 500) is named in the regression request.
enum ReplayTrace {
    static let toolName = "x07lp-regress"

    static func make(from trace: JSON, createdUnixMs: Int64) -> (trace: JSON, replaced: Int) {
        var replaced = 0
        let steps: [JSON] = (trace["steps"]?.arrayValue ?? []).map { step in
            guard case .array(let exchanges)? = step["http"] else { return step }
            return step.setting("http", .array(exchanges.map { exchange in
                guard let response = exchange["response"], (response["status"]?.intValue ?? 0) >= 500 else { return exchange }
                replaced += 1
                return exchange.setting("response", [
                    "schema_version": .string(HTTPEnvelope.responseSchema),
                    "request_id": response["request_id"] ?? exchange["request"]?["id"] ?? "replay",
                    "status": 200, "headers": [], "body": ["bytes_len": 0],
                ])
            }))
        }
        var meta: [String: JSON] = ["tool": ["name": .string(toolName), "version": .string(LPVersion.current)],
                                    "created_utc": .string(utc(createdUnixMs))]
        if let app = trace["meta"]?["app"] { meta["app"] = app }
        return (["schema_version": .string(SchemaVersion.appTrace), "meta": .object(meta), "steps": .array(steps)], replaced)
    }

    /// `2026-01-01T00:00:00Z` for a Unix time in milliseconds.
    static func utc(_ unixMs: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date(timeIntervalSince1970: Double(unixMs / 1000)))
    }
}
