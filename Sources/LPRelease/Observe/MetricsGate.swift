import LPCore
import LPState
import LPModel
import LPStage
import LPIncident
import LPApply

/// A plan's `metrics.eval` step, evaluated by `release-observe` (docs/device-release.md#observe):
/// the next OTLP export of the release becomes a metrics snapshot, the plan's SLO profile judges
/// it, and any native incident in it fails the gate. A failed gate pauses the store rollout
/// (when the store can), then pauses, halts or hands the release to a human by `on_fail`.
struct MetricsGate {
    let release: ReleaseContext
    let plan: DeviceReleasePlan
    let provider: StoreProvider
    let profile: ProviderProfile

    /// Evaluates the gate at step `i`; true when it passed.
    func evaluate(_ execId: String, index i: Int, step: DeviceReleasePlan.Step, at now: Int64) throws -> Bool {
        let state = release.state
        let execution = try release.store.load(execId)
        let seq = execution.meta.analysis_seq + 1
        let records = try observation(execution, seq: seq)
        let incidents = TelemetryIncidents.classify(records)
        guard let metrics = TelemetryMetrics.of(records) ?? (incidents.isEmpty ? nil : TelemetryMetrics.failed) else {
            throw LPError(.metricsMissing, code: ReasonCode.metricsSnapshotMissing,
                          "observation \(seq) of \(execId) holds no app.http event and no native incident: nothing to judge")
        }
        var labels = ["app": execution.meta.app.app_id, "env": "device_release", "x07.release.exec_id": execId,
                      "x07.release.plan_id": plan.plan_id, "x07.package.sha256": plan.package.digest.sha256,
                      "x07.provider.kind": execution.meta.provider_kind.rawValue,
                      "x07.provider.lane": execution.meta.distribution_lane.rawValue, "x07.telemetry_source": "device_otlp_logs"]
        if let percent = execution.meta.current_rollout_percent { labels["x07.rollout.percent"] = String(percent) }
        let snapshot = metrics.snapshot(takenAtUnixMs: now, labels: labels)
        let snapshotName = "analysis.\(seq).json"
        guard let thresholds = step.thresholds, Hex.isSHA256(thresholds.digest.sha256) else {
            throw LPError(.releaseNotReady, code: PlanValidation.code, "step \(i) (\(step.id)) names no SLO profile")
        }
        let sloPath = DeviceReleasePaths.sloProfile(thresholds.digest.sha256)
        guard state.exists(sloPath) else {
            throw LPError(.usage, code: "LP_NOT_FOUND",
                          "the SLO profile of step \(step.id) (sha256 \(thresholds.digest.sha256)) is not in \(state.root); create the plan again with --slo-profile")
        }
        let sloProfile = try state.readJSON(sloPath)
        let evaluation = SLOEvaluation.evaluate(profile: sloProfile, profileDigest: DigestRef(of: sloProfile), snapshot: snapshot,
                                                snapshotDigest: DigestRef(of: snapshot), snapshotName: snapshotName)
        // Any native incident fails the gate, whatever the HTTP metrics say.
        let decision: SLODecision = incidents.isEmpty ? evaluation.decision : .rollback
        let passed = decision == .promote
        let onFail = MetricsOnFail(rawValue: step.on_fail ?? "") ?? .pause
        let storePause = passed ? nil : pauseAtStore(execution)

        try state.write { tx in
            var stored = try release.store.load(execId, from: tx)
            guard stored.meta.next_step_idx == i, [.active, .waitingForObservation].contains(stored.meta.automation_state) else {
                throw LPError(.stateLocked, code: "LP_DEVICE_RELEASE_BUSY", "\(execId) moved on while it was observed; observe it again")
            }
            let records_ = ReleaseRecords(tx: tx)
            let snapshotRef = try tx.writeRecord(snapshot, at: DeviceReleasePaths.metricsSnapshot(execId, seq: seq),
                                                 logicalName: "x07.metrics.snapshot")
            let reportRef = try tx.putBlob(evaluation.report, logicalName: "x07.wasm.slo.eval.report")
            stored.meta.artifacts.append(.init(role: "metrics_snapshot", kind: SchemaVersion.metricsSnapshot, digest: snapshotRef.digest,
                                               store_uri: snapshotRef.store_uri))
            stored.meta.artifacts.append(.init(role: "slo_eval_report", kind: SchemaVersion.wasmSLOEvalReport, digest: reportRef.digest,
                                               store_uri: reportRef.store_uri))
            let snapshotTyped = TypedRef(kind: SchemaVersion.metricsSnapshot, digest: snapshotRef.digest, label: snapshotName)
            let reportTyped = TypedRef(kind: SchemaVersion.wasmSLOEvalReport, digest: reportRef.digest, label: "slo_eval.\(seq).json")
            var evidence = [snapshotTyped, reportTyped]
            if !incidents.isEmpty {
                evidence.append(try records_.evidence(
                    ["classes": .array(incidents.map { .string($0.classification.rawValue) }), "observation": .number(Double(seq))],
                    suffix: "metrics_eval_\(i)_telemetry", role: "telemetry_incidents", execution: &stored))
            }
            let (outcome, code): (DecisionOutcome, String) = !incidents.isEmpty ? (.deny, ReasonCode.deviceTelemetryIncident)
                : decision == .promote ? (.allow, ReasonCode.deviceSLOPromote)
                : decision == .rollback ? (.deny, ReasonCode.deviceSLOFail) : (.error, ReasonCode.deviceSLOInconclusive)
            var message = "metrics decision \(decision.rawValue) (\(evaluation.violations) SLO violations)"
            if !incidents.isEmpty { message += "; native incidents: " + incidents.map(\.classification.rawValue).joined(separator: ", ") }
            if let storePause { message += "; store: " + storePause.message }
            let (record, _) = try records_.decision(
                Identifier.make(.decision, parts: [execId, "metrics", String(i), String(seq)]), kind: DeviceDecisionKind.metricsEval,
                outcome: outcome, code: code, message: message, evidence: evidence, stepIdx: i, at: now, execution: &stored,
                extraMeta: ["op": .string(ReleaseOp.metricsEval.rawValue), "observation": .number(Double(seq))])
            stored.meta.latest_metrics_snapshot = snapshotTyped
            stored.meta.latest_slo_eval_report = reportTyped
            stored.meta.latest_eval_outcome = passed ? .ok : decision == .inconclusive && incidents.isEmpty ? .inconclusive : .fail
            stored.meta.analysis_seq = seq
            stored.meta.next_step_idx = i + 1
            stored.meta.updated_unix_ms = now
            if passed {
                stored.meta.automation_state = .active
            } else {
                if let outcome = storePause?.outcome {
                    stored.meta.current_state = outcome.state
                    stored.meta.current_rollout_percent = outcome.percent
                    stored.meta.latest_store_release_id = outcome.storeReleaseId ?? stored.meta.latest_store_release_id
                }
                switch onFail {
                case .pause:
                    (stored.status, stored.meta.automation_state, stored.meta.current_state) = (.started, .paused, .paused)
                case .halt:
                    (stored.status, stored.meta.automation_state, stored.meta.current_state) = (.aborted, .stopped, .halted)
                case .requireHuman:
                    (stored.status, stored.meta.automation_state, stored.meta.current_state) = (.started, .waitingForHuman, .paused)
                }
            }
            var stepRecord = DeviceReleaseExecution.Step(idx: i, name: step.id, kind: step.op.rawValue, status: passed ? .ok : .error,
                                                         started_unix_ms: now, ended_unix_ms: now, decisions: [record.decision_id])
            stepRecord.evidence = [snapshotTyped, reportTyped]
            stored.record(stepRecord)
            stored.meta.recount()
            try release.store.save(stored, in: tx)

            let incidentStore = IncidentStore(state: state)
            let context = TelemetryIncidents.context(records, base: NativeContext(stored))
            for found in incidents {
                let capture = ReleaseIncident.capture(stored, classification: found.classification.rawValue, source: "device_host",
                                                      reason: found.reason, decisionId: record.decision_id, context: context,
                                                      nowUnixMs: now)
                _ = try incidentStore.capture(capture, in: tx)
            }
            if !passed {
                let capture = ReleaseIncident.capture(stored, classification: "device_release_gate_failed", source: "device_release",
                                                      reason: "device release metrics decision is \(decision.rawValue)",
                                                      decisionId: record.decision_id, nowUnixMs: now)
                _ = try incidentStore.capture(capture, in: tx)
            }
        }
        return passed
    }

