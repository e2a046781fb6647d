import LPCore
import LPState
import LPModel
import LPStage
import LPIncident

/// Runs a release plan's steps from `meta.next_step_idx` (docs/device-release.md#engine), one
/// write transaction per step, so a kill leaves the last finished step on disk. Store calls
/// happen outside the lock; their outcome is recorded in the step's transaction. A metrics gate
/// stops the run waiting for an observation unless this pass may evaluate one (`gates`).
struct StepEngine {
    let release: ReleaseContext
    let plan: DeviceReleasePlan
    let profile: ProviderProfile
    let provider: StoreProvider
    /// Metrics gates this pass may evaluate: 0 for run and rerun, 1 for observe.
    var gates: Int

    /// Runs steps until the plan is done, a gate waits or fails, a store step fails, or the
    /// release's automation is not running (a control paused, stopped or ended it meanwhile).
    mutating func advance(_ execId: String) throws {
        while true {
            let execution = try release.store.load(execId)
            let i = execution.meta.next_step_idx
            let now = release.ctx.clock.unixMs(step: i)
            switch execution.meta.automation_state {
            case .paused, .waitingForHuman, .stopped, .terminal: return
            case .active, .waitingForObservation: break
            }
            guard i < plan.steps.count else {
                try finish(execId)
                return
            }
            let step = plan.steps[i]
            if step.op == .metricsEval {
                guard gates > 0 else {
                    try waitForObservation(execId, index: i, step: step, at: now)
                    return
                }
                gates -= 1
                let gate = MetricsGate(release: release, plan: plan, provider: provider, profile: profile)
                guard try gate.evaluate(execId, index: i, step: step, at: now) else { return }
                continue
            }
            let context = StoreContext(execId: execId, state: execution.meta.current_state,
                                       percent: execution.meta.current_rollout_percent,
                                       storeReleaseId: execution.meta.latest_store_release_id, lane: profile.lane,
                                       initialPercent: profile.initialPercent, app: plan.app)
            do {
                let outcome = try provider.perform(step.op, percent: step.percent, at: context)
                try recordSuccess(execId, index: i, step: step, outcome: outcome, at: now)
            } catch let failure as StoreFailure {
                try recordFailure(execId, index: i, step: step, failure: failure, at: now)
                return
            }
        }
    }

    /// Loads the execution in `tx` and applies a step's change, unless another writer moved it
    /// past this step meanwhile (a control, a second observer): then nothing is written.
    private func update(_ execId: String, index: Int, in tx: WriteTransaction,
                        _ change: (inout DeviceReleaseExecution, ReleaseRecords) throws -> Void) throws -> Bool {
        var execution = try release.store.load(execId, from: tx)
        guard execution.meta.next_step_idx == index, [.active, .waitingForObservation].contains(execution.meta.automation_state) else {
            return false
        }
        try change(&execution, ReleaseRecords(tx: tx))
        try release.store.save(execution, in: tx)
        return true
    }

    private func recordSuccess(_ execId: String, index i: Int, step: DeviceReleasePlan.Step, outcome: StoreOutcome, at now: Int64) throws {
        try release.state.write { tx in
            _ = try update(execId, index: i, in: tx) { execution, records in
                let evidence = try records.evidence(
                    ["provider_kind": .string(provider.kind.rawValue), "provider_mode": .string(provider.mode), "op": .string(step.op.rawValue),
                     "state": .string(outcome.state.rawValue), "rollout_percent": outcome.percent.map { .number(Double($0)) } ?? .null,
                     "store_release_id": outcome.storeReleaseId.map(JSON.string) ?? .null, "provider": outcome.evidence],
                    suffix: "step_\(i)_\(step.id)", role: "provider_evidence", execution: &execution)
                let (record, _) = try records.decision(
                    Identifier.make(.decision, parts: [execId, String(i), step.id]), kind: DeviceDecisionKind.step, outcome: .allow,
                    code: ReasonCode.deviceStepOK, message: outcome.message, evidence: [evidence], stepIdx: i, at: now,
                    execution: &execution, extraMeta: ["op": .string(step.op.rawValue)])
                execution.meta.current_state = outcome.state
                execution.meta.current_rollout_percent = outcome.percent
                execution.meta.latest_store_release_id = outcome.storeReleaseId
                execution.meta.automation_state = .active
                execution.meta.next_step_idx = i + 1
                execution.meta.updated_unix_ms = now
                execution.status = .started
                var record_ = DeviceReleaseExecution.Step(idx: i, name: step.id, kind: step.op.rawValue, status: .ok,
                                                          started_unix_ms: now, ended_unix_ms: now, decisions: [record.decision_id])
                record_.latest_rollout_percent = outcome.percent
                record_.store_release_id = outcome.storeReleaseId
                record_.evidence = [evidence]
                execution.record(record_)
            }
        }
    }

