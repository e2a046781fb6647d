import LPCore
import LPState
import LPModel
import LPStage
import LPApply

/// What every manual control of a release shares (docs/device-release.md#controls): in one
/// write transaction, change the execution, write an Ed25519-signed decision (the key of
/// `ControlSigner`), store the `lp.control.action.result@0.1.0` receipt under control/actions/,
/// and return it. The same action again (same release, reason and time) answers with its receipt.
struct ReleaseControl {
    let release: ReleaseContext
    /// pause, resume, complete, rollback, halt, stop, rerun, observe.
    let action: String
    let decisionKind: String
    let reasonCode: String
    let reason: String
    let execId: String
    let now: Int64

    init(_ release: ReleaseContext, action: String, decisionKind: String, reasonCode: String) throws {
        self.release = release
        self.action = action
        self.decisionKind = decisionKind
        self.reasonCode = reasonCode
        self.reason = ReleaseOptions.reasonText(release.ctx)
        self.execId = try ReleaseOptions.releaseId(release.ctx)
        self.now = release.ctx.clock.unixMs()
        try StateDirectory.checkComponent(execId, what: "release execution id")
    }

    /// `device.release.<action>.manual`, the receipt's kind.
    var kind: String { "device.release.\(action).manual" }
    var actionId: String { Identifier.make(.action, parts: [kind, execId, reason, String(now)]) }
    var decisionId: String { Identifier.make(.decision, parts: [actionId, kind]) }

    /// What a control did, for its decision and receipt.
    struct Effect {
        var evidence: [TypedRef] = []
        /// A `manual_<action>` step is recorded on the execution.
        var recordsStep = true
        var newExecutionId: String?
        var showsStateAfter = true
    }

    /// The receipt this action already recorded, if any.
    func recordedReceipt() throws -> StageOutput? {
        let relative = StateDirectory.controlAction(actionId)
        guard release.state.exists(relative) else { return nil }
        return StageOutput(result: try release.state.readJSON(relative),
                           diagnostics: [Diagnostic(code: "LP_CONTROL_ALREADY_RECORDED", severity: .info,
                                                    message: "action \(actionId) was already recorded; nothing changed")])
    }

    /// Applies `change` to the execution and records the signed decision and the receipt.
    func perform(stateBefore: JSON? = nil,
                 _ change: (inout DeviceReleaseExecution, ReleaseRecords, WriteTransaction) throws -> Effect) throws -> StageOutput {
        try release.state.write { tx in
            let receiptPath = StateDirectory.controlAction(actionId)
            if tx.exists(receiptPath) {
                return StageOutput(result: try tx.readJSON(receiptPath))
            }
            let signer = try ControlSigner.load(signingKeyPath: release.ctx.arguments.value("--signing-key"), in: tx)
            var execution = try release.store.load(execId, from: tx)
            let before = stateBefore ?? Self.snapshot(execution)
            let records = ReleaseRecords(tx: tx)
            let effect = try change(&execution, records, tx)
            let affected = [execId] + (effect.newExecutionId.map { [$0] } ?? [])
            let target: JSON = ["release_exec_id": .string(execId)]
            let (_, ref) = try records.decision(
                decisionId, kind: decisionKind, outcome: .allow, code: reasonCode, message: reason, evidence: effect.evidence,
                stepIdx: nil, at: now, execution: &execution, signer: signer,
                extraMeta: ["action_id": .string(actionId), "action": .string(kind), "scope": "device_release", "target": target,
                            "affected_executions": .array(affected.map(JSON.string)), "signer_keyid": .string(signer.keyId)])
            execution.meta.latest_signed_control_decision_id = decisionId
            execution.meta.signature_status = .valid
            execution.meta.updated_unix_ms = max(execution.meta.updated_unix_ms, now)
            if effect.recordsStep {
                execution.record(.init(idx: execution.steps.count, name: "manual_\(action)", kind: kind, status: .ok,
                                       started_unix_ms: now, ended_unix_ms: now, decisions: [decisionId]))
            }
            execution.meta.recount()
            try release.store.save(execution, in: tx)
            let receipt: JSON = [
                "schema_version": .string(SchemaVersion.controlActionResult), "action_id": .string(actionId), "kind": .string(kind),
                "scope": "device_release", "ok": true, "approval_state": "not_required", "created_unix_ms": .number(Double(now)),
                "target": target, "reason": .string(reason), "affected_executions": .array(affected.map(JSON.string)),
                "new_execution_id": effect.newExecutionId.map(JSON.string) ?? .null,
                "state_before": before, "state_after": effect.showsStateAfter ? Self.snapshot(execution) : .null,
                "decision": ["decision_id": .string(decisionId), "signature_status": "valid",
                             "record": ["kind": .string(DecisionRecord.schemaVersion), "digest": ref.digest.json,
                                        "store_uri": .string(ref.store_uri)]],
            ]
            let receiptRef = try tx.writeRecord(receipt, at: receiptPath, logicalName: "lp.control.action.result")
            return StageOutput(result: receipt, artifacts: [ref, receiptRef], runId: execution.run_id)
        }
    }

    /// The receipt's `state_before` / `state_after` (the contract's device_release_state).
    static func snapshot(_ execution: DeviceReleaseExecution) -> JSON {
        let meta = execution.meta
        return ["status": .string(execution.status.rawValue), "automation_state": .string(meta.automation_state.controlActionValue),
                "current_state": .string(meta.current_state.rawValue),
                "current_rollout_percent": meta.current_rollout_percent.map { .number(Double($0)) } ?? .null,
                "latest_store_release_id": meta.latest_store_release_id.map(JSON.string) ?? .null,
                "latest_eval_outcome": .string(meta.latest_eval_outcome.rawValue)]
    }

    func notApplicable(_ execution: DeviceReleaseExecution, _ why: String) -> LPError {
        LPError(.usage, code: "LP_CONTROL_NOT_APPLICABLE",
                "cannot \(action) release \(execId): \(why) (status \(execution.status.rawValue), store state \(execution.meta.current_state.rawValue), automation \(execution.meta.automation_state.rawValue))")
    }
}
