import LPCore
import LPState
import LPModel
import LPIndex
import LPStage
import LPIncident
import Foundation

/// The step machine (docs/deploy.md#the-step-machine). Runs the expanded plan from the first step not yet done,
/// records a decision per step with its evidence, persists the execution after every step (a
/// crash leaves the last finished step on disk) and watches for control actions between steps
/// and during pauses.
struct ApplyEngine {
    typealias Ending = RunEnding

    let state: StateDirectory
    let clock: LogicalClock
    let catalog: ContractCatalog
    let target: TargetDriver
    let steps: [RunStep]
    let slo: (json: JSON, digest: DigestRef)?
    let pauseScale: Double
    let progress: ProgressReporter
    let runId: String
    /// The accepted pack manifest, which an incident names as the release that failed.
    let packManifest: DigestRef
    var feed: MetricsFeed
    var execution: DeployExecution
    var meta: ExecutionMetaLocal
    var artifacts: [ArtifactRef] = []
    var decisionRefs: [(id: String, digest: DigestRef)] = []
    var tick = 0

    private var store: ExecutionStore { ExecutionStore(state: state) }

    mutating func now() -> Int64 {
        defer { tick += 1 }
        return clock.unixMs(step: tick)
    }

    /// Runs to an ending; every ending is persisted before returning.
    mutating func run() throws -> Ending {
        execution.status = .started
        let first = execution.steps.firstIndex { !$0.status.isDone } ?? execution.steps.count
        for index in first..<steps.count {
            if let ending = try controlEnding() { return ending }
            if index >= execution.steps.count {
                let ordinal = steps[...index].filter { if case .analysis = $0 { return true } else { return false } }.count
                execution.steps.append(.init(idx: index, name: steps[index].name(analysisOrdinal: ordinal), kind: steps[index].kind,
                                             status: .running, started_unix_ms: now()))
                // A pause is on disk while it waits, so readers and controls see the running step.
                if case .pause = steps[index] { try persist() }
            }
            if let from = meta.rerun_from_step_idx, index < from, steps[index].isPlanStep {
                execution.steps[index].status = .skipped
                execution.steps[index].ended_unix_ms = now()
                continue
            }
            do {
                if let ending = try perform(steps[index], at: index) { return ending }
            } catch {
                // A stop or kill recorded meanwhile explains a failed target operation (the
                // control took the candidate away); end as the control said.
                if let ending = try controlEnding(), ending == .stopped || ending == .killed { return ending }
                throw error
            }
            execution.steps[index].status = .ok
            execution.steps[index].ended_unix_ms = now()
            try persist()
        }
        return .promoted
    }

    /// A stop or pause recorded by a control action since the last look.
    mutating func controlEnding() throws -> Ending? {
        let control = try store.controlView(of: execution.exec_id)
        if control.status == .aborted { return .stopped }
        if control.controlState == .killed { return .killed }
        if control.controlState == .paused {
            meta.control_state = .paused
            meta.pause_reason = control.pauseReason
            try persist()
            return .paused
        }
        return nil
    }

    mutating func persist() throws {
        meta.updated_unix_ms = clock.unixMs(step: tick)
        let stored = try state.write { tx in try store.update(fromStepMachine: execution, meta: meta, in: tx).execution }
        execution = stored
        meta = stored.localMeta ?? meta
    }

