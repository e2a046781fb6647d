/// One `op` of a tool: the x07lp verb it runs and the fields it takes.
struct ToolOp: Equatable, Sendable {
    var name: String
    /// The verb's words (`["deploy", "pause"]`), as `VerbTable` knows them.
    var verb: [String]
    /// Field name → the flag it becomes for this verb (most fields keep their usual flag).
    var fields: [String: String]
    /// Each entry is a set of alternatives: exactly one of them must be given.
    var required: [[String]]
    /// Values used when the field is not given (`deploy_query` shows the full view).
    var defaults: [String: String] = [:]
    /// A signed control action: it gets the server's `--signing-key`, when it has one.
    var signs = false

    /// `fields` lists field names; `renamed` maps a field to another flag than its usual one.
    init(_ name: String, _ verb: String, fields: [String], required: [[String]] = [], renamed: [String: String] = [:],
         defaults: [String: String] = [:], signs: Bool = false) {
        self.name = name
        self.verb = verb.split(separator: " ").map(String.init)
        var flags: [String: String] = [:]
        for field in fields + required.flatMap({ $0 }) { flags[field] = renamed[field] ?? ToolFields.named(field).flag }
        self.fields = flags
        self.required = required
        self.defaults = defaults
        self.signs = signs
    }
}

extension ToolOp {
    static let query: [ToolOp] = [
        ToolOp("target_list", "target ls", fields: []),
        ToolOp("deploy_query", "deploy query",
               fields: ["deployment", "app_id", "env", "latest", "view", "limit", "rebuild_index", "target"],
               defaults: ["view": "full"]),
        ToolOp("deploy_status", "deploy status", fields: ["deployment", "app_id", "env", "latest", "rebuild_index", "target"]),
        ToolOp("incident_list", "incident list",
               fields: ["deployment", "release_exec_id", "app_id", "env", "classification", "native_classification",
                        "native_only", "status", "limit", "rebuild_index", "target"]),
        ToolOp("incident_get", "incident get", fields: ["view", "rebuild_index", "target"], required: [["incident_id"]]),
        ToolOp("app_list", "app list", fields: ["app_id", "env", "limit", "rebuild_index"]),
        ToolOp("device_release_list", "device release-list", fields: ["app_id", "provider_id", "distribution_lane", "target_kind", "limit"]),
        ToolOp("device_release_query", "device release-query",
               fields: ["release_exec_id", "latest", "app_id", "provider_id", "distribution_lane", "target_kind", "view"]),
    ]

    static let control: [ToolOp] = {
        let deployControl = ["target"]
        var ops = [
            // The reference declares these two without a verb behind them (SPEC C.5); so does x07lp.
            ToolOp("change_new", "change new", fields: []),
            ToolOp("change_validate", "change validate", fields: []),
            ToolOp("deploy_accept", "deploy accept",
                   fields: ["pack_manifest", "ops_profile", "slo_profile", "policy", "provenance", "trusted_key", "target"],
                   required: [["change_in"], ["pack_dir"]]),
            ToolOp("deploy_run", "deploy run",
                   fields: ["accepted_run", "plan", "ops_profile", "slo_profile", "metrics_dir", "pause_scale", "target"],
                   required: [["deployment"]]),
        ]
        for action in ["pause", "resume", "stop", "rollback", "promote"] {
            ops.append(ToolOp("deploy_" + action, "deploy " + action, fields: deployControl,
                              required: [["deployment"], ["reason"]], signs: true))
        }
        ops += [
            ToolOp("deploy_rerun", "deploy rerun", fields: deployControl + ["from_step"],
                   required: [["deployment"], ["reason"]], signs: true),
            ToolOp("incident_capture", "incident capture",
                   fields: ["request_path", "response_path", "trace_path", "classification", "source", "target"],
                   required: [["deployment", "release_exec_id"], ["reason"]]),
            ToolOp("incident_resolve", "incident resolve", fields: ["target"], required: [["incident_id"], ["reason"]]),
            ToolOp("regress_from_incident", "regress from-incident", fields: ["name", "out_dir", "dry_run", "target"],
                   required: [["incident_id"]]),
            ToolOp("app_kill", "app kill", fields: [], required: [["app_id"], ["env"], ["reason"]], signs: true),
            ToolOp("app_unkill", "app unkill", fields: [], required: [["app_id"], ["env"], ["reason"]], signs: true),
            ToolOp("platform_kill", "platform kill", fields: [], required: [["reason"]], signs: true),
            ToolOp("platform_unkill", "platform unkill", fields: [], required: [["reason"]], signs: true),
            ToolOp("device_release_create", "device release-create",
                   fields: ["slo_profile", "metrics_window_seconds", "metrics_on_fail"],
                   required: [["provider_profile"], ["package_manifest"], ["package_report"], ["out"]],
                   renamed: ["slo_profile": "--slo-profile"]),
            ToolOp("device_release_validate", "device release-validate", fields: ["provider_profile"], required: [["plan"]]),
            ToolOp("device_release_run", "device release-run", fields: ["provider_profile", "package_manifest"],
                   required: [["plan"]]),
        ]
        for action in ["observe", "pause", "resume", "halt", "stop", "complete", "rollback"] {
            ops.append(ToolOp("device_release_" + action, "device release-" + action, fields: [],
                              required: [["release_exec_id"], ["reason"]], signs: true))
        }
        ops.append(ToolOp("device_release_rerun", "device release-rerun", fields: ["from_step"],
                          required: [["release_exec_id"], ["reason"]], signs: true))
        return ops
    }()
}