    /// A store step that failed fails the run: the release is paused where it stands, and an
    /// incident records why.
    private func recordFailure(_ execId: String, index i: Int, step: DeviceReleasePlan.Step, failure: StoreFailure, at now: Int64) throws {
        try release.state.write { tx in
            var failed: DeviceReleaseExecution?
            var decisionId = ""
            _ = try update(execId, index: i, in: tx) { execution, records in
                let (record, _) = try records.decision(
                    Identifier.make(.decision, parts: [execId, String(i), step.id, "error"]), kind: DeviceDecisionKind.step,
                    outcome: .error, code: ReasonCode.deviceStepFailed, message: failure.message, stepIdx: i, at: now,
                    execution: &execution, extraMeta: ["op": .string(step.op.rawValue)])
                decisionId = record.decision_id
                execution.meta.current_state = .paused
                execution.meta.automation_state = .paused
                execution.meta.next_step_idx = i + 1
                execution.meta.updated_unix_ms = now
                execution.status = .failed
                execution.record(.init(idx: i, name: step.id, kind: step.op.rawValue, status: .error, started_unix_ms: now,
                                       ended_unix_ms: now, decisions: [record.decision_id]))
                failed = execution
            }
            guard let failed else { return }
            let capture = ReleaseIncident.capture(failed, classification: "device_release_provider_failed", source: "device_release",
                                                  reason: failure.message, decisionId: decisionId, nowUnixMs: now)
            _ = try IncidentStore(state: release.state).capture(capture, in: tx)
        }
    }

    private func waitForObservation(_ execId: String, index i: Int, step: DeviceReleasePlan.Step, at now: Int64) throws {
        try release.state.write { tx in
            _ = try update(execId, index: i, in: tx) { execution, _ in
                execution.meta.automation_state = .waitingForObservation
                execution.meta.updated_unix_ms = now
                execution.status = .started
                execution.record(.init(idx: i, name: step.id, kind: step.op.rawValue, status: .running, started_unix_ms: now,
                                       ended_unix_ms: nil, decisions: []))
            }
        }
    }

    /// Every step done: the plan is exhausted (the rollout itself stands where the last store
    /// step left it).
    private func finish(_ execId: String) throws {
        let now = release.ctx.clock.unixMs(step: plan.steps.count)
        try release.state.write { tx in
            _ = try release.store.update(execId, in: tx) { execution in
                guard execution.status == .started || execution.status == .planned else { return }
                execution.status = .completed
                execution.meta.automation_state = .terminal
                execution.meta.next_step_idx = plan.steps.count
                execution.meta.updated_unix_ms = now
            }
        }
    }
}

/// What every release command needs: the stage context, the contracts and the execution store.
struct ReleaseContext {
    let ctx: StageContext
    let catalog: ContractCatalog
    var state: StateDirectory { ctx.state }
    var store: DeviceExecutionStore { DeviceExecutionStore(state: ctx.state) }

    init(_ ctx: StageContext) throws {
        self.ctx = ctx
        self.catalog = try ContractCatalog.locate(environment: ctx.environment)
    }
}
