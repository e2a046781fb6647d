import LPCore
import LPState
import LPModel
import LPStage

/// `lp-release rerun`: a new execution of the release's plan, from its stored plan and source
/// package, starting at `--from-step` with the store state the original reached; it runs until
/// its plan is done or a metrics gate waits for an observation.
enum RerunCommand {
    static let command = StageCommand(
        words: ["rerun"],
        spec: ReleaseControlCommands.spec("rerun", "run the release's plan again as a new execution",
                                          extra: [OptionSpec("--from-step", value: "N", "start at step N of the plan (default 0)")])) { ctx in
            let release = try ReleaseContext(ctx)
            let control = try ReleaseControl(release, action: "rerun", decisionKind: DeviceDecisionKind.manual("rerun"),
                                             reasonCode: ReasonCode.deviceRerun)
            if let receipt = try control.recordedReceipt() { return receipt }
            let subject = try ReleaseSubject.load(release, execId: control.execId)
            let fromStep = Int(try ctx.arguments.integer("--from-step", range: 0...Int64(subject.plan.steps.count)) ?? 0)
            let package = try PackageStore.source(of: subject.plan, state: release.state, catalog: release.catalog)
            let files = try package.contents()
            var newId = ""
            let output = try control.perform { parent, _, tx in
                let (runId, execId) = ExecutionIds.allocate(planId: subject.plan.plan_id, nowUnixMs: control.now,
                                                            seed: ["rerun", parent.exec_id, String(fromStep)], in: tx)
                let staged = try PackageStore.stage(package, files: files, execId: execId, planId: subject.plan.plan_id,
                                                    plan: subject.plan, rolloutPercent: parent.meta.current_rollout_percent,
                                                    lane: subject.profile.lane, catalog: release.catalog, in: tx)
                let planDigest = try parent.plan?.digest ?? DigestRef(of: JSON(encoding: subject.plan))
                var rerun = ExecutionIds.execution(execId, runId: runId, plan: subject.plan, planDigest: planDigest,
                                                   profile: subject.profile, staged: staged, nowUnixMs: control.now)
                rerun.meta.current_state = parent.meta.current_state
                rerun.meta.current_rollout_percent = parent.meta.current_rollout_percent
                rerun.meta.latest_store_release_id = parent.meta.latest_store_release_id
                rerun.meta.parent_exec_id = parent.exec_id
                rerun.meta.rerun_from_step_idx = fromStep
                rerun.meta.next_step_idx = fromStep
                try release.store.create(rerun, in: tx)
                newId = execId
                return .init(recordsStep: false, newExecutionId: execId, showsStateAfter: false)
            }
            guard !newId.isEmpty else { return output }
            var engine = StepEngine(release: release, plan: subject.plan, profile: subject.profile, provider: subject.provider, gates: 0)
            try engine.advance(newId)
            return output
        }
}
