import LPCore
import LPState
import LPModel
import LPIndex

/// Cross-checks of every execution against the write-once evidence it names (docs/state.md#
/// tamper-evidence). `deploy/<id>.json` is rewritten on every step, so nothing in it can be
/// trusted on its own; decision records are never rewritten (a write transaction refuses it) and
/// carry `integrity.record_sha256`, control decisions are signed, and the router state and the
/// incidents are written by other owners. An execution whose fields disagree with that evidence
/// was edited (or an older writer stopped half-way): each disagreement is a problem.
struct ExecutionChecks {
    /// Parsed records, by what the checks look them up with.
    struct Evidence {
        /// `decisions/<id>.json` by decision id.
        var decisions: [String: JSON] = [:]
        /// `control/actions/<id>.json` by action id.
        var controlActions: [String: JSON] = [:]
        /// Incidents by directory: the bundle and the local meta (either may be missing after an
        /// interrupted capture of an older version; the bundle alone still counts).
        var incidents: [String: (bundle: JSON?, meta: JSON?)] = [:]
        /// Executions: (path, document).
        var executions: [(path: String, document: JSON)] = []
        /// Device release executions: (path, document).
        var deviceExecutions: [(path: String, document: JSON)] = []

        mutating func add(_ file: RecordFile, _ document: JSON) {
            switch file.kind {
            case .decision: if let id = file.expectedId { decisions[id] = document }
            case .controlAction: if let id = file.expectedId { controlActions[id] = document }
            case .incidentMeta: incidents[Self.directory(file.path), default: (nil, nil)].meta = document
            case .incidentBundle: incidents[Self.directory(file.path), default: (nil, nil)].bundle = document
            case .execution: executions.append((file.path, document))
            case .deviceExecution: deviceExecutions.append((file.path, document))
            default: break
            }
        }

        /// True for the record kinds the cross-checks need to keep in memory.
        static func keeps(_ kind: RecordFile.Kind) -> Bool {
            [.decision, .controlAction, .incidentMeta, .incidentBundle, .execution, .deviceExecution].contains(kind)
        }

