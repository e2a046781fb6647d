import LPCore

/// The human view of an `lp.deploy.execution@0.1.0` (what `deploy run` ends with and `deploy
/// status` shows): where the deployment stands, why it was rolled back, then its steps.
public enum ExecutionView {
    public static let view: HumanView = { result, document, wide in
        render(document ?? result["deployment"] ?? result, violations: result["slo_violations"]?.arrayValue ?? [],
               listenerUp: result["listener"]?["up"]?.boolValue, wide: wide)
    }

    /// `listenerUp`: whether `deploy status` found the public listener accepting connections.
    public static func render(_ execution: JSON, violations: [JSON] = [], listenerUp: Bool? = nil, wide: Bool) -> String {
        let meta = execution["meta"]
        let target = meta?["target"]
        let t = ViewText.text
        var rows: [(String, String)] = [
            ("Deployment", t(execution["exec_id"])),
            ("App", "\(t(target?["app_id"])) (\(t(target?["environment"])))"),
            ("Status", t(execution["status"])),
            ("Outcome", t(meta?["outcome"])),
            ("Weight", meta?["routing"]?["candidate_weight_pct"].map { "\(t($0))% to the candidate" } ?? ""),
            ("Control", t(meta?["control_state"])),
            ("Kill", meta?["kill_latched"]?.boolValue == true ? "latched (\(t(meta?["kill_scope"])))" : ""),
            ("Started", ViewText.time(meta?["started_unix_ms"] ?? execution["created_unix_ms"])),
            ("Ended", ViewText.time(meta?["ended_unix_ms"])),
            ("Listener", t(meta?["public_listener"]) + (listenerUp.map { $0 ? " (up)" : " (not up)" } ?? "")),
            ("Incidents", "\(t(meta?["incident_count_open"])) open, \(t(meta?["incident_count_total"])) total"),
            ("Last SLO", meta?["analysis"]?["last_slo_decision"].map { "\(t($0)) (step \(t(meta?["analysis"]?["last_analysis_step_idx"])))" } ?? ""),
        ]
        if wide { rows += [("Run", t(execution["run_id"])), ("Decision", t(meta?["latest_decision_id"]))] }
        var text = ViewText.fields(rows)
        if !violations.isEmpty {
            text += "\nRolled back: SLO violated\n" + ViewText.table(["indicator", "metric", "observed", "objective"], violations.map { v in
                let objective = v["objective"]?.objectValue ?? [:]
                return [t(v["id"]), t(v["metric"]), t(v["observed"]),
                        objective.keys.sorted().map { "\($0) \(t(objective[$0]))" }.joined(separator: ", ")]
            })
        }
        let steps = execution["steps"]?.arrayValue ?? []
        return steps.isEmpty ? text : text + "\n" + stepsTable(steps, wide: wide)
    }

    /// One row per step: index, name, status, weight after it, SLO decision, duration.
    public static func stepsTable(_ steps: [JSON], wide: Bool) -> String {
        let t = ViewText.text
        var headers = ["step", "name", "status", "weight", "analysis", "took"]
        if wide { headers += ["kind", "attempt", "started"] }
        let rows: [[String]] = steps.map { step in
            let took: String
            if case .number(let start)? = step["started_unix_ms"], case .number(let end)? = step["ended_unix_ms"] {
                took = ViewText.duration(Int64(end - start))
            } else {
                took = ""
            }
            var row = [t(step["idx"]), t(step["name"]), t(step["status"]),
                       step["latest_weight_pct"].map { t($0) + "%" } ?? "", t(step["analysis_decision"]), took]
            if wide { row += [t(step["kind"]), t(step["attempt"]), ViewText.time(step["started_unix_ms"])] }
            return row
        }
        return ViewText.table(headers, rows)
    }
}