    /// The records of observation `seq` that belong to this release.
    private func observation(_ execution: DeviceReleaseExecution, seq: Int) throws -> [TelemetryRecord] {
        let state = release.state
        let candidates = [DeviceReleasePaths.telemetryExport(execution.exec_id, seq: seq), DeviceReleasePaths.telemetryFallback(execution.exec_id)]
        guard let relative = candidates.first(where: state.exists) else {
            throw LPError(.metricsMissing, code: ReasonCode.metricsSnapshotMissing,
                          "no telemetry for observation \(seq) of \(execution.exec_id): put its OTLP/JSON log export at \(state.path(candidates[0]))")
        }
        let bytes = try InputDocument.readFile(state.path(relative), limit: InputDocument.defaultMaxBytes)
        let records = try OTLPExport.read(bytes, source: state.path(relative), correlation: .init(
            execId: execution.exec_id, planId: execution.plan_id, appId: execution.meta.app.app_id,
            packageSHA256: execution.meta.package_digest.sha256))
        guard !records.isEmpty else {
            throw LPError(.invalidInput, code: "LP_DEVICE_TELEMETRY_UNCORRELATED",
                          "\(state.path(relative)) holds no device event of release \(execution.exec_id)", stage: .parse)
        }
        return records
    }

    /// Pauses the store rollout after a failed gate, when the store can pause and the rollout is
    /// live; what happened goes into the gate's decision either way.
    private func pauseAtStore(_ execution: DeviceReleaseExecution) -> (outcome: StoreOutcome?, message: String)? {
        let capabilities = ProviderCapabilities(kind: profile.kind, lane: profile.lane)
        guard capabilities.supports(.pause), [.inProgress, .available].contains(execution.meta.current_state) else { return nil }
        let context = StoreContext(execId: execution.exec_id, state: execution.meta.current_state,
                                   percent: execution.meta.current_rollout_percent, storeReleaseId: execution.meta.latest_store_release_id,
                                   lane: profile.lane, initialPercent: profile.initialPercent, app: plan.app)
        do {
            let outcome = try provider.perform(.pause, percent: nil, at: context)
            return (outcome, outcome.message)
        } catch {
            return (nil, "pausing the rollout failed: \(error)")
        }
    }
}
