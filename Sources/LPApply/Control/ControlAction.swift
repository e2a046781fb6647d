import LPCore
import LPState
import LPModel
import LPIndex
import LPStage
import LPIncident

/// What every control action shares (docs/deploy.md#control-actions): in one write transaction, change the state, write
/// an Ed25519-signed decision record, store the `lp.control.action.result@0.1.0` under
/// control/actions/, and return it. The change itself is the `apply` closure of each kind.
struct ControlAction {
    struct DeployState: Equatable {
        var status: ExecutionStatus
        var controlState: ControlState
        var killScope: KillScope
        var killLatched: Bool

        var json: JSON {
            ["status": .string(status.rawValue), "control_state": .string(controlState.rawValue), "kill_scope": .string(killScope.rawValue),
             "kill_latched": .bool(killLatched)]
        }

        init(_ execution: DeployExecution) {
            let meta = execution.localMeta
            status = execution.status
            controlState = meta?.control_state ?? .active
            killScope = meta?.kill_scope ?? .none
            killLatched = meta?.kill_latched ?? false
        }
    }

    /// What an action changed, for its result document.
    struct Effect {
        var target: JSON
        var runId: String
        var affected: [String]
        var before: DeployState?
        var after: DeployState?
        var newExecutionId: String?
    }

    let ctx: StageContext
    let kind: String          // deploy.pause.manual, app.kill, ...
    let scope: String         // deployment | app | platform
    let reason: String

    /// Runs `apply` in one write transaction; it receives the decision id it must link and the time.
    func perform(seed: [String],
                 apply: (_ decisionId: String, _ nowUnixMs: Int64, _ tx: WriteTransaction) throws -> Effect) throws -> StageOutput {
        try ctx.state.write { tx in try perform(seed: seed, in: tx, apply: apply) }
    }

    private func perform(seed: [String], in tx: WriteTransaction,
                         apply: (_ decisionId: String, _ nowUnixMs: Int64, _ tx: WriteTransaction) throws -> Effect) throws -> StageOutput {
        let signer = try ControlSigner.load(signingKeyPath: ctx.arguments.value("--signing-key"), in: tx)
        let now = ctx.clock.unixMs()
        let actionId = Identifier.make(.action, parts: [kind] + seed + [reason, String(now)])
        let decisionId = Identifier.make(.decision, parts: [actionId, kind])
        // The same action again (same target, reason and time: a re-run after a crash, or twice
        // in a row) answers with the receipt it recorded instead of acting twice.
        let receipt = StateDirectory.controlAction(actionId)
        if tx.exists(receipt) {
            return StageOutput(result: try tx.readJSON(receipt),
                               diagnostics: [Diagnostic(code: "LP_CONTROL_ALREADY_RECORDED", severity: .info,
                                                        message: "action \(actionId) was already recorded; nothing changed")])
        }
        let effect = try apply(decisionId, now, tx)

        let decision = try signer.sign(DecisionRecord(
            decision_id: decisionId, run_id: effect.runId, created_unix_ms: now, kind: "control." + kind,
            outcome: .allow,
            reasons: [DecisionRecord.Reason(code: ReasonCode.control(kind),
                                            message: String(reason.prefix(1024)))],
            evidence: [], subject: nil,
            meta: ["action_id": .string(actionId), "scope": .string(scope), "target": effect.target,
                   "affected_executions": .array(effect.affected.map(JSON.string)), "signer_keyid": .string(signer.keyId)]))
        let decisionJSON = try JSON(encoding: decision)
        let status = DecisionSignatures.verify(decisionJSON, trustedKeys: [signer.publicKey])
        let decisionRef = try tx.writeRecord(decisionJSON, at: StateDirectory.decisionRecord(decisionId),
                                                    logicalName: "lp.decision.record")
        let result: [String: JSON] = [
            "schema_version": .string(SchemaVersion.controlActionResult), "action_id": .string(actionId), "kind": .string(kind),
            "scope": .string(scope), "ok": true, "approval_state": "not_required", "created_unix_ms": .number(Double(now)),
            "target": effect.target, "reason": .string(reason), "affected_executions": .array(effect.affected.map(JSON.string)),
            "new_execution_id": effect.newExecutionId.map(JSON.string) ?? .null,
            "state_before": effect.before?.json ?? .null, "state_after": effect.after?.json ?? .null,
            "decision": ["decision_id": .string(decisionId), "signature_status": .string(status == .valid ? "valid" : "invalid"),
                         "record": ["kind": .string(DecisionRecord.schemaVersion), "digest": decisionRef.digest.json,
                                    "store_uri": .string(decisionRef.store_uri)]],
        ]
        let document = JSON.object(result)
        let actionRef = try tx.writeRecord(document, at: StateDirectory.controlAction(actionId),
                                                  logicalName: "lp.control.action.result")
        return StageOutput(result: document, artifacts: [decisionRef, actionRef], runId: effect.runId)
    }
}

/// The execution a deployment control acts on, and what signing a change of it records.
extension ControlAction {
    func loadExecution() throws -> DeployExecution {
        try ExecutionStore(state: ctx.state).load(try ctx.arguments.required("--deployment-id", ctx.spec))
    }

    /// The meta of a changed execution names the signed control decision that changed it.
    static func sign(_ meta: inout ExecutionMetaLocal, decisionId: String, nowUnixMs: Int64) {
        meta.latest_signed_control_decision_id = decisionId
        meta.latest_decision_id = decisionId
        meta.signature_status = .valid
        meta.updated_unix_ms = nowUnixMs
    }
}
