import LPCore
import LPState
import LPModel
import LPApply

/// Writing the evidence of a release inside a write transaction: evidence files
/// (`device_release/evidence/<exec>.<suffix>.json`, written once) and decision records, each
/// counted on the execution and listed in its meta.
struct ReleaseRecords {
    let tx: WriteTransaction

    /// Writes an evidence document and lists it on the execution; returns its reference.
    func evidence(_ document: JSON, suffix: String, role: String, execution: inout DeviceReleaseExecution) throws -> TypedRef {
        let relative = DeviceReleasePaths.evidence(execution.exec_id, suffix)
        let ref = try tx.writeRecord(document, at: relative, logicalName: "x07lp.device.release.evidence")
        execution.meta.artifacts.append(.init(role: role, kind: nil, digest: ref.digest, store_uri: ref.store_uri))
        return TypedRef(kind: nil, digest: ref.digest, label: role)
    }

    /// Writes a decision about `execution` (`meta.exec_id` names it) and counts it.
    @discardableResult
    func decision(_ id: String, kind: String, outcome: DecisionOutcome, code: String, message: String, evidence: [TypedRef] = [],
                  stepIdx: Int?, at nowUnixMs: Int64, execution: inout DeviceReleaseExecution,
                  signer: ControlSigner? = nil, extraMeta: [String: JSON] = [:]) throws -> (DecisionRecord, ArtifactRef) {
        var meta: [String: JSON] = ["exec_id": .string(execution.exec_id), "release_plan_id": .string(execution.plan_id)]
        if let stepIdx { meta["step_idx"] = .number(Double(stepIdx)) }
        meta.merge(extraMeta) { _, new in new }
        var record = try DecisionRecord(
            decision_id: id, run_id: execution.run_id, created_unix_ms: nowUnixMs, kind: kind, outcome: outcome,
            reasons: [DecisionRecord.Reason(code: code, message: String(message.prefix(1024)))], evidence: evidence, subject: nil,
            meta: .object(meta))
        if let signer { record = try signer.sign(record) }
        let ref = try tx.writeRecord(try JSON(encoding: record), at: StateDirectory.decisionRecord(id), logicalName: "lp.decision.record")
        execution.count(record, stepIdx: stepIdx, ref: ref)
        return (record, ref)
    }
}
