import LPCore
import LPState
import LPModel
import LPIndex
import LPStage
import LPIncident
import Foundation

/// `lp-apply control app kill | unkill --app-id A --env E` and `control platform kill | unkill`.
/// A kill latches (control/kill/<scope>.json): every unfinished deployment in scope is marked
/// killed and lp-apply refuses new runs (exit 18) until the matching unkill.
enum KillControls {
    static func spec(_ words: String, _ summary: String, app: Bool, engage: Bool = false) -> CommandSpec {
        var options = [OptionSpec("--reason", value: "TEXT", "why (recorded in the signed decision)"),
                       OptionSpec("--signing-key", value: "PEM", "Ed25519 private key to sign with (default: keys/control.ed25519.key.pem)")]
        if app {
            options = [OptionSpec("--app-id", value: "APP", "the app"), OptionSpec("--env", value: "ENV", "its environment")] + options
        }
        if app && engage {
            options.append(OptionSpec("--allow-unknown", "latch a kill for an app/env the state has never seen (a pre-emptive kill)"))
        }
        let usage = "lp-apply control \(words)" + (app ? " --app-id APP --env ENV" : "") + " --reason TEXT"
        return CommandSpec(name: "lp-apply control \(words)", reportCommand: words, summary: summary, usage: [usage],
                           options: options,
                           examples: ["x07lp \(words)" + (app ? " --app-id example.hello.web --env staging" : "") + " --reason incident --json"],
                           exitCodes: [.ok, .usage, .invalidInput, .stateLocked])
    }

    static let commands: [StageCommand] = [
        StageCommand(words: ["control", "app", "kill"], spec: spec("app kill", "kill switch for one app in one environment", app: true, engage: true)) {
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
            // A typo must not look like protection: killing an app/env never deployed is explicit.
            if engage, !ctx.arguments.has("--allow-unknown"),
               try StateIndex.open(state: ctx.state).0.latestExecution(appId: appId, environment: environment) == nil {
                throw LPError(.usage, code: "LP_APP_UNKNOWN",
                              "no deployment of \(appId) in \(environment) in \(ctx.state.root): check the names, or pass --allow-unknown to latch a pre-emptive kill")
            }
        }
        let kind = (app ? "app." : "platform.") + (engage ? "kill" : "unkill")
        let scope: KillScope = app ? .app : .platform
        let action = ControlAction(ctx: ctx, kind: kind, scope: scope.rawValue, reason: DeployControls.reason(ctx))
        let store = ExecutionStore(state: ctx.state)
        return try action.perform(seed: [scopeName]) { decisionId, now, tx in
            let record: JSON = ["schema_version": .string(SchemaVersion.killSwitch), "scope": .string(scopeName), "engaged": .bool(engage),
                                "reason": .string(DeployControls.reason(ctx)), "decision_id": .string(decisionId),
                                "updated_unix_ms": .number(Double(now))]
            try tx.writeRecord(record, at: StateDirectory.killSwitch(scopeName), logicalName: "x07lp.kill.switch")
            var affected: [String] = []
            for id in try executionIds(ctx.state) {
                // An execution that cannot be read fails the action: a kill must not skip a deployment.
                let execution = try store.load(id)
                guard var meta = execution.localMeta, !app || (meta.target.app_id == appId && meta.target.environment == environment)
                else { continue }
                if engage, execution.status.isLive {
                    meta.control_state = .killed
                    meta.kill_scope = scope
                    meta.kill_latched = true
                } else if !engage, meta.kill_latched, meta.kill_scope == scope {
                    meta.kill_latched = false
                    meta.kill_scope = .none
                    if meta.control_state == .killed { meta.control_state = .paused; meta.pause_reason = "unkilled: resume to continue" }
                } else {
                    continue
                }
                ControlAction.sign(&meta, decisionId: decisionId, nowUnixMs: now)
                try store.update(id, in: tx) { $0.meta = .local(meta) }
                affected.append(id)
            }
            return .init(target: target, runId: Identifier.make(.run, parts: ["control", kind, scopeName, String(now)]),
                         affected: affected.sorted(), before: nil, after: nil, newExecutionId: nil)
        }
    }

    /// The ids of every stored execution, in name order (a scan; the query index makes this cheap later).
    static func executionIds(_ state: StateDirectory) throws -> [String] {
        let directory = state.path("deploy")
        guard FileManager.default.fileExists(atPath: directory) else { return [] }
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: directory) } catch {
            throw LPError(.stateCorrupt, code: "LP_STATE_IO", "cannot list \(directory): \(error.localizedDescription)")
        }
        return names.sorted().filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.map { String($0.dropLast(5)) }
    }
}