        static func directory(_ path: String) -> String {
            String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)])
        }

        /// The incidents linked to a deployment: (incident id, open).
        func incidents(of execId: String) -> [(id: String, open: Bool)] {
            incidents.sorted { $0.key < $1.key }.compactMap { directory, files in
                let deployment = files.meta?["deployment_id"]?.stringValue ?? files.bundle?["deploy_execution"]?["exec_id"]?.stringValue
                guard deployment == execId else { return nil }
                let id = String(directory.split(separator: "/").last ?? "")
                return (id, files.meta?["incident_status"]?.stringValue != IncidentMeta.Status.resolved.rawValue)
            }
        }
    }

    let evidence: Evidence
    let trustedKeys: [Ed25519.PublicKey]
    /// Reads `router/<exec_id>.json` (nil when absent).
    let routerState: (String) -> JSON?

    static let code = "LP_STATE_EXECUTION_EVIDENCE"

    func check() -> [StateFinding] {
        var findings: [StateFinding] = []
        for (path, execution) in evidence.executions {
            findings += check(execution: execution, path: path)
        }
        findings += controlReceipts()
        findings += DeviceReleaseChecks(evidence: evidence, trustedKeys: trustedKeys).check()
        return findings
    }

    // MARK: one execution

    private func check(execution: JSON, path: String) -> [StateFinding] {
        guard let execId = execution["exec_id"]?.stringValue else { return [] }
        var findings: [StateFinding] = []
        func problem(_ code: String, _ message: String) { findings.append(StateFinding(code, path, message)) }
        func problem(_ message: String) { problem(Self.code, message) }

        // Step decisions exist and were written for this execution (not necessarily for this
        // step: a set_weight step links the decision that allowed it).
        for (position, step) in (execution["steps"]?.arrayValue ?? []).enumerated() {
            for id in (step["decisions"]?.arrayValue ?? []).compactMap(\.stringValue) {
                let at = "/steps/\(position)/decisions"
                guard let decision = evidence.decisions[id] else {
                    problem("LP_STATE_REF_MISSING", "\(at) names decision \(id), which is not in the state (a half-done write or a removed record)")
                    continue
                }
                if let owner = decision["meta"]?["exec_id"]?.stringValue, owner != execId {
                    problem("\(at) names decision \(id), which was written for execution \(owner)")
                } else if decision["meta"]?["exec_id"] == nil, !affects(decision, execId) {
                    problem("\(at) names decision \(id) (\(decision["kind"]?.stringValue ?? "?")), which is not about this execution")
                }
            }
        }

        guard case .object = execution["meta"] ?? .null, execution["meta"]?["schema_version"] != nil else { return findings }
        let meta = execution["meta"] ?? .null

        // Decisions the meta names exist.
        if let id = meta["latest_decision_id"]?.stringValue, evidence.decisions[id] == nil {
            problem("LP_STATE_REF_MISSING", "/meta/latest_decision_id names decision \(id), which is not in the state (a half-done write or a removed record)")
        }
        let signedId = meta["latest_signed_control_decision_id"]?.stringValue
        if let signedId {
            if let decision = evidence.decisions[signedId] {
                let kind = decision["kind"]?.stringValue ?? ""
                if !kind.hasPrefix("control.") || (decision["integrity"]?["signatures"]?.arrayValue ?? []).isEmpty {
                    problem("/meta/latest_signed_control_decision_id names \(signedId), which is not a signed control decision (\(kind))")
                } else if !affects(decision, execId) {
                    problem("/meta/latest_signed_control_decision_id names \(signedId), a control decision about other executions")
                }
            } else {
                problem("LP_STATE_REF_MISSING", "/meta/latest_signed_control_decision_id names decision \(signedId), which is not in the state (a half-done write or a removed record)")
            }
        }
        if meta["signature_status"]?.stringValue == RecordedSignatureStatus.valid.rawValue {
            let status = signedId.flatMap { id in evidence.decisions[id].map { DecisionSignatures.verify($0, trustedKeys: trustedKeys) } }
            if status != .valid {
                problem("/meta/signature_status says valid, but \(signedId.map { "decision \($0) " } ?? "no signed control decision ")"
                        + (status.map { "checks \($0.rawValue)" } ?? "is there to check"))
            }
        }

        // The control state and latch agree with the signed control decisions.
        let controls = evidence.decisions.values.filter { ($0["kind"]?.stringValue ?? "").hasPrefix("control.") && affects($0, execId) }
        let kills = controls.filter { ($0["kind"]?.stringValue ?? "").hasSuffix(".kill") }
        if meta["control_state"]?.stringValue == ControlState.killed.rawValue || meta["kill_latched"]?.boolValue == true, kills.isEmpty {
            problem("/meta says the deployment was killed (control_state \(meta["control_state"]?.canonicalString ?? "?"), kill_latched \(meta["kill_latched"]?.canonicalString ?? "?")), but no kill decision names it")
        }

        // The outcome agrees with the decision that caused it.
        let own = evidence.decisions.values.filter { $0["meta"]?["exec_id"]?.stringValue == execId }
        func has(_ kinds: Set<String>, own ownKinds: Set<String>, where accept: (JSON) -> Bool = { _ in true }) -> Bool {
            controls.contains { kinds.contains($0["kind"]?.stringValue ?? "") }
                || own.contains { ownKinds.contains($0["kind"]?.stringValue ?? "") && accept($0) }
        }
        let outcome = meta["outcome"]?.stringValue ?? ""
        let status = execution["status"]?.stringValue ?? ""
        switch outcome {
        case DeployOutcome.promoted.rawValue:
            if !has(["control.deploy.promote.manual"], own: ["deploy.promote"]) {
                problem("outcome is promoted, but there is no deploy.promote or deploy.promote.manual decision for this execution")
            }
            if status != ExecutionStatus.completed.rawValue {
                problem("outcome is promoted but status is \(status), not completed")
            }
        case DeployOutcome.rolledBack.rawValue:
            let sloRollback = { (d: JSON) in
                d["outcome"]?.stringValue == DecisionOutcome.deny.rawValue
                    && (d["reasons"]?.arrayValue ?? []).contains { $0["code"]?.stringValue == ReasonCode.sloRollback }
            }
            if !has(["control.deploy.rollback.manual"], own: ["deploy.analysis.slo"], where: sloRollback) {
                problem("outcome is rolled_back, but there is no failed SLO analysis or deploy.rollback.manual decision for this execution")
            }
        case DeployOutcome.aborted.rawValue:
            if !controls.contains(where: { ($0["kind"]?.stringValue ?? "").hasSuffix(".stop.manual") || ($0["kind"]?.stringValue ?? "").hasSuffix(".kill") }) {
                problem("outcome is aborted, but no deploy.stop.manual or kill decision names this execution")
            }
        default:
            break
        }

        // The weight agrees with the outcome and with the router state the target wrote.
        let weight = meta["routing"]?["candidate_weight_pct"]?.intValue
        let router = routerState(execId)
        switch outcome {
        case DeployOutcome.promoted.rawValue:
            if let weight, weight != 100 { problem("outcome is promoted but /meta/routing/candidate_weight_pct is \(weight), not 100") }
            if let router, let candidate = meta["runtime"]?["candidate"]?["revision_digest"], candidate != .null,
               router["stable"]?["revision_digest"] != candidate {
                problem("outcome is promoted, but router/\(execId).json does not serve the candidate's revision from the stable slot")
            }
        case DeployOutcome.rolledBack.rawValue, DeployOutcome.aborted.rawValue:
            if let weight, weight != 0 { problem("outcome is \(outcome) but /meta/routing/candidate_weight_pct is \(weight), not 0") }
            if let router, let routed = router["weight_pct"]?.intValue, routed != 0 {
                problem("outcome is \(outcome) but router/\(execId).json routes \(routed)% to the candidate")
            }
        default:
            // A running deployment sets the router weight, then records it in a later write: a
            // run stopped in between leaves them apart until it runs again.
            break
        }

        // Incident counts agree with the incidents linked to this execution.
        let incidents = evidence.incidents(of: execId)
        let open = incidents.filter(\.open).count
        let total = meta["incident_count_total"]?.intValue ?? 0, recordedOpen = meta["incident_count_open"]?.intValue ?? 0
        if total != incidents.count || recordedOpen != open {
            problem("LP_STATE_INCIDENT_COUNT", "incident counts are \(total) total / \(recordedOpen) open, the state holds \(incidents.count) / \(open) incidents of this deployment")
        }
        if let last = meta["last_incident_id"]?.stringValue,
           !incidents.contains(where: { $0.id == last }) {
            problem("LP_STATE_INCIDENT_COUNT", "/meta/last_incident_id names incident \(last), which is not an incident of this deployment in the state")
        }
        return findings
    }

    /// A control decision is about an execution when it lists it in `meta.affected_executions`
    /// or targets it by `deployment_id`.
    private func affects(_ decision: JSON, _ execId: String) -> Bool {
        let meta = decision["meta"]
        if (meta?["affected_executions"]?.arrayValue ?? []).contains(.string(execId)) { return true }
        return meta?["target"]?["deployment_id"]?.stringValue == execId
    }

    // MARK: control receipts

    /// Every signed control decision has its receipt `control/actions/<action_id>.json` naming it
    /// (both are written in one transaction).
    private func controlReceipts() -> [StateFinding] {
        evidence.decisions.sorted { $0.key < $1.key }.compactMap { id, decision in
            let kind = decision["kind"]?.stringValue ?? ""
            guard kind.hasPrefix("control.") || DeviceDecisionKind.isControl(kind),
                  !(decision["integrity"]?["signatures"]?.arrayValue ?? []).isEmpty else { return nil }
            let path = StateDirectory.decisionRecord(id)
            guard let actionId = decision["meta"]?["action_id"]?.stringValue else {
                return StateFinding("LP_STATE_CONTROL_RECEIPT_MISSING", path, "signed control decision without meta.action_id")
            }
            guard let receipt = evidence.controlActions[actionId] else {
                return StateFinding("LP_STATE_CONTROL_RECEIPT_MISSING", path,
                                    "signed control decision without its receipt \(StateDirectory.controlAction(actionId)) (a half-done control action)")
            }
            if receipt["decision"]?["decision_id"]?.stringValue != id {
                return StateFinding("LP_STATE_CONTROL_RECEIPT_MISSING", path,
                                    "\(StateDirectory.controlAction(actionId)) names decision \(receipt["decision"]?["decision_id"]?.canonicalString ?? "none"), not this one")
            }
            return nil
        }
    }
}