    private mutating func perform(_ step: RunStep, at index: Int) throws -> Ending? {
        switch step {
        case .prepare:
            try target.prepare(execId: execution.exec_id)
            let stableProbe = try target.probe(.stable, execId: execution.exec_id)
            meta.runtime.stable = .init(revision_digest: target.stableLayout.revision, status: .healthy,
                                        started_unix_ms: clock.unixMs(step: tick),
                                        health: health(stableProbe), workdir: StateDirectory.runtimeSlot(execution.exec_id, "stable"))
            let plan = execution.plan.map { [TypedRef(kind: SchemaVersion.deployPlan, digest: $0.digest, label: "deploy_plan")] } ?? []
            if let digest = execution.plan?.digest {
                list(ArtifactRef.blob(digest, logicalName: "deploy.plan"),
                     role: "deploy_plan", kind: SchemaVersion.deployPlan)
            }
            try record(index, kind: "deploy.prepare.plan", outcome: .allow, code: ReasonCode.planReady,
                       message: "plan pinned; candidate slot materialized from the pack", evidence: plan)
        case .startCandidate:
            let revision = try target.startCandidate(execId: execution.exec_id)
            let probe = try target.probe(.candidate, execId: execution.exec_id)
            meta.runtime.candidate = .init(revision_digest: revision, status: .healthy, started_unix_ms: clock.unixMs(step: tick),
                                           health: health(probe), workdir: StateDirectory.runtimeSlot(execution.exec_id, "candidate"))
            try setWeight(0, at: index)
            try record(index, kind: "deploy.runtime.start_candidate", outcome: .allow, code: ReasonCode.runtimeHealthcheckOK,
                       message: "candidate started and healthy at weight 0",
                       evidence: [TypedRef(kind: SchemaVersion.slotHealth, digest: probe.digest, label: "runtime_probe")])
            artifacts.append(probe)
            list(probe, role: "runtime_probe", kind: SchemaVersion.slotHealth)
        case .setWeight(let pct):
            try setWeight(pct, at: index)
            linkAuthorizingDecision(index)
        case .pause(let seconds):
            linkAuthorizingDecision(index)
            if let ending = try pause(seconds: seconds, step: "deploy step \(index) pause_\(seconds)") {
                execution.steps[index].status = .ok
                execution.steps[index].ended_unix_ms = now()
                if ending == .paused { meta.control_state = .paused }
                try persist()
                return ending
            }
        case .analysis(let require):
            return try analyze(at: index, require: require)
        case .awaitPromote:
            meta.control_state = .paused
            meta.pause_reason = "awaiting deploy promote"
            try record(index, kind: "deploy.await_promote", outcome: .allow, code: ReasonCode.deployAwaitingPromote,
                   message: "blue-green without auto_promote: waiting for `deploy promote`")
            execution.steps[index].status = .ok
            execution.steps[index].ended_unix_ms = now()
            try persist()
            return .awaitingPromote
        case .promote:
            // A run that crashed after the target promoted the candidate (before the execution
            // said so) finds it done: only the records are written again.
            if try !target.isPromoted(execId: execution.exec_id) {
                try setWeight(100, at: index)
                try target.promote(execId: execution.exec_id)
            }
            execution.endPromoted(meta: &meta, at: clock.unixMs(step: tick))
            try record(index, kind: "deploy.promote", outcome: .allow, code: ReasonCode.deployPromoted,
                   message: "candidate promoted to stable at weight 100")
        }
        return nil
    }

    private mutating func setWeight(_ pct: Int, at index: Int) throws {
        let router = try target.setWeight(pct, execId: execution.exec_id, nowUnixMs: clock.unixMs(step: tick))
        meta.routing.candidate_weight_pct = pct
        meta.routing.last_updated_step_idx = index
        meta.routing.router_state = .init(kind: SchemaVersion.routerState, digest: router.digest, label: "router",
                                          store_uri: router.store_uri)
        execution.steps[index].latest_weight_pct = pct
    }

    /// Sleeps `seconds × pause-scale`, looking for control actions every 20 ms. A wait that takes
    /// time shows a progress line (see `ProgressReporter`) when it starts and when it ends.
    private mutating func pause(seconds: Int, step: String) throws -> Ending? {
        let wait = Double(seconds) * pauseScale
        let deadline = Date().addingTimeInterval(wait)
        let progress = wait > 0 ? self.progress : ProgressReporter(mode: .off)
        progress.show(ProgressReporter.pauseWaiting(step: step, seconds: wait))
        defer { progress.finish() }
        var shownLeft = Int.max
        repeat {
            if let ending = try controlEnding() {
                progress.show(ProgressReporter.pauseEnded(step: step, seconds: wait, endedBy: "deployment \(ending)"))
                return ending
            }
            let left = deadline.timeIntervalSinceNow
            // The countdown, in whole seconds, redrawn when it changes (only under a terminal's progress).
            if progress.mode != .off, left > 0, Int(left.rounded(.up)) < shownLeft {
                shownLeft = Int(left.rounded(.up))
                progress.show(ProgressReporter.pauseLeft(step: step, left: shownLeft, of: wait))
            }
            if left > 0 { usleep(useconds_t(min(left, 0.02) * 1_000_000)) }
        } while Date() < deadline
        progress.show(ProgressReporter.pauseEnded(step: step, seconds: wait, endedBy: nil))
        return nil
    }

