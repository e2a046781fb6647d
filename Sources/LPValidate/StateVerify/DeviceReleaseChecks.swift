import LPCore
import LPState
import LPModel

/// Cross-checks of every device release execution against the evidence it names (like
/// `ExecutionChecks` for deployments): its step and latest decisions exist and were written for
/// it; its signed control decision is one and verifies; its linked incidents are the incidents
/// of the release in the state, and its counts and native health are what they add up to.
struct DeviceReleaseChecks {
    let evidence: ExecutionChecks.Evidence
    let trustedKeys: [Ed25519.PublicKey]

    func check() -> [StateFinding] {
        evidence.deviceExecutions.flatMap { check(execution: $0.document, path: $0.path) }
    }

    private func check(execution: JSON, path: String) -> [StateFinding] {
        guard let execId = execution["exec_id"]?.stringValue else { return [] }
        var findings: [StateFinding] = []
        func problem(_ code: String, _ message: String) { findings.append(StateFinding(code, path, message)) }
        func problem(_ message: String) { problem(ExecutionChecks.code, message) }

        for (position, step) in (execution["steps"]?.arrayValue ?? []).enumerated() {
            for id in (step["decisions"]?.arrayValue ?? []).compactMap(\.stringValue) {
                guard let decision = evidence.decisions[id] else {
                    problem("LP_STATE_REF_MISSING", "/steps/\(position)/decisions names decision \(id), which is not in the state")
                    continue
                }
                if decision["meta"]?["exec_id"]?.stringValue != execId {
                    problem("/steps/\(position)/decisions names decision \(id), which was not written for this release")
                }
            }
        }
        let meta = execution["meta"] ?? .null
        if let id = meta["latest_decision_id"]?.stringValue, evidence.decisions[id] == nil {
            problem("LP_STATE_REF_MISSING", "/meta/latest_decision_id names decision \(id), which is not in the state")
        }
        if let id = meta["latest_signed_control_decision_id"]?.stringValue {
            if let decision = evidence.decisions[id] {
                let kind = decision["kind"]?.stringValue ?? ""
                if !DeviceDecisionKind.isControl(kind) || decision["meta"]?["exec_id"]?.stringValue != execId {
                    problem("/meta/latest_signed_control_decision_id names \(id), which is not a control decision of this release (\(kind))")
                } else if meta["signature_status"]?.stringValue == RecordedSignatureStatus.valid.rawValue,
                          DecisionSignatures.verify(decision, trustedKeys: trustedKeys) != .valid {
                    problem("/meta/signature_status says valid, but decision \(id) does not verify")
                }
            } else {
                problem("LP_STATE_REF_MISSING", "/meta/latest_signed_control_decision_id names decision \(id), which is not in the state")
            }
        }
        findings += incidents(of: execId, meta: meta).map { StateFinding("LP_STATE_INCIDENT_COUNT", path, $0) }
        return findings
    }

    /// The linked incidents are exactly the release's incidents, and what derives from them adds up.
    private func incidents(of execId: String, meta: JSON) -> [String] {
        var problems: [String] = []
        let stored = evidence.incidents.compactMap { directory, files -> (id: String, meta: JSON)? in
            guard let incident = files.meta, incident["release_exec_id"]?.stringValue == execId else { return nil }
            return (String(directory.split(separator: "/").last ?? ""), incident)
        }
        let linked = meta["linked_incidents"]?.arrayValue ?? []
        let linkedIds = Set(linked.compactMap { $0["incident_id"]?.stringValue })
        let storedIds = Set(stored.map(\.id))
        if linkedIds != storedIds {
            problems.append("/meta/linked_incidents lists \(linkedIds.sorted()), the state holds \(storedIds.sorted()) for this release")
        }
        for item in linked {
            guard let id = item["incident_id"]?.stringValue, let incident = stored.first(where: { $0.id == id })?.meta else { continue }
            for field in ["classification", "incident_status", "regression_status"] where item[field] != incident[field] {
                problems.append("/meta/linked_incidents: \(id) has \(field) \(item[field]?.canonicalString ?? "none"), its meta \(incident[field]?.canonicalString ?? "none")")
            }
        }
        guard var derived = try? meta.decode(DeviceReleaseExecution.Meta.self) else { return problems }
        let recorded = derived
        derived.recount()
        if derived.incident_count_total != recorded.incident_count_total || derived.incident_count_open != recorded.incident_count_open
            || derived.latest_native_health_rollup != recorded.latest_native_health_rollup {
            problems.append("incident counts or the native health rollup do not add up from /meta/linked_incidents")
        }
        return problems
    }
}
