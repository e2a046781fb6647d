import LPCore
import LPState
import LPModel
import LPIndex
import LPStage
import LPIncident

/// Checks, at view time and from the files, the signatures of the records a view shows: a
/// `signature_status` printed by a view comes from checking the record now, never from what the
/// index or another record remembers (docs/state.md#tamper-evidence). Trusted keys: those of
/// `$X07LP_TRUSTED_KEYS` when set, else `keys/*.pub.pem` (trusted on first use, as `state verify`).
struct ViewSignatures {
    let state: StateDirectory
    let trustedKeys: [Ed25519.PublicKey]

    init(_ ctx: StageContext) {
        state = ctx.state
        let given = DecisionSignatures.environmentKeys(ctx.environment).keys.map(\.key)
        trustedKeys = given.isEmpty ? DecisionSignatures.trustedKeys(state: ctx.state) : given
    }

    /// The status of the signed control decision an execution names.
    func execution(signedDecisionId: String?) -> String {
        DecisionSignatures.viewStatus(signedDecisionId: signedDecisionId, state: state, trustedKeys: trustedKeys).rawValue
    }

    /// An incident's status: `invalid` when its capture decision or the decision it names does
    /// not check, or its bundle is not the one the capture decision recorded; else the status of
    /// the decision it names when that one is signed; else what the incident recorded.
    /// `bundle` is the digest of the bundle as read now; without it the bundle file at `location`
    /// is read (never the digest the index remembers).
    func incident(id: String, location: IncidentLocation, bundle: DigestRef? = nil, decisionId: String?, recorded: String?) -> String {
        let recorded = recorded ?? RecordedSignatureStatus.notApplicable.rawValue
        let bundle = bundle ?? (try? state.read(location.bundlePath)).map { DigestRef(of: $0) }
        let captureId = IncidentStore.decisionId(.capture, incident: id)
        if let bytes = try? state.read(StateDirectory.decisionRecord(captureId)) {
            guard let capture = try? JSONParser.parse(bytes),
                  [.valid, .unsigned].contains(DecisionSignatures.verify(capture, trustedKeys: trustedKeys)) else { return "invalid" }
            let captured = (capture["evidence"]?.arrayValue ?? []).first { $0["label"]?.stringValue == "incident_bundle" }?["digest"]
            if let bundle, let captured, captured != bundle.json { return "invalid" }
        }
        guard let decisionId else { return recorded }
        switch DecisionSignatures.check(decisionId: decisionId, state: state, trustedKeys: trustedKeys) {
        case nil: return recorded == RecordedSignatureStatus.valid.rawValue ? RecordedSignatureStatus.missing.rawValue : recorded
        case .invalid?, .unknownKey?: return "invalid"
        case .valid?: return RecordedSignatureStatus.valid.rawValue
        case .unsigned?: return recorded
        }
    }
}

/// Builds `lp.deploy.query.result@0.1.0` views from index rows: rows in, document out; the
/// signature status is checked from the decision file (`ViewSignatures`) when `signatures` is given.
struct DeployViews {
    enum View: String, CaseIterable { case summary, timeline, decisions, artifacts, full }

    let row: ExecutionRow
    let resolution: JSON
    let indexBlock: JSON
    var signatures: ViewSignatures? = nil

    private func digest(_ ref: DigestRef?) -> JSON { ref?.json ?? .null }
    private func text(_ value: String?) -> JSON { value.map(JSON.string) ?? .null }
    private func number(_ value: Int64?) -> JSON { value.map { .number(Double($0)) } ?? .null }

    var header: [String: JSON] {
        ["schema_version": .string(SchemaVersion.deployQueryResult), "deployment_id": .string(row.exec_id), "run_id": text(row.run_id),
         "target": ["app_id": text(row.app_id), "environment": text(row.environment)],
         "resolution": resolution, "index": indexBlock]
    }

    var summary: [String: JSON] {
        ["status": text(row.status), "outcome": text(row.outcome), "created_unix_ms": number(row.created_unix_ms),
         "updated_unix_ms": number(row.updated_unix_ms), "current_weight_pct": .number(Double(row.current_weight_pct)),
         "public_listener": text(row.public_listener), "latest_decision_id": text(row.latest_decision_id),
         "latest_signed_control_decision_id": text(row.latest_signed_control_decision_id),
         "signature_status": .string(signatures?.execution(signedDecisionId: row.latest_signed_control_decision_id)
                                     ?? row.signature_status ?? "not_applicable"),
         "plan_digest": digest(row.plan), "stable_revision": digest(row.stable_revision),
         "candidate_revision": digest(row.candidate_revision), "control_state": .string(row.control_state ?? "active"),
         "kill_scope": .string(row.kill_scope ?? "none"), "kill_latched": .bool(row.kill_latched),
         "incident_count_total": .number(Double(row.incident_count_total)),
         "incident_count_open": .number(Double(row.incident_count_open)), "last_incident_id": text(row.last_incident_id)]
    }

