import LPCore
import LPStage
import Foundation

/// The deploy verbs on a remote target: accept pushes the inputs to the daemon's CAS and asks
/// it to accept them; run starts a detached run (and follows it with --wait); the rest relay
/// the daemon's report of the same verb (docs/remote.md).
enum RemoteDeployCommands {
    static let deployment = OptionSpec("--deployment-id", value: "ID", aliases: ["--deployment"], "the deployment (the daemon's id)")
    static let reason = OptionSpec("--reason", value: "TEXT", "why (recorded in the signed decision)")

    static func spec(_ words: String, _ summary: String, _ options: [OptionSpec], _ codes: [ExitCode]) -> CommandSpec {
        CommandSpec(name: "lp-remote \(words)", reportCommand: words, summary: summary + " on a remote target",
                    usage: ["lp-remote \(words) --target NAME" + options.map { " \($0.name)\($0.valueName.map { " " + $0 } ?? "")" }.joined()],
                    options: [RemoteSelection.option] + options, examples: ["x07lp \(words) --target prod ..."],
                    exitCodes: [.ok, .usage, .remoteTransport, .remoteAuth, .invalidHTTPRequest] + codes)
    }

    static let accept = StageCommand(
        words: ["deploy", "accept"],
        spec: spec("deploy accept", "push the pack and inputs to the daemon's CAS, then accept them",
                   [OptionSpec("--pack", value: "ARCHIVE", aliases: ["--pack-dir"], "the sealed pack archive"),
                    OptionSpec("--change", value: "FILE", aliases: ["--change-request"], "the change request"),
                    OptionSpec("--pack-manifest", value: "NAME", "manifest file name inside the pack"),
                    OptionSpec("--ops", value: "FILE", aliases: ["--ops-profile"], "the ops profile"),
                    OptionSpec("--slo", value: "FILE", "the SLO profile"),
                    OptionSpec("--policy", value: "FILE", repeatable: true, "a policy card"),
                    OptionSpec("--provenance", value: "FILE", "the DSSE provenance envelope"),
                    OptionSpec("--require-secret", value: "ID", repeatable: true, "a secret id the daemon must hold for the app/env")],
                   [.digestMismatch, .gateRejected])) { ctx in
        let client = try RemoteSelection.client(ctx)
        let pack = try RemotePush.item(try ctx.arguments.required("--pack", ctx.spec))
        let change = try RemotePush.item(try ctx.arguments.required("--change", ctx.spec))
        var body: JSON = ["pack": .string("sha256:" + pack.sha256), "change": .string("sha256:" + change.sha256)]
        var items = [pack, change]
        for key in ["ops", "slo", "provenance"] {
            guard let path = ctx.arguments.value("--" + key) else { continue }
            let item = try RemotePush.item(path)
            items.append(item)
            body = body.setting(key, .string("sha256:" + item.sha256))
        }
        let policies = try ctx.arguments.all("--policy").map(RemotePush.item)
        items += policies
        if !policies.isEmpty { body = body.setting("policy", .array(policies.map { .string("sha256:" + $0.sha256) })) }
        if let manifest = ctx.arguments.value("--pack-manifest") { body = body.setting("pack_manifest", .string(manifest)) }
        let secrets = ctx.arguments.all("--require-secret")
        if !secrets.isEmpty { body = body.setting("required_secrets", .array(secrets.map(JSON.string))) }

        let push = try RemotePush.push(items, manifest: pack, client: client)
        let answer = try client.send(.post, "/v1/deploy/accept", json: body, failure: (.remoteTransport, "LP_REMOTE_ACCEPT_FAILED"))
        guard answer.body["schema_version"] != nil else { throw RemotePush.refusal(answer, (.remoteTransport, "LP_REMOTE_ACCEPT_FAILED")) }
        var output = RemoteSelection.relay(answer.body, command: "deploy accept")
        // The push result rides in an info diagnostic: the remote result's contract is closed.
        output.diagnostics.append(Diagnostic(code: "LP_REMOTE_PUSHED", severity: .info,
                                             message: "\(push["uploaded_count"]?.intValue ?? 0) uploaded, \(push["skipped_count"]?.intValue ?? 0) already on the daemon",
                                             data: ["push": push]))
        if answer.body["ok"] == true {
            output.result = RemoteSelection.remoteResult(client, op: "accept", report: answer.body, deploymentId: nil)
        }
        return output
    }

