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

    public init(_ words: String, _ summary: String, _ keys: [String], line: String? = nil) {
        self.words = words.split(separator: " ").map(String.init)
        self.summary = summary
        self.keys = keys
        self.line = line
    }

    public var name: String { words.joined(separator: " ") }

    /// The shell-variable suffix of the verb (`deploy_run`; `deploy` alone is the whole flow).
    public var key: String { String(words.joined(separator: "_").map { $0 == "-" ? "_" : $0 }) }
}

public enum VerbCatalog {
    static let controls = "deploy pause | resume | stop | rollback | promote"

    public static let verbs: [VerbSpec] = [
        VerbSpec("deploy accept", "intake of a change request and a sealed pack (lp-validate)", ["validate"]),
        VerbSpec("deploy run", "plan (if needed) and run a deployment (lp-plan | lp-apply)", ["plan", "apply"]),
        VerbSpec("deploy", "accept + plan + run in one go (lp-validate | lp-plan | lp-apply)", ["validate", "plan", "apply"]),
        VerbSpec("deploy pause", "signed control actions (lp-apply)", ["apply_control_deploy_pause"], line: controls),
        VerbSpec("deploy resume", "signed control actions (lp-apply)", ["apply_control_deploy_resume"], line: controls),
        VerbSpec("deploy stop", "signed control actions (lp-apply)", ["apply_control_deploy_stop"], line: controls),
        VerbSpec("deploy rollback", "signed control actions (lp-apply)", ["apply_control_deploy_rollback"], line: controls),
        VerbSpec("deploy promote", "signed control actions (lp-apply)", ["apply_control_deploy_promote"], line: controls),
        VerbSpec("deploy rerun", "a new execution from the same inputs (lp-apply)", ["apply_control_deploy_rerun"]),
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
        VerbSpec("canon", "RFC 8785 canonical bytes of a JSON document (lp-validate)", ["validate_canon"]),
        VerbSpec("digest", "{sha256, bytes_len} of a file (lp-validate)", ["validate_digest"], line: "digest FILE"),
        VerbSpec("state verify", "check blobs, records, signatures, references (lp-validate)", ["validate_state_verify"]),
        VerbSpec("route", "the slot a request reaches (lp-query)", ["query_route"]),
        VerbSpec("deploy query", "summary, timeline, decisions, artifacts or full (lp-query)", ["query_deploy"]),
        VerbSpec("deploy status", "the stored execution document of one deployment (lp-query)", ["query_status"]),
        VerbSpec("deploy list", "the deployments of one app/env, newest first (lp-query)", ["query_deployments"]),
        VerbSpec("blob cat", "a stored document or file by its digest (lp-query)", ["query_blob"], line: "blob cat DIGEST"),
        VerbSpec("app list", "every app/env: latest deployment, incidents, kill (lp-query)", ["query_apps"]),
        VerbSpec("index rebuild", "rebuild the query index (index/) from the state files (lp-query)", ["query_index_rebuild"]),
        VerbSpec("incident capture", "capture an incident, credentials redacted (lp-incident | lp-query)", ["incident_capture"]),
        VerbSpec("incident list", "every incident, or those of a deployment or an app/env (lp-query)", ["query_incidents"]),
        VerbSpec("incident get", "one incident (lp-query)", ["query_incident"]),
        VerbSpec("incident resolve", "resolve an incident (lp-incident | lp-query)", ["incident_resolve"]),
        VerbSpec("regress from-incident", "replay trace + HTTP test from an incident (lp-regress)", ["regress_from_incident"]),
        VerbSpec("help exit-codes", "the exit codes, and the code of each way a deploy run ends (lp-validate)",
                 ["validate_help_exit_codes"]),
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
