import LPCore
import LPStage
import Foundation

/// `x07lp adapter capabilities | conformance --target T`: what the target's daemon says it does
/// (`lp.adapter.capabilities@0.1.0`), and the ten scenarios of the adapter contract run against
/// it with a fixture the user supplies (`lp.adapter.conformance.report@0.1.0`, docs/remote.md).
enum AdapterCommands {
    static let capabilities = StageCommand(
        words: ["adapter", "capabilities"],
        spec: RemoteDeployCommands.spec("adapter capabilities", "what the daemon supports (lp.adapter.capabilities@0.1.0)", [], [])) { ctx in
        let client = try RemoteSelection.client(ctx)
        return StageOutput(result: try adapterCapabilities(client))
    }

    static func adapterCapabilities(_ client: RemoteClient) throws -> JSON {
        let answer = try client.send(.get, "/v1/capabilities", failure: (.remoteTransport, "LP_REMOTE_QUERY_FAILED"))
        guard answer.status == 200, answer.body["schema_version"] == "lp.remote.capabilities.response@0.1.0" else {
            throw RemotePush.refusal(answer, (.remoteTransport, "LP_REMOTE_QUERY_FAILED"))
        }
        let caps = answer.body
        func feature(_ name: String) -> JSON { caps["features"]?[name]?.boolValue.map(JSON.bool) ?? true }
        return ["schema_version": "lp.adapter.capabilities@0.1.0", "provider": .string(provider(caps)),
                "runtime_kind": caps["runtime_provider"] ?? "unknown", "routing_kind": caps["routing_provider"] ?? "unknown",
                "artifact_distribution": caps["artifact_distribution"] ?? "unknown",
                "supports_incidents": feature("incidents"), "supports_regressions": feature("regressions"),
                "supports_pause": feature("pause"), "supports_rerun": feature("rerun"),
                "supports_weighted_canary": feature("weighted_canary"), "supports_otlp": feature("otlp"),
                "supports_server_side_secrets": feature("server_side_secrets")]
    }

    /// `lp.impl.runtime.wasmcloud_v1` → `wasmcloud`.
    static func provider(_ caps: JSON) -> String {
        let id = caps["runtime_provider"]?.stringValue ?? "unknown"
        let short = id.split(separator: ".").last.map(String.init) ?? id
        return short.hasSuffix("_v1") ? String(short.dropLast(3)) : short
    }

    static let conformance = StageCommand(
        words: ["adapter", "conformance"],
        spec: RemoteDeployCommands.spec("adapter conformance", "run the ten adapter scenarios against the daemon",
                                        [OptionSpec("--fixture", value: "DIR", "pack.tar.zst, change_request.json, ops.json, slo.json, "
                                                    + "[policy.json, provenance.dsse.json], metrics/analysis.N.json, incident/{request,response,trace}.json")],
                                        [.stateLocked])) { ctx in
        let client = try RemoteSelection.client(ctx)
        let fixture = try ctx.arguments.required("--fixture", ctx.spec)
        let caps = try adapterCapabilities(client)
        let scenarios = try ConformanceRun(client: client, fixture: fixture).scenarios()
        let failed = scenarios.filter { $0["ok"] != true }.count
        let diagnostics = failed == 0 ? [] : [Diagnostic(code: "LP_REMOTE_ADAPTER_CONFORMANCE_FAILED",
                                                         message: "one or more adapter conformance scenarios failed")]
        let result: JSON = ["schema_version": "lp.adapter.conformance.report@0.1.0", "provider": caps["provider"] ?? "unknown",
                            "target_profile": .string(client.profile.name), "capabilities": caps, "scenarios": .array(scenarios),
                            "passed": .number(Double(scenarios.count - failed)), "failed": .number(Double(failed)),
                            "diagnostics": .array(diagnostics.map { ["code": .string($0.code), "severity": "error", "message": .string($0.message),
                                                                      "stage": "run"] })]
        // 17 is the contract's code for a failed conformance run.
        return StageOutput(result: result, exitCode: failed == 0 ? .ok : .stateLocked, diagnostics: diagnostics)
    }
}
