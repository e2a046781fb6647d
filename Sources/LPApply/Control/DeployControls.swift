import LPCore
import LPState
import LPModel
import LPIndex
import LPStage
import LPIncident
import LPRuntime

/// `lp-apply control deploy pause | resume | stop | rollback | promote | rerun`.
enum DeployControls {
    static let common = [
        OptionSpec("--deployment-id", value: "ID", aliases: ["--deployment"], "the deployment to act on"),
        OptionSpec("--reason", value: "TEXT", "why (recorded in the signed decision)"),
        OptionSpec("--signing-key", value: "PEM", "Ed25519 private key to sign with (default: keys/control.ed25519.key.pem, created 0600)"),
        StageOptions.target,
    ]

    static func spec(_ verb: String, _ summary: String, extra: [OptionSpec] = [], notes: [String] = []) -> CommandSpec {
        CommandSpec(name: "lp-apply control deploy \(verb)", reportCommand: "deploy \(verb)", summary: summary,
                    usage: ["lp-apply control deploy \(verb) --deployment-id ID --reason TEXT"], options: common + extra,
                    examples: ["x07lp deploy \(verb) --deployment-id lpexec_... --reason \"operator request\" --json"],
                    exitCodes: [.ok, .usage, .invalidInput, .stateLocked], notes: notes)
    }

    static let commands: [StageCommand] = [
        StageCommand(words: ["control", "deploy", "pause"],
                     spec: spec("pause", "pause a deployment; a running lp-apply stops at its next check (exit 0)")) { ctx in
            try transition(ctx, kind: "deploy.pause.manual", allowed: [.planned, .started]) { execution, meta, _, _ in
                guard meta.control_state == .active else { throw notApplicable(execution, meta, "pause") }
                meta.control_state = .paused
                meta.pause_reason = reason(ctx)
            }
        },
        StageCommand(words: ["control", "deploy", "resume"],
                     spec: spec("resume", "clear a pause; run lp-apply again to continue from the next step",
                                notes: ["Recorded as kind deploy.resume.manual (an x07lp extension of the reference enum)."])) { ctx in
            try transition(ctx, kind: "deploy.resume.manual", allowed: [.planned, .started]) { execution, meta, _, _ in
                guard meta.control_state == .paused else { throw notApplicable(execution, meta, "resume") }
                meta.control_state = .active
                meta.pause_reason = nil
            }
        },
        StageCommand(words: ["control", "deploy", "stop"],
                     spec: spec("stop", "abort a deployment: candidate out of service, outcome aborted")) { ctx in
            try transition(ctx, kind: "deploy.stop.manual", allowed: [.planned, .started], runResult: true) { execution, meta, now, tx in
                try retireCandidate(ctx, execution: execution, meta: &meta, now: now, in: tx)
                execution.end(.aborted, outcome: .aborted, meta: &meta, at: now)
            }
        },
        StageCommand(words: ["control", "deploy", "rollback"],
                     spec: spec("rollback", "roll a deployment back: candidate weight 0 and stopped; status completed, outcome rolled_back")) { ctx in
            try transition(ctx, kind: "deploy.rollback.manual", allowed: [.planned, .started]) { execution, meta, now, tx in
                try retireCandidate(ctx, execution: execution, meta: &meta, now: now, in: tx)
                execution.end(.completed, outcome: .rolledBack, meta: &meta, at: now)
            }
        },
        StageCommand(words: ["control", "deploy", "promote"],
                     spec: spec("promote", "switch all traffic to a started candidate (blue-green without auto_promote)",
                                notes: ["Recorded as kind deploy.promote.manual (an x07lp extension of the reference enum)."])) { ctx in
            try transition(ctx, kind: "deploy.promote.manual", allowed: [.started]) { execution, meta, now, tx in
                guard meta.runtime.candidate.status.isServing else { throw notApplicable(execution, meta, "promote") }
                let target = LocalTarget(state: ctx.state)
                _ = try target.setWeight(100, execId: execution.exec_id, nowUnixMs: now, in: tx)
                _ = try target.promote(execId: execution.exec_id, nowUnixMs: now, in: tx)
                execution.endPromoted(meta: &meta, at: now)
            }
        },
        StageCommand(words: ["control", "deploy", "rerun"],
                     spec: spec("rerun", "start a new execution from the same accepted inputs and plan",
                                extra: [OptionSpec("--from-step", value: "N", "skip the plan steps before step N (slots are prepared again)")])) { ctx in
            let action = ControlAction(ctx: ctx, kind: "deploy.rerun.manual", scope: "deployment", reason: reason(ctx))
            let fromStep = Int(try ctx.arguments.integer("--from-step", range: 0...4096) ?? 0)
            let execution = try action.loadExecution()
            return try action.perform(seed: [execution.exec_id, String(fromStep)]) { decisionId, now, tx in
                let newId = Identifier.make(.execution, parts: [execution.exec_id, "rerun", String(fromStep), String(now)])
                let previous = try ExecutionMetaLocal.current(of: execution, state: ctx.state, nowUnixMs: now)
                var meta = ExecutionMetaLocal(appId: previous.target.app_id, environment: previous.target.environment,
                                              plan: execution.plan, publicListener: RoutingRule.publicListener(execId: newId),
                                              retryBudget: previous.retry_budget.max_attempts_per_step, nowUnixMs: now)
                meta.parent_exec_id = execution.exec_id
                meta.rerun_from_step_idx = fromStep
                ControlAction.sign(&meta, decisionId: decisionId, nowUnixMs: now)
                let rerun = DeployExecution(exec_id: newId, run_id: execution.run_id, created_unix_ms: now, status: .planned,
                                            plan: execution.plan, meta: .local(meta))
                try ExecutionStore(state: ctx.state).create(rerun, in: tx)
                let state = ControlAction.DeployState(execution)
                return .init(target: ["deployment_id": .string(execution.exec_id)], runId: execution.run_id,
                             affected: [execution.exec_id, newId], before: state, after: state, newExecutionId: newId)
            }
        },
    ]

