/// The verbs of `scripts/x07lp`, declared once: the wrapper's usage, each verb's help, the
/// x07lp(1) man page and the shell completions are generated from this list and the stage
/// commands each verb runs (named by their routing keys, `CommandRoute.key`, in pipeline order).
public struct VerbSpec: Sendable {
    public var words: [String]
    public var summary: String
    public var keys: [String]
    /// The usage line several verbs share ("deploy pause | resume | ..."): printed once, at the
    /// first verb that names it.
    public var line: String?
    /// The lp-remote command (routing key) the verb runs when a remote target is selected.
    public var remote: String?

    public init(_ words: String, _ summary: String, _ keys: [String], line: String? = nil, remote: String? = nil) {
        self.words = words.split(separator: " ").map(String.init)
        self.summary = summary
        self.keys = keys
        self.line = line
        self.remote = remote
    }

    public var name: String { words.joined(separator: " ") }

    /// The shell-variable suffix of the verb (`deploy_run`; `deploy` alone is the whole flow).
    public var key: String { String(words.joined(separator: "_").map { $0 == "-" ? "_" : $0 }) }
}

public enum VerbCatalog {
    static let controls = "deploy pause | resume | stop | rollback | promote"
    static let deviceControls = "device release-pause | resume | complete | rollback | halt | stop"