    private mutating func analyze(at index: Int, require: SLODecision) throws -> Ending? {
        guard let slo else {
            throw LPError(.invalidInput, code: "LP_SLO_PROFILE_MISSING", "the plan has an analysis step but no SLO profile")
        }
        let key = String(index)
        while true {
            let attempt = (meta.retry_budget.consumed[key] ?? 0) + 1
            if attempt > meta.retry_budget.max_attempts_per_step {
                // The deployment fails where it stands: the candidate keeps its weight for inspection.
                fail(step: index, status: .failed, outcome: .failed)
                try record(index, kind: "deploy.analysis.slo", outcome: .deny, code: ReasonCode.retryBudgetExhausted,
                           message: "analysis stayed inconclusive for \(attempt - 1) attempts", attempt: attempt)
                try persist()
                return .retryExhausted
            }
            guard let snapshot = try feed.next() else {
                meta.control_state = .paused
                meta.pause_reason = "metrics snapshot missing for step \(index): \(feed.nextSnapshotWanted)"
                execution.steps[index].status = .running
                try record(index, kind: "deploy.analysis.slo", outcome: .error, code: ReasonCode.metricsSnapshotMissing,
                           message: "no metrics snapshot left for attempt \(attempt) of step \(index)", attempt: attempt)
                try persist()
                return .metricsMissing
            }
            let result = SLOEvaluation.evaluate(profile: slo.json, profileDigest: slo.digest, snapshot: snapshot.json,
                                                snapshotDigest: snapshot.rawDigest,
                                                snapshotName: (snapshot.path as NSString).lastPathComponent)
            let (snapshotRef, reportRef) = try state.write { tx in
                (try tx.putBlob(snapshot.bytes, logicalName: (snapshot.path as NSString).lastPathComponent),
                 try tx.putBlob(result.report, logicalName: "x07.wasm.slo.eval.report"))
            }
            artifacts += [snapshotRef, reportRef]
            list(snapshotRef, role: "metrics_snapshot", kind: SchemaVersion.metricsSnapshot)
            list(reportRef, role: "slo_eval_report", kind: SchemaVersion.wasmSLOEvalReport)
            meta.retry_budget.consumed[key] = attempt
            meta.analysis = .init(last_slo_decision: result.decision,
                                  last_snapshot: .init(kind: SchemaVersion.metricsSnapshot, digest: snapshotRef.digest,
                                                       label: snapshot.path, store_uri: snapshotRef.store_uri),
                                  last_slo_report: .init(kind: SchemaVersion.wasmSLOEvalReport, digest: reportRef.digest,
                                                         label: "slo_eval", store_uri: reportRef.store_uri),
                                  last_analysis_step_idx: index)
            execution.steps[index].attempt = attempt
            execution.steps[index].analysis_decision = result.decision
            let evidence = [TypedRef(kind: SchemaVersion.metricsSnapshot, digest: snapshotRef.digest, label: "metrics_snapshot"),
                            TypedRef(kind: SchemaVersion.wasmSLOEvalReport, digest: reportRef.digest, label: "slo_eval_report")]
            execution.steps[index].evidence = (execution.steps[index].evidence ?? []) + evidence
            switch result.decision {
            case .promote where require == .promote, .rollback where require == .rollback:
                try record(index, kind: "deploy.analysis.slo", outcome: .allow, code: ReasonCode.sloDecided(result.decision),
                       message: "attempt \(attempt): \(result.decision.rawValue)", evidence: evidence, attempt: attempt)
                return nil
            case .inconclusive, .none:
                try record(index, kind: "deploy.analysis.slo", outcome: .deny, code: ReasonCode.sloInconclusive,
                       message: "attempt \(attempt): missing metrics \(result.missing.joined(separator: ", "))",
                       evidence: evidence, attempt: attempt)
                try persist()
            case .promote, .rollback:
                try record(index, kind: "deploy.analysis.slo", outcome: .deny, code: ReasonCode.sloRollback,
                       message: "attempt \(attempt): \(result.violations) SLO violation(s); required \(require.rawValue)",
                       evidence: evidence, attempt: attempt)
                try rollBack(at: index)
                return .rolledBack
            }
        }
    }

