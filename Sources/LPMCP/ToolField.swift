import LPCore

/// One argument of a tool: its JSON Schema and the x07lp flag it becomes. The tools' fields are
/// flat and optional (SPEC C.3/C.4): an empty string, `false` or a missing member all mean "not
/// given"; which op needs which field is the op table's business (`ToolOp`).
struct ToolField: Sendable {
    enum Kind: Sendable {
        case text(maxLength: Int)
        case choice([String])
        /// A boolean that becomes a flag without a value.
        case switchFlag
        case integer(ClosedRange<Int>)
        /// A non-negative number (`pause_scale`).
        case number
        /// Digits only (`now_unix_ms`).
        case digits
    }

    var name: String
    var kind: Kind
    var flag: String
    var description: String

    var schema: JSON {
        var members: [String: JSON] = ["description": .string(description)]
        switch kind {
        case .text(let maxLength):
            members["type"] = "string"
            members["maxLength"] = .number(Double(maxLength))
            members["default"] = ""
        case .choice(let values):
            members["type"] = "string"
            members["enum"] = .array(values.map(JSON.string))
        case .switchFlag:
            members["type"] = "boolean"
            members["default"] = false
        case .integer(let range):
            members["type"] = "integer"
            members["minimum"] = .number(Double(range.lowerBound))
            members["maximum"] = .number(Double(range.upperBound))
        case .number:
            members["type"] = "number"
            members["minimum"] = 0
        case .digits:
            members["type"] = "string"
            members["pattern"] = "^[0-9]{1,15}$"
        }
        return .object(members)
    }

    /// The words this field's value passes to the verb, nil when the value means "not given".
    /// Values travel as `--flag=value`, so a value that starts with `-` is never read as a flag.
    func words(_ value: JSON, flag: String) -> [String]? {
        switch (kind, value) {
        case (.switchFlag, .bool(true)): return [flag]
        case (.switchFlag, _): return nil
        case (_, .string("")): return nil
        case (_, .string(let text)): return ["\(flag)=\(text)"]
        case (_, .number): return ["\(flag)=\(value.canonicalString)"]
        default: return nil
        }
    }
}

/// Every field either tool takes, by name.
enum ToolFields {
    static let path = 1024

    static func text(_ name: String, _ flag: String, _ maxLength: Int, _ description: String) -> ToolField {
        ToolField(name: name, kind: .text(maxLength: maxLength), flag: flag, description: description)
    }

    static let all: [ToolField] = [
        // Selections.
        text("deployment", "--deployment-id", 256, "deployment id (lpexec_...)"),
        text("release_exec_id", "--release", 256, "device release execution id"),
        text("incident_id", "--incident-id", 256, "incident id (lpinc_...)"),
        text("app_id", "--app-id", 256, "app id"),
        text("env", "--env", 128, "environment"),
        text("target", "--target", 256, "deploy target name (__local__ or local)"),
        text("provider_id", "--provider-id", 256, "device release provider id"),
        ToolField(name: "distribution_lane", kind: .choice(["beta", "production"]), flag: "--distribution-lane",
                  description: "device release distribution lane"),
        ToolField(name: "target_kind", kind: .choice(["ios", "android"]), flag: "--target",
                  description: "device release target platform"),
        text("classification", "--classification", 128, "incident classification"),
        ToolField(name: "native_classification",
                  kind: .choice(["native_runtime_error", "native_bridge_timeout", "native_policy_violation",
                                 "native_host_crash", "native_permission_blocked"]),
                  flag: "--native-classification", description: "native incident classification (device line)"),
        ToolField(name: "native_only", kind: .switchFlag, flag: "--native-only", description: "only native incidents (device line)"),
        text("status", "--status", 64, "incident status (open, regression_generated, resolved)"),
        // Query shaping.
        ToolField(name: "view", kind: .choice(["summary", "timeline", "decisions", "artifacts", "full"]), flag: "--view",
                  description: "view of the answer (deploy_query: full by default; device views have no artifacts)"),
        ToolField(name: "latest", kind: .switchFlag, flag: "--latest", description: "the latest match of the filters"),
        ToolField(name: "rebuild_index", kind: .switchFlag, flag: "--rebuild-index",
                  description: "rebuild the query index from the state files first"),
        ToolField(name: "limit", kind: .integer(1...200), flag: "--limit", description: "at most this many rows (1-200)"),
        // Control inputs.
        text("reason", "--reason", 1024, "why (recorded in the signed decision or the incident)"),
        text("change_in", "--in", path, "change request file (lp.change_request@0.1.0)"),
        text("pack_dir", "--pack", path, "the sealed pack: a directory or an archive"),
        text("pack_manifest", "--pack-manifest", path, "manifest file name inside the pack"),
        text("ops_profile", "--ops", path, "ops profile file"),
        text("slo_profile", "--slo", path, "SLO profile file"),
        text("policy", "--policy", path, "policy card file"),
        text("provenance", "--provenance", path, "DSSE provenance envelope file"),
        text("trusted_key", "--trusted-key", path, "Ed25519 public key (PEM) trusted to sign provenance"),
        text("accepted_run", "--accepted-run", path, "the accepted intake run"),
        text("plan", "--plan", path, "plan file"),
        text("metrics_dir", "--metrics-dir", path, "directory of analysis.N.json metrics snapshots"),
        ToolField(name: "pause_scale", kind: .number, flag: "--pause-scale", description: "multiply every pause by this (0: no waiting)"),
        ToolField(name: "from_step", kind: .integer(0...4096), flag: "--from-step", description: "rerun from this plan step"),
        text("request_path", "--request", path, "HTTP request envelope file"),
        text("response_path", "--response", path, "HTTP response envelope file"),
        text("trace_path", "--trace", path, "app trace file"),
        text("source", "--source", 64, "who reported the incident"),
        text("name", "--name", 256, "regression fixture name"),
        text("out_dir", "--out-dir", path, "where the regression fixtures are written"),
        ToolField(name: "dry_run", kind: .switchFlag, flag: "--dry-run", description: "compute the result, write nothing"),
        // Device release inputs (the device line, SPEC A).
        text("provider_profile", "--provider-profile", path, "device provider profile file"),
        text("package_manifest", "--package-manifest", path, "device package manifest file"),
        text("package_report", "--package-report", path, "device package report file"),
        text("out", "--out", path, "where the device release plan is written"),
        ToolField(name: "metrics_window_seconds", kind: .integer(1...86_400), flag: "--metrics-window-seconds",
                  description: "device release metrics window"),
        ToolField(name: "metrics_on_fail", kind: .choice(["release.pause", "release.halt", "require_human"]),
                  flag: "--metrics-on-fail", description: "what a failed device metrics gate does"),
        ToolField(name: "now_unix_ms", kind: .digits, flag: "--now-unix-ms", description: "pin the clock (milliseconds since 1970)"),
        // Every call.
        text("state_dir", "--state-dir", path, "state directory (default: the server's)"),
        text("report_path", "", path,
             "also write the full report to this path, relative to the server's report directory (always done when the answer is truncated)"),
        ToolField(name: "timeout_ms", kind: .integer(1000...1_200_000), flag: "",
                  description: "accepted for compatibility; verbs run in-process to completion"),
        text("cursor", "", 64, "accepted for compatibility; answers are not paginated (narrow them with limit and filters)"),
    ]

    static let byName: [String: ToolField] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })

    static func named(_ name: String) -> ToolField {
        guard let field = byName[name] else { preconditionFailure("no tool field \(name)") }
        return field
    }
}