    public static let verbs: [VerbSpec] = [
        VerbSpec("deploy accept", "intake of a change request and a sealed pack (lp-validate)", ["validate"], remote: "remote_deploy_accept"),
        VerbSpec("deploy run", "plan (if needed) and run a deployment (lp-plan | lp-apply)", ["plan", "apply"], remote: "remote_deploy_run"),
        VerbSpec("deploy", "accept + plan + run in one go (lp-validate | lp-plan | lp-apply)", ["validate", "plan", "apply"]),
        VerbSpec("deploy pause", "signed control actions (lp-apply)", ["apply_control_deploy_pause"], line: controls, remote: "remote_deploy_pause"),
        VerbSpec("deploy resume", "signed control actions (lp-apply)", ["apply_control_deploy_resume"], line: controls, remote: "remote_deploy_resume"),
        VerbSpec("deploy stop", "signed control actions (lp-apply)", ["apply_control_deploy_stop"], line: controls, remote: "remote_deploy_stop"),
        VerbSpec("deploy rollback", "signed control actions (lp-apply)", ["apply_control_deploy_rollback"], line: controls, remote: "remote_deploy_rollback"),
        VerbSpec("deploy promote", "signed control actions (lp-apply)", ["apply_control_deploy_promote"], line: controls, remote: "remote_deploy_promote"),
        VerbSpec("deploy rerun", "a new execution from the same inputs (lp-apply)", ["apply_control_deploy_rerun"], remote: "remote_deploy_rerun"),
        VerbSpec("app kill", "kill switch of one app/env (lp-apply)", ["apply_control_app_kill"], line: "app kill | unkill"),
        VerbSpec("app unkill", "kill switch of one app/env (lp-apply)", ["apply_control_app_unkill"], line: "app kill | unkill"),
        VerbSpec("platform kill", "kill switch of every deployment (lp-apply)", ["apply_control_platform_kill"],
                 line: "platform kill | unkill"),
        VerbSpec("platform unkill", "kill switch of every deployment (lp-apply)", ["apply_control_platform_unkill"],
                 line: "platform kill | unkill"),
        VerbSpec("schema list", "the contracts x07lp knows (lp-validate)", ["validate_schema_list"], line: "schema list | get ID"),
        VerbSpec("schema get", "the contracts x07lp knows (lp-validate)", ["validate_schema_get"], line: "schema list | get ID"),
        VerbSpec("schema validate", "validate a document against a contract (lp-validate)", ["validate_schema_validate"]),
        VerbSpec("pack seal", "pin a pack directory's files in its manifest: sha256, bytes_len (lp-validate)",
                 ["validate_pack_seal"], line: "pack seal DIR"),
        VerbSpec("pack init", "write a starter set that deploys as it is: sealed pack, ops profile with a canary plan, SLO, policy, change request, metrics (lp-validate)",
                 ["validate_pack_init"], line: "pack init DIR"),
        VerbSpec("canon", "RFC 8785 canonical bytes of a JSON document (lp-validate)", ["validate_canon"]),
        VerbSpec("digest", "{sha256, bytes_len} of a file (lp-validate)", ["validate_digest"], line: "digest FILE"),
        VerbSpec("state verify", "check blobs, records, signatures, references (lp-validate)", ["validate_state_verify"]),
        VerbSpec("route", "the slot a request reaches (lp-query)", ["query_route"]),
        VerbSpec("serve start", "serve every live deployment's listener through nginx (lp-apply)", ["apply_serve_start"],
                 line: "serve start | stop | status"),
        VerbSpec("serve stop", "stop serving (lp-apply)", ["apply_serve_stop"], line: "serve start | stop | status"),
        VerbSpec("serve status", "whether serving runs and what each listener serves (lp-apply)", ["apply_serve_status"],
                 line: "serve start | stop | status"),
        VerbSpec("deploy query", "summary, timeline, decisions, artifacts or full (lp-query)", ["query_deploy"], remote: "remote_deploy_query"),
        VerbSpec("deploy status", "the stored execution document of one deployment (lp-query)", ["query_status"], remote: "remote_deploy_status"),
        VerbSpec("deploy list", "the deployments of one app/env, newest first (lp-query)", ["query_deployments"]),
        VerbSpec("blob cat", "a stored document or file by its digest (lp-query)", ["query_blob"], line: "blob cat DIGEST"),
        VerbSpec("app list", "every app/env: latest deployment, incidents, kill (lp-query)", ["query_apps"]),
        VerbSpec("index rebuild", "rebuild the query index (index/) from the state files (lp-query)", ["query_index_rebuild"]),
        VerbSpec("incident capture", "capture an incident, credentials redacted (lp-incident | lp-query)", ["incident_capture"], remote: "remote_incident_capture"),
        VerbSpec("incident list", "every incident, or those of a deployment or an app/env (lp-query)", ["query_incidents"], remote: "remote_incident_list"),
        VerbSpec("incident get", "one incident (lp-query)", ["query_incident"], remote: "remote_incident_get"),
        VerbSpec("incident resolve", "resolve an incident (lp-incident | lp-query)", ["incident_resolve"]),
        VerbSpec("regress from-incident", "replay trace + HTTP test from an incident (lp-regress)", ["regress_from_incident"], remote: "remote_regress_from_incident"),
        VerbSpec("device release-create", "a device release plan from a provider profile and a sealed device package (lp-release)", ["release_create"]),
        VerbSpec("device release-validate", "check a device release plan against its contract and provider (lp-release)", ["release_validate"]),
        VerbSpec("device release-run", "run a device release plan as a new execution (lp-release)", ["release_run"]),
        VerbSpec("device release-observe", "judge the release's metrics gate with its next telemetry export (lp-release)", ["release_observe"]),
        VerbSpec("device release-pause", "signed controls of a device release (lp-release)", ["release_pause"], line: deviceControls),
        VerbSpec("device release-resume", "signed controls of a device release (lp-release)", ["release_resume"], line: deviceControls),
        VerbSpec("device release-complete", "signed controls of a device release (lp-release)", ["release_complete"], line: deviceControls),
        VerbSpec("device release-rollback", "signed controls of a device release (lp-release)", ["release_rollback"], line: deviceControls),
        VerbSpec("device release-halt", "signed controls of a device release (lp-release)", ["release_halt"], line: deviceControls),
        VerbSpec("device release-stop", "signed controls of a device release (lp-release)", ["release_stop"], line: deviceControls),
        VerbSpec("device release-rerun", "a new execution of a release's plan (lp-release)", ["release_rerun"]),
        VerbSpec("device release-query", "summary, timeline, decisions or full of a device release (lp-query)", ["query_device_release"]),
        VerbSpec("device release-list", "every device release, most recently updated first (lp-query)", ["query_device_releases"]),
        VerbSpec("target add", "check a target profile, probe its daemon and store it (lp-remote)", ["remote_target_add"]),
        VerbSpec("target ls", "the stored targets, each probed (lp-remote)", ["remote_target_ls"]),
        VerbSpec("target inspect", "a stored target, its health and capabilities (lp-remote)", ["remote_target_inspect"]),
        VerbSpec("target use", "make a stored target the current one (lp-remote)", ["remote_target_use"]),
        VerbSpec("target rm", "forget a stored target (lp-remote)", ["remote_target_rm"]),
        VerbSpec("adapter capabilities", "what a target's daemon supports: lp.adapter.capabilities (lp-remote)", ["remote_adapter_capabilities"]),
        VerbSpec("adapter conformance", "the ten adapter scenarios run on a target's daemon (lp-remote)", ["remote_adapter_conformance"]),
        VerbSpec("help exit-codes", "the exit codes, and the code of each way a deploy run ends (lp-validate)",
                 ["validate_help_exit_codes"]),
        VerbSpec("secret store-pack", "seal a plaintext secret store for x07lpd (x07lpd; its flags: x07lpd secret store-pack --help)", []),
        VerbSpec("ui serve", "the Command Center in a browser: nginx + lp-serve until Ctrl-C (x07lpd ui serve --help)", [],
                 line: "ui serve | export"),
        VerbSpec("ui export", "the Command Center as static files with the data embedded (x07lpd ui export --help)", [],
                 line: "ui serve | export"),
        VerbSpec("mcp serve", "MCP server over stdio for agents (lp-mcp; its flags: lp-mcp --help)", []),
    ]

    /// The first words of the verbs, in order (`deploy`, `app`, `platform`, ...).
    public static var groups: [String] {
        var seen = Set<String>()
        return verbs.compactMap { $0.words.first }.filter { seen.insert($0).inserted }
    }
}
