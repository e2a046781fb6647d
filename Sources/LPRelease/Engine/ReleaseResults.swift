import LPCore
import LPModel
import LPStage

/// The results release commands report.
enum ReleaseResults {
    /// `lp.device.release.run.result@0.2.0`; a failed execution exits 18 with
    /// `LP_DEVICE_RELEASE_RUN_FAILED` (the result is still the whole document).
    static func run(_ execution: DeviceReleaseExecution) throws -> StageOutput {
        let meta = execution.meta
        let result: JSON = [
            "schema_version": .string(SchemaVersion.deviceReleaseRunResult), "exec_id": .string(execution.exec_id),
            "plan_id": .string(execution.plan_id), "run_id": .string(execution.run_id),
            "provider_kind": .string(meta.provider_kind.rawValue), "target": .string(meta.target.rawValue),
            "status": .string(execution.status.rawValue), "decision_count": .number(Double(meta.decision_count)),
            "native_summary": try JSON(encoding: meta.native_summary), "release_readiness": try JSON(encoding: meta.release_readiness),
            "latest_native_health_rollup": try meta.latest_native_health_rollup.map { try JSON(encoding: $0) } ?? .null,
            "latest_native_incident_id": meta.latest_native_incident_id.map(JSON.string) ?? .null,
            "latest_regression_id": meta.latest_regression_id.map(JSON.string) ?? .null,
            "latest_regression_status": .string(meta.latest_regression_status),
            "execution": ["kind": .string(SchemaVersion.deviceReleaseExecution), "digest": DigestRef(of: try JSON(encoding: execution)).json],
        ]
        guard execution.status == .failed else { return StageOutput(result: result, runId: execution.run_id) }
        let reason = meta.decisions.last?.reasons.first?.message ?? "a store step failed"
        return StageOutput(result: result, exitCode: .killSwitchEngaged,
                           diagnostics: [Diagnostic(code: "LP_DEVICE_RELEASE_RUN_FAILED", message: "device release execution failed: \(reason)")],
                           runId: execution.run_id)
    }
}
