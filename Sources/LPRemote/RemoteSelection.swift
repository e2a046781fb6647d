import LPCore
import LPStage

/// Which target a verb goes to: `--target NAME`, else `$X07LP_TARGET`, else the one `target use`
/// chose. The wrapper sends a verb here only when one of them names a stored target.
enum RemoteSelection {
    static let option = OptionSpec("--target", value: "NAME", "the stored target (x07lp target add); default: $X07LP_TARGET, else `target use`")

    static func client(_ ctx: StageContext) throws -> RemoteClient {
        let store = try TargetStore(environment: ctx.environment)
        let chosen = ctx.arguments.value("--target") ?? ctx.environment["X07LP_TARGET"].flatMap { $0.isEmpty ? nil : $0 } ?? store.current()
        guard let name = chosen, !StageOptions.localTargets.contains(name) else {
            throw LPError(.usage, code: "LP_TARGET_NOT_FOUND", "no remote target selected: --target NAME or `x07lp target use --name NAME`")
        }
        return try RemoteClient(try store.load(name), environment: ctx.environment)
    }

    /// The daemon's report as this command's own: its result, exit code, diagnostics and run id.
    static func relay(_ report: JSON, command: String) -> StageOutput {
        let diagnostics = (report["diagnostics"]?.arrayValue ?? []).compactMap { try? $0.decode(Diagnostic.self) }
        let code = report["exit_code"]?.intValue.flatMap { ExitCode(rawValue: Int32($0)) } ?? .remoteTransport
        var output = StageOutput(result: report["result"] ?? [:], exitCode: code, diagnostics: diagnostics,
                                 runId: report["meta"]?["run_id"]?.stringValue)
        output.reportCommand = command
        return output
    }

    /// `lp.deploy.remote.result@0.1.0` for `op`, from the daemon's report of it.
    static func remoteResult(_ client: RemoteClient, op: String, report: JSON, deploymentId: String?) -> JSON {
        let result = report["result"] ?? [:]
        let decisions = [result["decision_id"], result["final_decision_id"]].compactMap { $0?.stringValue }
        var out: JSON = ["schema_version": "lp.deploy.remote.result@0.1.0", "target": .string(client.profile.name), "op": .string(op),
                         "ok": report["ok"] ?? false, "run_id": result["run_id"] ?? report["meta"]?["run_id"] ?? .null,
                         "deployment_id": (result["exec_id"] ?? result["deployment_id"] ?? deploymentId.map(JSON.string)) ?? .null,
                         "decision_ids": .array(decisions.map(JSON.string)), "artifacts_written": []]
        if let weight = result["latest_weight_pct"] ?? result["current_weight_pct"], weight.intValue != nil {
            out = out.setting("current_weight_pct", weight)
        }
        if let listener = result["public_listener"]?.stringValue, listener.utf8.count <= 2048 {
            out = out.setting("public_listener", .string(listener))
        }
        return out
    }
}