    static let run = StageCommand(
        words: ["deploy", "run"],
        spec: spec("deploy run", "start a detached run of an accepted deployment (--wait follows it to its end)",
                   [deployment, StageOptions.acceptedRun,
                    OptionSpec("--wait", "follow the run to its end and exit with its outcome's code"),
                    OptionSpec("--metrics-dir", value: "DIR", aliases: ["--fixture"], "upload DIR's analysis.N.json snapshots (N = 1, 2, ...)"),
                    OptionSpec("--metrics", value: "FILE", repeatable: true, "metrics snapshots uploaded before --metrics-dir's, in order"),
                    OptionSpec("--metrics-from", value: "SOURCE", "measure each analysis from a source on the daemon's side (access-log)"),
                    OptionSpec("--pause-scale", value: "X", "scale pause steps (0 ... 100)"),
                    OptionSpec("--retry-budget", value: "N", "inconclusive analyses allowed per step (1 ... 10)")],
                   [.gateRejected, .sloRollback, .retryBudgetExhausted, .metricsMissing, .killSwitchEngaged])) { ctx in
        let client = try RemoteSelection.client(ctx)
        let named = ctx.arguments.value("--deployment-id"), accepted = ctx.arguments.value("--accepted-run")
        guard named != nil || accepted != nil else {
            throw LPError(.usage, code: "LP_USAGE", "deploy run on a target needs --deployment-id ID or --accepted-run RUN_ID (the accept's run_id)")
        }
        do { try checkCapabilities(client) } catch let error as LPError {
            return StageOutput(result: ["op": "run", "ok": false], exitCode: error.exitCode, diagnostics: error.diagnostics)
        }
        var files = ctx.arguments.all("--metrics")
        if let dir = ctx.arguments.value("--metrics-dir") {
            var n = 1
            while FileManager.default.fileExists(atPath: "\(dir)/analysis.\(n).json"), n <= 64 { files.append("\(dir)/analysis.\(n).json"); n += 1 }
            guard n > 1 else { throw LPError(.usage, code: "LP_NOT_FOUND", "no analysis.1.json in \(dir.prefix(256))") }
        }
        var body: JSON = [:]
        if let named { body = body.setting("deployment_id", .string(named)) }
        if let accepted { body = body.setting("run_id", .string(accepted)) }
        if !files.isEmpty {
            let items = try files.map(RemotePush.item)
            _ = try RemotePush.push(items, manifest: items[0], client: client)
            body = body.setting("metrics", .array(items.map { .string("sha256:" + $0.sha256) }))
        }
        if let scale = ctx.arguments.value("--pause-scale") {
            guard let value = Double(scale), value >= 0, value <= 100 else { throw LPError(.usage, code: "LP_USAGE", "--pause-scale is 0 ... 100") }
            body = body.setting("pause_scale", .number(value))
        }
        if let budget = try ctx.arguments.integer("--retry-budget", range: 1...10) { body = body.setting("retry_budget", .number(Double(budget))) }
        // The daemon knows its sources and refuses an unknown one (exit 2) before it starts anything.
        if let source = ctx.arguments.value("--metrics-from") { body = body.setting("metrics_from", .string(source)) }
        if let oci = client.profile.oci { body = body.setting("oci", try ociMember(oci, environment: ctx.environment)) }
        body = body.setting("target_profile", client.profile.record)
        let failed = (ExitCode.gateRejected, "LP_REMOTE_RUN_FAILED")
        let started = try client.send(.post, "/v1/deploy/run", json: body, failure: failed)
        guard started.status == 202 else {
            guard started.body["schema_version"] != nil else { throw RemotePush.refusal(started, failed) }
            var output = RemoteSelection.relay(started.body, command: "deploy run")
            output.result = ["op": "run", "ok": false]
            return output
        }
        // The daemon names the deployment (with --accepted-run, the one accepted in that run).
        guard let id = started.body["result"]?["deployment_id"]?.stringValue ?? named,
              id.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0)) }) else {
            throw RemotePush.refusal(started, failed)
        }
        guard ctx.arguments.has("--wait") else {
            var output = RemoteSelection.relay(started.body, command: "deploy run")
            output.result = RemoteSelection.remoteResult(client, op: "run", report: started.body, deploymentId: id)
            return output
        }
        while true {
            let polled = try client.send(.get, "/v1/deployments/\(id)/run", failure: failed)
            if polled.status == 200 {
                // The run's exit code and diagnostics; its result as the remote contract's, the
                // run's own (outcome included) in LP_DEPLOY_RUN_ENDED; the publish stays too.
                var output = RemoteSelection.relay(polled.body, command: "deploy run")
                output.result = RemoteSelection.remoteResult(client, op: "run", report: polled.body, deploymentId: id)
                output.diagnostics.append(Diagnostic(code: "LP_DEPLOY_RUN_ENDED", severity: .info,
                                                     message: "the run ended: \(polled.body["result"]?["outcome"]?.stringValue ?? "no outcome")",
                                                     data: ["run_result": polled.body["result"] ?? .null]))
                output.diagnostics += (started.body["diagnostics"]?.arrayValue ?? []).filter { $0["code"] == "LP_OCI_PUBLISHED" }
                    .compactMap { try? $0.decode(Diagnostic.self) }
                return output
            }
            guard polled.status == 202 else { throw RemotePush.refusal(polled, failed) }
            usleep(250_000)
        }
    }

    /// Where the daemon publishes the run's component: the registry, the namespace, the Basic
    /// credentials resolved here from the profile's refs (sent over the daemon's TLS for this
    /// request only) and the registry's CA bundle as PEM text (the daemon may not see our files).
    static func ociMember(_ oci: TargetProfile.OCISettings, environment: [String: String]) throws -> JSON {
        var member: JSON = ["registry": .string(oci.registry),
                            "username": .string(try SecretRef.resolve(oci.usernameRef, field: "oci_auth.username_ref", environment: environment)),
                            "password": .string(try SecretRef.resolve(oci.passwordRef, field: "oci_auth.password_ref", environment: environment))]
        if let namespace = oci.namespace { member = member.setting("namespace", .string(namespace)) }
        if let path = oci.caBundlePath {
            guard let pem = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw TargetProfile.invalid("oci_tls.ca_bundle_path: \(path.prefix(256)) is not readable")
            }
            member = member.setting("ca_bundle_pem", .string(pem))
        }
        return member
    }

    /// A profile that pins the daemon's capabilities refuses to run on another daemon.
    static func checkCapabilities(_ client: RemoteClient) throws {
        guard let expected = client.profile.expectCapabilitiesDigest else { return }
        let answer = try client.send(.get, "/v1/capabilities", failure: (.remoteTransport, "LP_REMOTE_QUERY_FAILED"))
        let digest = answer.body["capabilities_digest"]
        let actual = digest?["sha256"]?.stringValue.map { "sha256:" + $0 } ?? digest?.stringValue
        guard actual == expected else {
            throw LPError(.gateRejected, code: "LP_REMOTE_CAPABILITIES_UNSUPPORTED", "remote capabilities digest does not match target profile",
                          data: ["expected": .string(expected), "actual": actual.map(JSON.string) ?? .null])
        }
    }

    /// A verb the daemon answers with its own report, relayed as it is.
    static func relayed(_ words: [String], _ summary: String, _ options: [OptionSpec], _ codes: [ExitCode],
                        request: @escaping @Sendable (StageContext) throws -> (HTTPMethodName, String, JSON?)) -> StageCommand {
        let name = words.joined(separator: " ")
        return StageCommand(words: words, spec: spec(name, summary, options, codes)) { ctx in
            let client = try RemoteSelection.client(ctx)
            let (method, path, body) = try request(ctx)
            let failure = method == .post && words.first == "deploy" ? (ExitCode.gateRejected, "LP_REMOTE_RUN_FAILED")
                                                                      : (ExitCode.remoteTransport, "LP_REMOTE_QUERY_FAILED")
            let answer = try client.send(method == .post ? .post : .get, path, json: body, failure: failure)
            guard answer.body["schema_version"] != nil else { throw RemotePush.refusal(answer, failure) }
            return RemoteSelection.relay(answer.body, command: name)
        }
    }

    enum HTTPMethodName: Sendable { case get, post }

    static func segment(_ ctx: StageContext, _ option: String) throws -> String {
        let value = try ctx.arguments.required(option, ctx.spec)
        guard !value.isEmpty, value.count <= 128, value != ".", value != "..",
              value.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0)) }) else {
            throw LPError(.usage, code: "LP_USAGE", "\(option) is an id: letters, digits, '.', '_' and '-'")
        }
        return value
    }

    static func query(_ pairs: [(String, String?)]) -> String {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        let parts = pairs.compactMap { key, value in value.map { key + "=" + ($0.addingPercentEncoding(withAllowedCharacters: allowed) ?? "") } }
        return parts.isEmpty ? "" : "?" + parts.joined(separator: "&")
    }

    static let status = relayed(["deploy", "status"], "the stored execution of a deployment", [deployment], []) { ctx in
        (.get, "/v1/deployments/" + (try segment(ctx, "--deployment-id")), nil)
    }

    static let deployQuery = relayed(["deploy", "query"], "a view of a deployment",
                                     [deployment, OptionSpec("--view", value: "VIEW", "summary, timeline, decisions, artifacts or full"),
                                      OptionSpec("--limit", value: "N", "at most N items"), OptionSpec("--rebuild-index", "rebuild the daemon's index first")],
                                     []) { ctx in
        let id = try segment(ctx, "--deployment-id")
        return (.get, "/v1/deployments/\(id)/query" + query([("view", ctx.arguments.value("--view")), ("limit", ctx.arguments.value("--limit")),
                                                              ("rebuild_index", ctx.arguments.has("--rebuild-index") ? "true" : nil)]), nil)
    }

    static let controls: [StageCommand] = ["pause", "resume", "stop", "rollback", "promote", "rerun"].map { action in
        let options = [deployment, reason] + (action == "rerun" ? [OptionSpec("--from-step", value: "N", "skip the plan steps before step N")] : [])
        let command = relayed(["deploy", action], "the signed control action \(action)", options, [.gateRejected, .killSwitchEngaged]) { ctx in
            let id = try segment(ctx, "--deployment-id")
            var body: JSON = ["reason": .string(ctx.arguments.value("--reason") ?? "manual")]
            if let step = try ctx.arguments.integer("--from-step", range: 0...4096) { body = body.setting("from_step", .number(Double(step))) }
            return (.post, "/v1/deployments/\(id)/\(action)", body)
        }
        guard action == "pause" || action == "rerun" else { return command }
        return StageCommand(words: command.words, spec: command.spec) { ctx in controlOutcome(action, try command.body(ctx), ctx) }
    }

    /// A remote pause or rerun answers as the adapter contract's fixtures say: `{op, ok,
    /// deployment_id, control_state}` / `{op, ok, deployment_id: <new execution>,
    /// parent_deployment_id}` with the info LP_DEPLOY_PAUSED / LP_DEPLOY_RERUN_CREATED; the
    /// daemon's control action rides in that diagnostic's data.
    static func controlOutcome(_ action: String, _ output: StageOutput, _ ctx: StageContext) -> StageOutput {
        guard output.exitCode == .ok, let id = ctx.arguments.value("--deployment-id") else { return output }
        var out = output
        let paused = action == "pause"
        out.result = paused ? ["op": "pause", "ok": true, "deployment_id": .string(id), "control_state": "paused"]
            : ["op": "rerun", "ok": true, "deployment_id": output.result["new_execution_id"] ?? .null, "parent_deployment_id": .string(id)]
        out.diagnostics.insert(Diagnostic(code: paused ? "LP_DEPLOY_PAUSED" : "LP_DEPLOY_RERUN_CREATED", severity: .info,
                                          message: paused ? "deployment paused" : "rerun created", data: ["control_action": output.result]), at: 0)
        return out
    }
}