    static func reason(_ ctx: StageContext) -> String { ctx.arguments.value("--reason") ?? "manual" }

    static func notApplicable(_ execution: DeployExecution, _ meta: ExecutionMetaLocal, _ verb: String) -> LPError {
        LPError(.usage, code: "LP_CONTROL_NOT_APPLICABLE",
                "cannot \(verb) deployment \(execution.exec_id): it is \(execution.status.rawValue), control state \(meta.control_state.rawValue)")
    }

    /// Weight 0 and the candidate stopped, when the deployment got as far as routing.
    static func retireCandidate(_ ctx: StageContext, execution: DeployExecution, meta: inout ExecutionMetaLocal, now: Int64,
                                in tx: WriteTransaction) throws {
        guard try RouterState.load(state: tx, execId: execution.exec_id) != nil else { return }
        _ = try LocalTarget(state: ctx.state).stopSlot(.candidate, execId: execution.exec_id, nowUnixMs: now, in: tx)
        meta.candidateStopped(at: now)
    }

    /// A state change of one deployment, signed and recorded.
    static func transition(_ ctx: StageContext, kind: String, allowed: Set<ExecutionStatus>, runResult: Bool = false,
                           change: (inout DeployExecution, inout ExecutionMetaLocal, Int64, WriteTransaction) throws -> Void) throws -> StageOutput {
        let action = ControlAction(ctx: ctx, kind: kind, scope: "deployment", reason: reason(ctx))
        let loaded = try action.loadExecution()
        var output = try action.perform(seed: [loaded.exec_id]) { decisionId, now, tx in
            // The store re-reads under the lock: a running lp-apply may have written since.
            var before: ControlAction.DeployState?
            let changed = try ExecutionStore(state: ctx.state).update(loaded.exec_id, in: tx) { execution in
                var meta = try ExecutionMetaLocal.current(of: execution, state: ctx.state, nowUnixMs: now)
                guard allowed.contains(execution.status) else { throw notApplicable(execution, meta, kind) }
                before = ControlAction.DeployState(execution)
                try change(&execution, &meta, now, tx)
                ControlAction.sign(&meta, decisionId: decisionId, nowUnixMs: now)
                execution.meta = .local(meta)
            }.execution
            return .init(target: ["deployment_id": .string(changed.exec_id)], runId: changed.run_id,
                         affected: [changed.exec_id], before: before, after: ControlAction.DeployState(changed), newExecutionId: nil)
        }
        // Committed: the serving nginx (when it runs) takes the new weights.
        try ServeRuntime(state: ctx.state).refresh()
        if runResult, let decision = output.result["decision"]?["decision_id"] {
            // `deploy stop` answers like a run (reference fixture deploy_loop/stop_during_pause).
            output.document = output.result
            output.result = ["deployment_id": .string(loaded.exec_id), "run_id": .string(loaded.run_id),
                             "final_decision_id": decision, "outcome": "aborted",
                             "action_id": output.result["action_id"] ?? .null]
        }
        return output
    }
}
