import LPCore
import LPStage

/// `incident capture | list | get` and `regress from-incident` on a remote target: the files
/// a capture names are read here and sent; the daemon redacts them before it stores anything.
enum RemoteIncidentCommands {
    static let incident = OptionSpec("--incident-id", value: "ID", aliases: ["--incident"], "the incident (the daemon's id)")

    static let capture = RemoteDeployCommands.relayed(
        ["incident", "capture"], "capture an incident of a deployment",
        [RemoteDeployCommands.deployment, RemoteDeployCommands.reason,
         OptionSpec("--request", value: "FILE", "the HTTP request envelope"), OptionSpec("--response", value: "FILE", "the HTTP response envelope"),
         OptionSpec("--trace", value: "FILE", "the app trace"), OptionSpec("--classification", value: "C", "the incident's class"),
         OptionSpec("--source", value: "S", "where it was seen")], []) { ctx in
        var body: JSON = ["deployment_id": .string(try RemoteDeployCommands.segment(ctx, "--deployment-id"))]
        for key in ["request", "response", "trace"] {
            guard let path = ctx.arguments.value("--" + key) else { continue }
            body = body.setting(key, try InputDocument(bytes: try InputDocument.readFile(path, limit: 8 << 20), source: path).json)
        }
        for key in ["reason", "classification", "source"] {
            if let value = ctx.arguments.value("--" + key) { body = body.setting(key, .string(value)) }
        }
        return (.post, "/v1/incidents/capture", body)
    }

    static let list = RemoteDeployCommands.relayed(
        ["incident", "list"], "the incidents of a deployment or an app/env",
        [RemoteDeployCommands.deployment, OptionSpec("--app-id", value: "APP", "incidents of this app"),
         OptionSpec("--env", value: "ENV", "incidents of this environment"), OptionSpec("--classification", value: "C", "only this class"),
         OptionSpec("--status", value: "S", "only this status"), OptionSpec("--limit", value: "N", "at most N")], []) { ctx in
        let pairs = [("deployment_id", "--deployment-id"), ("app_id", "--app-id"), ("env", "--env"), ("classification", "--classification"),
                     ("status", "--status"), ("limit", "--limit")].map { ($0.0, ctx.arguments.value($0.1)) }
        return (.get, "/v1/incidents" + RemoteDeployCommands.query(pairs), nil)
    }

    static let get = RemoteDeployCommands.relayed(["incident", "get"], "one incident", [incident], []) { ctx in
        (.get, "/v1/incidents/" + (try RemoteDeployCommands.segment(ctx, "--incident-id")), nil)
    }

    /// An incident without a trace cannot make fixtures: on a target that is exit 13 with
    /// `{incident_id, ok: false}`, as the adapter fixtures say (the local verb's is 3).
    static let regress: StageCommand = {
        let command = relayedRegress
        return StageCommand(words: command.words, spec: command.spec) { ctx in
            var output = try command.body(ctx)
            guard output.diagnostics.contains(where: { $0.code == "LP_INCIDENT_TRACE_MISSING" }) else { return output }
            output.exitCode = .gateRejected
            output.result = ["incident_id": .string(try RemoteDeployCommands.segment(ctx, "--incident-id")), "ok": false]
            return output
        }
    }()

    private static let relayedRegress = RemoteDeployCommands.relayed(
        ["regress", "from-incident"], "regression fixtures from an incident, kept on the daemon",
        [incident, OptionSpec("--name", value: "NAME", "the regression's name"), OptionSpec("--dry-run", "write nothing"),
         OptionSpec("--out-dir", value: "DIR", "refused on a target: the daemon keeps the fixtures in its state")],
        [.gateRejected]) { ctx in
        if ctx.arguments.value("--out-dir") != nil {
            throw LPError(.usage, code: "LP_USAGE", "--out-dir is local only: on a target the fixtures stay in the daemon's state")
        }
        var body: JSON = ["dry_run": .bool(ctx.arguments.has("--dry-run"))]
        if let name = ctx.arguments.value("--name") { body = body.setting("name", .string(name)) }
        return (.post, "/v1/incidents/\(try RemoteDeployCommands.segment(ctx, "--incident-id"))/regress", body)
    }
}
