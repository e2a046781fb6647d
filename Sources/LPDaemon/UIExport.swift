import LPCore
import LPState
import LPServe
import Foundation

/// `ui export`: every report the pages read, keyed by the API path the served UI would fetch,
/// written to data.js beside a copy of the static files.
enum UIExport {
    static let files = ["index.html", "app.js", "app.css"]

    static func collect(_ context: ServeContext, app: String?, env: String?) -> [String: JSON] {
        var reports: [String: JSON] = [:]
        func read(_ path: String) -> JSON? {
            if let known = reports[path] { return known }
            let report = UIServe.read(path, context: context)
            reports[path] = report
            return report
        }
        let apps = items(read("/api/apps")).filter {
            (app == nil || $0["app_id"]?.stringValue == app) && (env == nil || $0["environment"]?.stringValue == env)
        }
        for item in apps {
            guard let appId = item["app_id"]?.stringValue, let envId = item["environment"]?.stringValue else { continue }
            for deployment in items(read("/api/apps/\(appId)/\(envId)/deployments")) {
                guard let id = deployment["deployment_id"]?.stringValue ?? deployment["exec_id"]?.stringValue else { continue }
                for decision in read("/api/deployments/\(id)")?["result"]?["decisions"]?.arrayValue ?? [] {
                    for evidence in decision["evidence"]?.arrayValue ?? [] where evidence["role"] == "slo_eval_report" {
                        if let sha = evidence["digest"]?["sha256"]?.stringValue { _ = read("/api/blobs/" + sha) }
                    }
                }
                _ = read("/api/deployments/\(id)/incidents")
            }
        }
        for incident in items(read("/api/incidents")) {
            guard let id = incident["incident_id"]?.stringValue else { continue }
            let target = incident["target"]
            if app != nil && target?["app_id"]?.stringValue != app || env != nil && target?["environment"]?.stringValue != env { continue }
            _ = read("/api/incidents/\(id)")
        }
        // Device releases belong to an app id, not an app/env: --app-id narrows them, --env does not.
        for release in items(read("/api/device-releases")) where app == nil || release["app"]?["app_id"]?.stringValue == app {
            guard let id = release["exec_id"]?.stringValue else { continue }
            _ = read("/api/device-releases/\(id)")
            _ = read("/api/device-releases/\(id)/incidents")
        }
        return reports
    }

    static func items(_ report: JSON?) -> [JSON] {
        guard case .array(let list)? = report?["result"]?["items"] else { return [] }
        return list
    }

    /// data.js assigns the reports to `window.X07LP_EXPORT`; the page then reads nothing else.
    static func write(_ reports: [String: JSON], from root: String, to out: String) throws {
        try AtomicFile.makeDirectories(out, mode: 0o755)
        for name in files {
            _ = try AtomicFile.write(try InputDocument.readFile(root + "/" + name, limit: 1 << 22), to: out + "/" + name, mode: 0o644)
        }
        let data = Array("window.X07LP_EXPORT = ".utf8) + JSON.object(reports).canonicalBytes + Array(";\n".utf8)
        _ = try AtomicFile.write(data, to: out + "/data.js", mode: 0o644)
    }
}
