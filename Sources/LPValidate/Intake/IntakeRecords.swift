import LPCore
import LPState
import LPModel
import LPIndex
import LPStage

/// Writes what an intake decided: input blobs, step reports, the decision, the run and the
/// execution, in one write transaction, after every check has run.
struct IntakeRecords {
    let clock: LogicalClock
    var artifacts: [ArtifactRef] = []
    private var extraArtifacts: [ArtifactRef] = []

    init(clock: LogicalClock) {
        self.clock = clock
    }

    struct Written {
        var execution: JSON
        var executionRef: ArtifactRef
        var runRef: ArtifactRef
        var decisionRef: ArtifactRef
        var runId: String
        var execId: String
        var decisionId: String
    }

    mutating func write(inputs: IntakeInputs, pack: IngestedPack, manifest: JSON, manifestDigest: DigestRef,
                        parsedManifest: PackManifest, outcome: IntakeGates.Outcome, in tx: WriteTransaction) throws -> Written {
        let runId = Identifier.make(.run, parts: inputs.seedParts(manifest: manifestDigest) + [String(clock.unixMs())])
        let execId = Identifier.make(.execution, parts: [runId])
        // The same inputs at the same pinned time name the same deployment: accepting them again
        // rewrites identical records, but never a deployment that has moved on since.
        let store = ExecutionStore(state: tx.state)
        if tx.state.exists(StateDirectory.execution(execId)) {
            let existing = try store.load(execId)
            let asIntakeLeftIt = existing.plan == nil && existing.steps.isEmpty
                && (existing.meta == nil || existing.meta == .intakeRejected)
            guard asIntakeLeftIt else {
                throw LPError(.usage, code: "LP_DEPLOYMENT_EXISTS",
                              "these inputs were accepted at this time already as deployment \(execId), which is \(existing.status.rawValue) "
                              + "now; accept again at another time (--now-unix-ms) or query it (x07lp deploy status --deployment-id \(execId))")
            }
        }
        for staged in pack.files.values { try staged.commit(in: tx) }
        let decisionId = Identifier.make(.decision, parts: [runId, "intake"])
        var tick = 0
        func now() -> Int64 { defer { tick += 1 }; return clock.unixMs(step: tick) }
        let created = now()

        // Stored in the order the reference system lists them; other inputs follow the records.
        let manifestRef = try tx.putBlob(manifest, logicalName: "pack_manifest")
        let verify = VerifyReport.make(manifestName: inputs.manifestName, manifestDigest: manifestDigest,
                                       manifest: parsedManifest, files: pack.files.count)
        let verifyRef = try tx.putBlob(verify, logicalName: "x07.wasm.app.verify.report")
        let changeRef = try tx.putBlob(inputs.changeRequest.json, logicalName: "lp.change_request")
        artifacts = [manifestRef, verifyRef, changeRef]

        /// Stored under its contract's name without the version (the blob's logical name).
        func putRaw(_ doc: ContractDocument?, _ kind: String) throws -> TypedRef? {
            guard let doc else { return nil }
            let logicalName = String(kind.prefix { $0 != "@" })
            extraArtifacts.append(try tx.putBlob(doc.bytes, logicalName: logicalName))
            return TypedRef(kind: kind, digest: doc.rawDigest, label: doc.path)
        }
        let opsRef = try putRaw(inputs.ops, SchemaVersion.appOpsProfile)
        let sloRef = try putRaw(inputs.slo, SchemaVersion.sloProfile)
        let policyRefs = try inputs.policies.compactMap { try putRaw($0, SchemaVersion.policyCard) }
        let provenanceRef = try putRaw(inputs.provenance, SchemaVersion.provenanceDSSEEnvelope)

        let packRef = TypedRef(kind: SchemaVersion.appPack, digest: manifestDigest, label: "pack_manifest")
        var steps: [PipelineRun.Step] = []
        let ingestStart = now()
        steps.append(.init(step_id: "ingest", kind: "ingest_artifact", status: "ok", attempt: 1,
                           started_unix_ms: ingestStart, ended_unix_ms: now(), inputs: [],
                           outputs: [packRef], message: "\(pack.files.count) files, \(pack.totalBytes) bytes"
                               + (pack.skippedManifests.isEmpty ? "" : "; other manifests not ingested: "
                                   + pack.skippedManifests.joined(separator: ", "))))
        let verifyStart = now()
        steps.append(.init(step_id: "app_verify", kind: "x07_wasm_app_verify", status: "ok", attempt: 1,
                           started_unix_ms: verifyStart, ended_unix_ms: now(), inputs: [packRef],
                           outputs: [TypedRef(kind: SchemaVersion.wasmAppVerifyReport, digest: verifyRef.digest, label: "app_verify")],
                           message: nil))
        var evidence = [TypedRef(kind: SchemaVersion.wasmAppVerifyReport, digest: verifyRef.digest, label: "app_verify")]
        let gateInputs: [String: [TypedRef]] = [
            "required_checks": [],
            "ops_validate": [opsRef, sloRef].compactMap { $0 } + policyRefs,
            "provenance_verify": [provenanceRef, opsRef, sloRef].compactMap { $0 } + [packRef],
            "policy_eval": policyRefs,
        ]
        for gate in outcome.gates {
            let inputsUsed = gateInputs[gate.name] ?? []
            let report = GateReport(gate: gate.name, findings: gate.findings,
                                    inputs: inputsUsed.map { ($0.label ?? $0.kind ?? "input", $0.digest) })
            let reportRef = try tx.putBlob(try JSON(encoding: report), logicalName: "x07lp.gate.report")
            extraArtifacts.append(reportRef)
            let typed = TypedRef(kind: SchemaVersion.gateReport, digest: reportRef.digest, label: gate.name)
            evidence.append(typed)
            let start = now()
            steps.append(.init(step_id: gate.name, kind: gate.name == "required_checks" ? "decision_intake" : "x07_wasm_ops_validate",
                               status: report.ok ? "ok" : "error", attempt: 1, started_unix_ms: start, ended_unix_ms: now(),
                               inputs: inputsUsed, outputs: [typed],
                               message: gate.findings.first { $0.severity == .error }?.message))
        }

        let allowed = outcome.allowed
        let validateOnly = inputs.intent == .validateOnly
        let reasons = allowed
            ? [DecisionRecord.Reason(code: ReasonCode.intakeAllowed, message: "every gate passed")]
                + (validateOnly ? [DecisionRecord.Reason(code: ReasonCode.intentValidateOnly,
                                                         message: "intent validate_only: never planned or run")] : [])
            : outcome.errors.prefix(64).map { DecisionRecord.Reason(code: $0.code, message: String($0.message.prefix(1024))) }
        let decisionMeta: JSON = [
            "change_id": .string(inputs.changeId), "app_id": .string(inputs.appId),
            "environment": .string(inputs.environment), "intent": .string(inputs.intent.rawValue),
            "policy_mode": .string(inputs.enforcePolicy ? "enforce" : "warn"),
            "required_checks": .array(inputs.requiredChecks.map(JSON.string)),
            "constraints": inputs.changeRequest.json["constraints"] ?? .null,
            "warnings": .array(outcome.warnings.map { .string("\($0.code): \($0.message)") }),
        ]
        let decision = try DecisionRecord(decision_id: decisionId, run_id: runId, created_unix_ms: now(),
                                          kind: "intake.accept", outcome: allowed ? .allow : .deny,
                                          reasons: reasons, evidence: evidence, subject: packRef, meta: decisionMeta)
        let decisionRef = try tx.writeRecord(try JSON(encoding: decision), at: StateDirectory.decisionRecord(decisionId),
                                                logicalName: "lp.decision.record")
        let decisionStart = now()
        steps.append(.init(step_id: "decision", kind: "decision_intake", status: allowed ? "ok" : "error", attempt: 1,
                           started_unix_ms: decisionStart, ended_unix_ms: now(), inputs: evidence,
                           outputs: [TypedRef(kind: DecisionRecord.schemaVersion, digest: decisionRef.digest, label: "intake")],
                           message: allowed ? "allow" : "deny"))

        let run = PipelineRun(
            run_id: runId, created_unix_ms: created,
            inputs: .init(change_request: .init(change_id: inputs.changeId,
                                                artifact: TypedRef(kind: SchemaVersion.changeRequest, digest: changeRef.digest)),
                          artifact: .init(kind: SchemaVersion.appPack,
                                          manifest: .init(kind: SchemaVersion.appPack, digest: manifestDigest),
                                          profile_id: parsedManifest.profile_id),
                          vcs: inputs.changeRequest.json["source"]),
            steps: steps,
            decisions: [.init(decision_id: decisionId, record: TypedRef(kind: DecisionRecord.schemaVersion, digest: decisionRef.digest))],
            state: .init(stage: "intake", status: allowed ? "succeeded" : "failed", current_step: nil),
            meta: ["app_id": .string(inputs.appId), "environment": .string(inputs.environment), "exec_id": .string(execId)])
        let runRef = try tx.writeRecord(try run.json(), at: StateDirectory.runRecord(runId), logicalName: "lp.pipeline.run")

        // A validate_only change that passed ends here: terminal, no plan, no steps; lp-plan and
        // lp-apply read its intent from the accepted change request and refuse it.
        let execution = DeployExecution(exec_id: execId, run_id: runId, created_unix_ms: created,
                                        status: allowed ? (validateOnly ? .completed : .planned) : .failed,
                                        meta: allowed ? nil : .intakeRejected)
        let executionJSON = try execution.json()
        let executionRef = try store.create(execution, in: tx)
        artifacts += [runRef, decisionRef, executionRef] + extraArtifacts
        return Written(execution: executionJSON, executionRef: executionRef, runRef: runRef, decisionRef: decisionRef,
                       runId: runId, execId: execId, decisionId: decisionId)
    }
}
