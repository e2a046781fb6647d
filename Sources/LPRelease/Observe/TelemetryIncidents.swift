import LPCore
import LPModel

/// The native incidents an observation shows (docs/device-release.md#observe), at most one per
/// class, the first event of each class giving the reason; and the device context they share.
enum TelemetryIncidents {
    struct Found {
        var classification: NativeClassification
        var reason: String
    }

    static func classify(_ records: [TelemetryRecord]) -> [Found] {
        var found: [Found] = []
        for record in records {
            let classification: NativeClassification
            switch record.eventClass {
            case "runtime.error":
                let text = ((record.string("stage") ?? "") + " " + (record.body ?? "")).lowercased()
                classification = permissionBlocked(record) ? .permissionBlocked
                    : text.contains("bridge") || text.contains("timeout") ? .bridgeTimeout : .runtimeError
            case "policy.violation":
                classification = permissionBlocked(record) ? .permissionBlocked : .policyViolation
            case "host.webview_crash":
                classification = .hostCrash
            default:
                continue
            }
            guard !found.contains(where: { $0.classification == classification }) else { continue }
            let reason = record.string("message") ?? record.body ?? "device telemetry incident: \(record.eventName)"
            found.append(Found(classification: classification, reason: String(reason.prefix(1024))))
        }
        return found
    }

    /// A permission the host asked for and did not get.
    static func permissionBlocked(_ record: TelemetryRecord) -> Bool {
        guard let permission = record.string("permission"), !permission.isEmpty else { return false }
        if [record.string("status"), record.string("result")].contains("denied") { return true }
        let body = (record.body ?? "").lowercased()
        return body.contains("permission") && body.contains("denied")
    }

    /// The device context from the last eight events: permission states, lifecycle,
    /// connectivity and breadcrumbs, each reduced to the contract's vocabulary (anything else
    /// is `unknown` or left out).
    static func context(_ records: [TelemetryRecord], base: NativeContext) -> NativeContext {
        var context = base
        let recent = Array(records.suffix(8))
        var permissions: [String: String] = [:]
        for record in recent {
            guard let permission = record.string("permission").map({ token($0, max: 64) }),
                  let state = (record.string("status") ?? record.string("result"))?.lowercased(),
                  NativeContext.permissionStates.contains(state) else { continue }
            permissions[permission] = state
        }
        context.permission_state_snapshot = permissions.isEmpty ? nil : permissions
        if let lifecycle = recent.first(where: { $0.eventClass == "app.lifecycle" }) {
            let state = (lifecycle.string("state") ?? lifecycle.eventName).lowercased()
            context.lifecycle_state = NativeContext.lifecycleStates.contains(state) ? state : "unknown"
        }
        if let raw = recent.lazy.compactMap({ $0.string("connectivity_state") ?? $0.string("network_state") }).last {
            context.connectivity_state = NativeContext.connectivityStates.contains(raw.lowercased()) ? raw.lowercased() : "unknown"
        }
        context.breadcrumbs = recent.enumerated().map { ord, record in
            let status: String
            if let code = record.number("status"), code.rounded() == code, (100...999).contains(code) {
                status = "http_\(Int(code))"
            } else {
                status = token(record.string("status") ?? record.string("result") ?? "unknown", max: 64)
            }
            let duration = record.number("duration_ms").flatMap { $0.isFinite && $0 >= 0 && $0 <= 3_600_000 ? Int($0.rounded()) : nil }
            let unixMs = (record.number("unix_ms") ?? record.number("timestamp_unix_ms"))
                .flatMap { $0.isFinite && $0 >= 0 && $0 <= 9_007_199_254_740_991 ? Int64($0) : nil }
            return NativeContext.Breadcrumb(
                ord: ord, event_class: token(record.eventClass, max: 64),
                op: token(record.string("op") ?? record.string("operation") ?? record.eventName, max: 128),
                status: status, request_id: record.string("request_id").flatMap(identifier), unix_ms: unixMs,
                duration_ms: duration, permission: record.string("permission").map { String($0.prefix(64)) })
        }
        return context
    }

    /// A lower-case token (`^[a-z][a-z0-9._-]*$`): other characters become `_`.
    static func token(_ text: String, max: Int) -> String {
        var scalars = text.lowercased().unicodeScalars.map { scalar -> Character in
            let ok = ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "." || scalar == "_" || scalar == "-"
            return ok ? Character(scalar) : "_"
        }
        if scalars.first.map({ !("a"..."z").contains($0) }) ?? true { scalars.insert("x", at: 0) }
        return String(String(scalars).prefix(max))
    }

    /// The text as an id (`^[A-Za-z0-9][A-Za-z0-9._-]*$`, at most 128), or nil.
    static func identifier(_ text: String) -> String? {
        let ok = !text.isEmpty && text.utf8.count <= 128 && text.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "." || $0 == "_" || $0 == "-"
        } && !["." as Character, "_", "-"].contains(text.first!)
        return ok ? text : nil
    }
}
