import LPCore
import LPState
import LPModel

/// Incidents of device releases (docs/device-release.md#incidents): stored with the others
/// under `incidents/<app_id>/device_release/<id>/`, linked to the release and its plan, with the
/// native class and the device context. Captured by an operator (`incident capture --release`),
/// by a failed store step and by an observation.
public enum ReleaseIncident {
    public static func capture(_ execution: DeviceReleaseExecution, classification: String, source: String, reason: String,
                               decisionId: String?, context: NativeContext? = nil, nowUnixMs: Int64) -> IncidentStore.Capture {
        let meta = execution.meta
        var incident = IncidentMeta(classification: classification, source: source, deploymentId: nil, runId: execution.run_id,
                                    appId: meta.app.app_id, environment: DeviceReleasePaths.incidentEnvironment,
                                    capturedUnixMs: nowUnixMs)
        let native = NativeClassification.canonical(classification, reason: reason)
        incident.release_plan_id = execution.plan_id
        incident.release_exec_id = execution.exec_id
        incident.package_digest = meta.package_digest
        incident.device_release = DeviceReleaseLink(execution)
        incident.target_kind = meta.target
        incident.provider_kind = meta.provider_kind
        incident.package_manifest_sha256 = "sha256:" + meta.native_summary.package_manifest_sha256
        incident.native_classification = native
        incident.native_context = context ?? NativeContext(execution)
        incident.decision_id = decisionId ?? meta.latest_decision_id
        incident.signature_status = meta.signature_status
        // The store serves the release to everyone at 100%, to part of the users below.
        let percent = meta.current_rollout_percent
        incident.slot = percent == 100 ? "stable" : (percent ?? 0) > 0 ? "candidate" : "none"
        incident.candidate_weight_pct = percent
        var capture = IncidentStore.Capture(meta: incident)
        capture.reason = String(reason.prefix(16384))
        switch classification {
        case "device_release_gate_failed": capture.diagCodes.append(ReasonCode.deviceGateFailed)
        case "device_release_provider_failed": capture.diagCodes.append(ReasonCode.deviceProviderFailed)
        default: break
        }
        if let native { capture.diagCodes.append(native.diagCode) }
        return capture
    }
}