    /// A slot's health as the meta records it, from a stored probe.
    private func health(_ probe: ArtifactRef) -> ExecutionMetaLocal.Health {
        .init(ok: true, last_probe_unix_ms: clock.unixMs(step: tick),
              last_report: .init(kind: SchemaVersion.slotHealth, digest: probe.digest, label: "runtime_probe", store_uri: probe.store_uri))
    }

    /// Routing and pause steps carry out the last gate's decision rather than deciding anything
    /// themselves (as the reference system records them): the step links that decision.
    private mutating func linkAuthorizingDecision(_ index: Int) {
        if let latest = meta.latest_decision_id { execution.steps[index].decisions = [latest] }
    }

    /// Adds a stored document to the execution's artifact list (`meta.artifacts`), numbered per role.
    private mutating func list(_ ref: ArtifactRef, role: String, kind: String) {
        guard !meta.artifacts.contains(where: { $0.role == role && $0.digest == ref.digest }) else { return }
        let ord = meta.artifacts.filter { $0.role == role }.count
        meta.artifacts.append(.init(role: role, ord: ord, kind: kind, digest: ref.digest, media_type: ref.media_type,
                                    logical_name: ref.logical_name, store_uri: ref.store_uri))
    }

    /// The step failed and ended the deployment.
    private mutating func fail(step index: Int, status: ExecutionStatus, outcome: DeployOutcome) {
        execution.end(status, outcome: outcome, meta: &meta, at: clock.unixMs(step: tick))
        execution.steps[index].status = .error
        execution.steps[index].ended_unix_ms = now()
    }

    /// Weight 0, candidate stopped, outcome rolled_back, and an slo_rollback incident.
    private mutating func rollBack(at index: Int) throws {
        let failedWeight = meta.routing.candidate_weight_pct
        try setWeight(0, at: index)
        try target.stopCandidate(execId: execution.exec_id)
        meta.candidateStopped(at: clock.unixMs(step: tick))
        // A rollback completes the deployment: the old release serves everything again.
        fail(step: index, status: .completed, outcome: .rolledBack)
        // The store updates the stored execution's incident counts; persist() keeps them.
        artifacts += try RollbackIncident.capture(state: state, execution: execution, meta: meta, runId: runId,
                                                  packManifest: packManifest, decisionId: decisionRefs.last?.id,
                                                  weightPct: failedWeight, failedRequest: feed.live?.window?.candidateError,
                                                  nowUnixMs: now()).artifacts
        try persist()
    }

    /// Writes the decision for a step and links it from the step and the meta.
    private mutating func record(_ index: Int, kind: String, outcome: DecisionOutcome, code: String, message: String,
                                 evidence: [TypedRef] = [], attempt: Int = 1) throws {
        let id = Identifier.make(.decision, parts: [runId, String(index), String(attempt), kind])
        let decision = try DecisionRecord(
            decision_id: id, run_id: runId, created_unix_ms: now(), kind: kind, outcome: outcome,
            reasons: [DecisionRecord.Reason(code: code, message: message)], evidence: evidence, subject: nil,
            meta: ["exec_id": .string(execution.exec_id), "step_idx": .number(Double(index))])
        let ref = try state.write { tx in
            try tx.writeRecord(try JSON(encoding: decision), at: StateDirectory.decisionRecord(id), logicalName: "lp.decision.record")
        }
        artifacts.append(ref)
        decisionRefs.append((id, ref.digest))
        execution.steps[index].decisions = (execution.steps[index].decisions ?? []) + [id]
        meta.latest_decision_id = id
    }
}