    /// The deployment's incidents, newest first, as `linked_incidents` rows; incidents whose
    /// files are incomplete are left out, as in `incident list`.
    static func linkedIncidents(_ rows: [IncidentRow]) -> JSON {
        .array(rows.compactMap { incident in
            guard IncidentViews.row(incident) != nil, let classification = incident.classification,
                  let status = incident.status else { return nil }
            return ["incident_id": .string(incident.incident_id), "classification": .string(classification),
                    "incident_status": .string(status),
                    "captured_unix_ms": .number(Double(incident.captured_unix_ms ?? incident.created_unix_ms))]
        })
    }

    static func steps(_ rows: [StepRow]) -> JSON {
        .array(rows.map { step in
            var item: [String: JSON] = [
                "idx": .number(Double(step.idx)), "name": .string(step.name ?? "step_\(step.idx)"),
                "status": .string(step.status ?? "running"),
                "started_unix_ms": step.started_unix_ms.map { .number(Double($0)) } ?? 0,
                "ended_unix_ms": step.ended_unix_ms.map { .number(Double($0)) } ?? .null,
                "decisions": .array(step.decisions.map(JSON.string)),
            ]
            item["kind"] = step.kind.map(JSON.string)
            item["attempt"] = step.attempt.map { .number(Double($0)) }
            item["latest_weight_pct"] = step.latest_weight_pct.map { .number(Double($0)) }
            item["analysis_decision"] = step.analysis_decision.map(JSON.string)
            return .object(item)
        })
    }

    /// The deployment's own decisions (its steps and the control actions on it); intake and
    /// planning decisions belong to the run that accepted and planned it.
    static func ownDecisions(_ rows: [DecisionRow]) -> [DecisionRow] {
        rows.filter { ($0.kind ?? "").hasPrefix("deploy.") || ($0.kind ?? "").hasPrefix("control.") }
    }

    /// Decisions with their evidence described like artifacts (role, media type, logical name).
    static func decisions(_ rows: [DecisionRow], describe: (DigestRef) -> (mediaType: String, logicalName: String?)) -> JSON {
        .array(rows.map { decision in
            var item: [String: JSON] = [
                "decision_id": .string(decision.decision_id), "created_unix_ms": .number(Double(decision.created_unix_ms)),
                "kind": .string(decision.kind ?? "unknown"), "outcome": .string(decision.outcome ?? "error"),
                "reasons": .array(decision.reasons.map { reason in
                    var r: [String: JSON] = ["code": .string(reason.code)]
                    r["message"] = reason.message.map(JSON.string)
                    return .object(r)
                }),
                "evidence": .array(decision.evidence.enumerated().map { position, evidence in
                    let described = describe(evidence.digest)
                    let role = evidence.role ?? "evidence"
                    // `ord` numbers the evidence of one role within the decision.
                    let ord = decision.evidence.prefix(position).filter { ($0.role ?? "evidence") == role }.count
                    var e: [String: JSON] = [
                        "role": .string(role), "ord": .number(Double(ord)),
                        "kind": evidence.kind.map(JSON.string) ?? .null, "digest": evidence.digest.json,
                        "media_type": .string(described.mediaType), "store_uri": .string("sha256:" + evidence.digest.sha256),
                    ]
                    e["logical_name"] = described.logicalName.map(JSON.string)
                    return .object(e)
                }),
                "record": ["kind": .string(DecisionRecord.schemaVersion), "digest": decision.record.json,
                           "store_uri": .string(decision.store_uri), "media_type": "application/json"],
            ]
            item["step_idx"] = decision.step_idx.map { .number(Double($0)) }
            return .object(item)
        })
    }

    /// Artifacts in the order a deployment produces them: its records, the plan, the analysis
    /// evidence, then target state; within a role by `ord`.
    static let roleOrder = ["decision_record", "deploy_execution", "deploy_plan", "metrics_snapshot", "slo_eval_report",
                            "runtime_probe", "router_state"]

    static func artifacts(_ rows: [ArtifactRow]) -> JSON {
        let rank = { (role: String) in roleOrder.firstIndex(of: role) ?? roleOrder.count }
        let sorted = rows.sorted { (rank($0.role), $0.role, $0.ord) < (rank($1.role), $1.role, $1.ord) }
        return .array(sorted.map { artifact in
            var item: [String: JSON] = [
                "role": .string(artifact.role), "ord": .number(Double(artifact.ord)), "kind": artifact.kind.map(JSON.string) ?? .null,
                "digest": artifact.digest.json, "media_type": .string(artifact.media_type), "store_uri": .string(artifact.store_uri),
            ]
            item["logical_name"] = artifact.logical_name.map(JSON.string)
            return .object(item)
        })
    }
}
