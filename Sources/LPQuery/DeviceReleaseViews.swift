import LPCore
import LPState
import LPModel
import LPStage
import Foundation

/// `lp.device.release.query.result@0.2.0` of one release execution, from its stored document.
/// Linked incidents carry the contract's members plus `native_classification`, and the result
/// `automation_state` (the two x07lp extensions of that contract, contracts/README.md).
enum DeviceReleaseViews {
    static let views = ["summary", "timeline", "decisions", "full"]

    /// The classifications a linked incident may show: legacy device names as their native class.
    static let linkedClassifications: Set<String> = Set([
        "http_5xx", "runtime_start_failed", "runtime_health_failed", "slo_rollback", "manual_capture", "app_kill", "platform_kill",
        "device_release_gate_failed", "device_release_provider_failed",
    ]).union(NativeClassification.allCases.map(\.rawValue))

    static func result(_ execution: DeviceReleaseExecution, recordBytes: [UInt8], view: String, index: JSON,
                       signatures: ViewSignatures) throws -> JSON {
        let meta = execution.meta
        func optional(_ value: String?) -> JSON { value.map(JSON.string) ?? .null }
        func number(_ value: Int?) -> JSON { value.map { .number(Double($0)) } ?? .null }
        var result: [String: JSON] = [
            "schema_version": .string(SchemaVersion.deviceReleaseQueryResult), "view": .string(view),
            "exec_id": .string(execution.exec_id), "plan_id": .string(execution.plan_id),
            "provider_kind": .string(meta.provider_kind.rawValue), "distribution_lane": .string(meta.distribution_lane.rawValue),
            "target": .string(meta.target.rawValue), "status": .string(execution.status.rawValue),
            "created_unix_ms": .number(Double(execution.created_unix_ms)), "updated_unix_ms": .number(Double(meta.updated_unix_ms)),
            "app": try JSON(encoding: meta.app), "native_summary": try JSON(encoding: meta.native_summary),
            "release_readiness": try JSON(encoding: meta.release_readiness),
            "current_state": .string(meta.current_state.rawValue), "current_rollout_percent": number(meta.current_rollout_percent),
            "automation_state": .string(meta.automation_state.rawValue),
            "latest_decision_id": optional(meta.latest_decision_id),
            "latest_signed_control_decision_id": optional(meta.latest_signed_control_decision_id),
            "signature_status": .string(signatures.execution(signedDecisionId: meta.latest_signed_control_decision_id)),
            "decision_count": .number(Double(meta.decision_count)), "provider_release_id": optional(meta.latest_store_release_id),
            "latest_metrics_snapshot": try meta.latest_metrics_snapshot.map { try JSON(encoding: $0) } ?? .null,
            "latest_slo_eval_report": try meta.latest_slo_eval_report.map { try JSON(encoding: $0) } ?? .null,
            "latest_eval_outcome": .string(meta.latest_eval_outcome.rawValue),
            "latest_native_health_rollup": try meta.latest_native_health_rollup.map { try JSON(encoding: $0) } ?? .null,
            "latest_native_incident_id": optional(meta.latest_native_incident_id),
            "latest_regression_id": optional(meta.latest_regression_id),
            "latest_regression_status": .string(meta.latest_regression_status),
            "linked_incidents": .array(meta.linked_incidents.map(linked)),
            "execution": ["kind": .string(SchemaVersion.deviceReleaseExecution), "digest": DigestRef(of: recordBytes).json],
            "index": index,
        ]
        let steps = try JSON(encoding: execution.steps)
        if view != "summary" { result["steps"] = steps }
        if view == "decisions" || view == "full" {
            var seen = Set<String>()
            let ids = execution.steps.flatMap(\.decisions).filter { seen.insert($0).inserted }
            result["decision_ids"] = .array(ids.map(JSON.string))
        }
        if view == "full" { result["meta"] = try located(meta, state: signatures.state) }
        return .object(result)
    }

    static func linked(_ item: DeviceReleaseExecution.LinkedIncident) -> JSON {
        let classification = linkedClassifications.contains(item.classification) ? item.classification
            : item.native_classification?.rawValue ?? "manual_capture"
        return ["incident_id": .string(item.incident_id), "classification": .string(classification),
                "native_classification": item.native_classification.map { .string($0.rawValue) } ?? .null,
                "source": .string(item.source), "incident_status": .string(item.incident_status),
                "captured_unix_ms": .number(Double(item.captured_unix_ms)), "regression_status": .string(item.regression_status),
                "regression_id": item.regression_id.map(JSON.string) ?? .null]
    }

    /// The meta with its package paths (stored relative to the state) as absolute paths.
    static func located(_ meta: DeviceReleaseExecution.Meta, state: StateDirectory) throws -> JSON {
        let root = state.root.hasPrefix("/") ? state.root : FileManager.default.currentDirectoryPath + "/" + state.root
        var json = try JSON(encoding: meta)
        for key in ["source_package_manifest_path", "staged_package_root", "staged_package_manifest_path"] {
            if let relative = json[key]?.stringValue { json = json.setting(key, .string(root + "/" + relative)) }
        }
        return json
    }
}
