import Foundation
import LPShared

/// `lp-apply control app kill | unkill --app-id A --env E` and `control platform kill | unkill`.
/// A kill latches (control/kill/<scope>.json): every unfinished deployment in scope is marked
/// killed and lp-apply refuses new runs (exit 18) until the matching unkill.
enum KillControls {
    static func spec(_ words: String, _ summary: String, app: Bool) -> CommandSpec {
        var options = [OptionSpec("--reason", value: "TEXT", "why (recorded in the signed decision)"),
                       OptionSpec("--signing-key", value: "PEM", "Ed25519 private key to sign with (default: keys/control.ed25519.key.pem)")]
        if app {
            options = [OptionSpec("--app-id", value: "APP", "the app"), OptionSpec("--env", value: "ENV", "its environment")] + options
        }
        let usage = "lp-apply control \(words)" + (app ? " --app-id APP --env ENV" : "") + " --reason TEXT"
        return CommandSpec(name: "lp-apply control \(words)", reportCommand: words, summary: summary, usage: [usage],
                           options: options,
                           examples: ["x07lp \(words)" + (app ? " --app-id example.hello.web --env staging" : "") + " --reason incident --json"],
                           exitCodes: [.ok, .usage, .invalidInput, .stateLocked])
    }

    static let commands: [StageCommand] = [
        StageCommand(words: ["control", "app", "kill"], spec: spec("app kill", "kill switch for one app in one environment", app: true)) {
            try latch($0, engage: true, app: true)
        },
        StageCommand(words: ["control", "app", "unkill"], spec: spec("app unkill", "clear an app kill switch", app: true)) {
            try latch($0, engage: false, app: true)
        },
        StageCommand(words: ["control", "platform", "kill"], spec: spec("platform kill", "kill switch for every deployment", app: false)) {
            try latch($0, engage: true, app: false)
        },
        StageCommand(words: ["control", "platform", "unkill"], spec: spec("platform unkill", "clear the platform kill switch", app: false)) {
            try latch($0, engage: false, app: false)
        },
    ]

    static func latch(_ ctx: StageContext, engage: Bool, app: Bool) throws -> StageOutput {
        var target: JSON = [:]
        var scopeName = "platform"
        var appId = "", environment = ""
        if app {
            appId = try ctx.arguments.required("--app-id", ctx.spec)
            environment = try ctx.arguments.required("--env", ctx.spec)
            try StateDirectory.checkComponent(appId, what: "app id")
            try StateDirectory.checkComponent(environment, what: "environment")
            target = ["app_id": .string(appId), "environment": .string(environment)]
            scopeName = "app:\(appId)/\(environment)"
        }
        let kind = (app ? "app." : "platform.") + (engage ? "kill" : "unkill")
        let action = ControlAction(ctx: ctx, kind: kind, scope: app ? "app" : "platform", reason: DeployControls.reason(ctx))
        return try action.perform(seed: [scopeName]) { decisionId, now in
            let record: JSON = ["schema_version": "x07lp.kill.switch@0.1.0", "scope": .string(scopeName), "engaged": .bool(engage),
                                "reason": .string(DeployControls.reason(ctx)), "decision_id": .string(decisionId),
                                "updated_unix_ms": .number(Double(now))]
            try ctx.state.writeRecord(record, at: StateDirectory.killSwitch(scopeName), logicalName: "x07lp.kill.switch")
            var affected: [String] = []
            for var execution in try executions(ctx.state) {
                guard var meta = ExecutionMetaLocal.of(execution), !app || (meta.target.app_id == appId && meta.target.environment == environment)
                else { continue }
                if engage, ["planned", "started"].contains(execution.status) {
                    meta.control_state = "killed"
                    meta.kill_scope = app ? "app" : "platform"
                    meta.kill_latched = true
                } else if !engage, meta.kill_latched, meta.kill_scope == (app ? "app" : "platform") {
                    meta.kill_latched = false
                    meta.kill_scope = "none"
                    if meta.control_state == "killed" { meta.control_state = "paused"; meta.pause_reason = "unkilled: resume to continue" }
                } else {
                    continue
                }
                execution.meta = try JSON(encoding: meta)
                try action.save(execution, meta: meta, decisionId: decisionId, nowUnixMs: now)
                affected.append(execution.exec_id)
            }
            return .init(target: target, runId: Identifier.make(.run, parts: ["control", kind, scopeName, String(now)]),
                         affected: affected.sorted(), before: nil, after: nil, newExecutionId: nil)
        }
    }

    /// Every stored execution (a scan; the query index makes this cheap later).
    static func executions(_ state: StateDirectory) throws -> [DeployExecution] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: state.path("deploy"))) ?? []
        return names.sorted().filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.compactMap {
            try? state.readJSON("deploy/" + $0).decode(DeployExecution.self)
        }
    }
}
