import LPCore
import LPStage

/// The human views of the read commands (`--output table|wide`, and by default on a terminal):
/// the same result documents, as tables and label/value blocks with local times.
enum QueryViews {
    static let t = ViewText.text

    /// `deploy query`: the deployment, then the sections its view holds.
    static let deployment: HumanView = { result, _, wide in
        let target = result["target"]
        var rows: [(String, String)] = [
            ("Deployment", t(result["deployment_id"])),
            ("App", "\(t(target?["app_id"])) (\(t(target?["environment"])))"),
            ("Status", t(result["status"])),
            ("Outcome", t(result["outcome"])),
            ("Weight", result["current_weight_pct"].map { "\(t($0))% to the candidate" } ?? ""),
            ("Control", t(result["control_state"])),
            ("Kill", result["kill_latched"]?.boolValue == true ? "latched (\(t(result["kill_scope"])))" : ""),
            ("Created", ViewText.time(result["created_unix_ms"])),
            ("Updated", ViewText.time(result["updated_unix_ms"])),
            ("Listener", t(result["public_listener"])),
        ]
        if result["incident_count_total"] != nil {
            rows.append(("Incidents", "\(t(result["incident_count_open"])) open, \(t(result["incident_count_total"])) total"))
        }
        if wide { rows += [("Run", t(result["run_id"])), ("Decision", t(result["latest_decision_id"]))] }
        var text = ViewText.fields(rows)
        if let steps = result["steps"]?.arrayValue { text += "\n" + ExecutionView.stepsTable(steps, wide: wide) }
        if let decisions = result["decisions"]?.arrayValue {
            text += "\n" + ViewText.table(["decision", "kind", "outcome", "created"] + (wide ? ["reasons"] : []), decisions.map { d in
                [t(d["decision_id"]), t(d["kind"]), t(d["outcome"]), ViewText.time(d["created_unix_ms"])]
                    + (wide ? [(d["reasons"]?.arrayValue ?? []).map { t($0["code"]) }.joined(separator: ",")] : [])
            })
        }
        if let artifacts = result["artifacts"]?.arrayValue {
            text += "\n" + ViewText.table(["role", "kind", "bytes"] + (wide ? ["store"] : []), artifacts.map { a in
                [t(a["role"]), t(a["kind"]), t(a["digest"]?["bytes_len"])] + (wide ? [t(a["store_uri"])] : [])
            })
        }
        if let incidents = result["linked_incidents"]?.arrayValue, !incidents.isEmpty {
            text += "\n" + incidentTable(incidents, wide: wide)
        }
        return text
    }

    /// `deploy list`: one row per deployment, newest first.
    static let deployments: HumanView = { result, _, wide in
        let items = result["items"]?.arrayValue ?? []
        guard !items.isEmpty else { return "No deployments of \(t(result["target"]?["app_id"])) in \(t(result["target"]?["environment"])).\n" }
        return ViewText.table(["deployment", "status", "outcome", "weight", "created", "updated"] + (wide ? ["incidents", "listener"] : []),
                              items.map { d in
            [t(d["deployment_id"]), t(d["status"]), t(d["outcome"]), t(d["current_weight_pct"]) + "%",
             ViewText.time(d["created_unix_ms"]), ViewText.time(d["updated_unix_ms"])]
                + (wide ? ["\(t(d["incident_count_open"]))/\(t(d["incident_count_total"]))", t(d["public_listener"])] : [])
        })
    }

    /// `app list`: one row per app/environment.
    static let apps: HumanView = { result, _, wide in
        let items = result["items"]?.arrayValue ?? []
        guard !items.isEmpty else { return "No apps.\n" }
        return ViewText.table(["app", "env", "deployment", "status", "outcome", "weight", "incidents", "kill", "updated"]
                              + (wide ? ["listener", "decision"] : []), items.map { a in
            [t(a["app_id"]), t(a["environment"]), t(a["latest_deployment_id"]), t(a["deployment_status"]), t(a["outcome"]),
             t(a["current_weight_pct"]) + "%", "\(t(a["incident_count_open"]))/\(t(a["incident_count_total"]))",
             t(a["kill_state"]), ViewText.time(a["updated_unix_ms"])]
                + (wide ? [t(a["public_listener"]), t(a["latest_decision_id"])] : [])
        })
    }

    /// `incident list`.
    static let incidents: HumanView = { result, _, wide in
        let items = result["items"]?.arrayValue ?? []
        return items.isEmpty ? "No incidents.\n" : incidentTable(items, wide: wide)
    }

    static func incidentTable(_ items: [JSON], wide: Bool) -> String {
        ViewText.table(["incident", "status", "class", "http", "app", "env", "captured"]
                       + (wide ? ["deployment", "regression", "request"] : []), items.map { i in
            [t(i["incident_id"]), t(i["incident_status"]), t(i["classification"]), t(i["status_code"]),
             t(i["target"]?["app_id"]), t(i["target"]?["environment"]), ViewText.time(i["captured_unix_ms"])]
                + (wide ? [t(i["deployment_id"]), t(i["regression_status"]), t(i["request_id"])] : [])
        })
    }

    /// `incident get`.
    static let incident: HumanView = { result, _, wide in
        var rows: [(String, String)] = [
            ("Incident", t(result["incident_id"])),
            ("Status", t(result["incident_status"])),
            ("Class", "\(t(result["classification"])) (\(t(result["source"])))"),
            ("HTTP status", t(result["status_code"])),
            ("App", "\(t(result["target"]?["app_id"])) (\(t(result["target"]?["environment"])))"),
            ("Deployment", t(result["deployment_id"])),
            ("Captured", ViewText.time(result["captured_unix_ms"])),
            ("Reason", t(result["reason"])),
            ("Request", t(result["request_id"])),
            ("Regression", [t(result["regression_status"]), t(result["regression_id"])].filter { !$0.isEmpty }.joined(separator: " ")),
            ("Diagnostics", (result["diag_codes"]?.arrayValue ?? []).map(t).joined(separator: ", ")),
        ]
        if wide {
            rows += [("Run", t(result["run_id"])), ("Decision", t(result["decision_id"])), ("Bundle", t(result["bundle"]?["store_uri"]))]
        }
        return ViewText.fields(rows)
    }
}
