import LPCore
import LPState
import LPModel
import LPIndex
import LPStage
import LPIncident
import LPRuntime
import Foundation

/// The incident an SLO rollback captures (classification `slo_rollback`, source `slo`), written
/// through the shared incident store: it links the deployment, its run, the rollback decision,
/// the candidate's weight when analysis failed, and the failed analysis's report and snapshot.
/// With `--metrics-from access-log`, a 5xx the candidate answered in the analysed traffic is the
/// incident's request/response (envelopes built from its access-log entry, redacted as a
/// captured exchange is).
enum RollbackIncident {
    static func capture(state: StateDirectory, execution: DeployExecution, meta: ExecutionMetaLocal, runId: String,
                        packManifest: DigestRef, decisionId: String?, weightPct: Int, failedRequest: ServedRequest?,
                        nowUnixMs: Int64) throws -> IncidentStore.Stored {
        var incident = IncidentMeta(classification: "slo_rollback", source: "slo", deploymentId: execution.exec_id, runId: runId,
                                    appId: meta.target.app_id, environment: meta.target.environment, capturedUnixMs: nowUnixMs)
        incident.decision_id = decisionId
        incident.candidate_weight_pct = weightPct
        incident.slot = "candidate"
        incident.pack_digest = packManifest
        incident.signature_status = meta.signature_status ?? .notApplicable
        var capture = IncidentStore.Capture(meta: incident)
        capture.diagCodes = ["LP_SLO_DECISION_ROLLBACK"]
        capture.windowStartUnixMs = meta.started_unix_ms
        capture.reason = "SLO analysis decided to roll back deployment \(execution.exec_id)"
        if let report = meta.analysis.last_slo_report {
            capture.refs.append(TypedRef(kind: report.kind ?? SchemaVersion.wasmSLOEvalReport, digest: report.digest, label: "slo_eval"))
        }
        if let snapshot = meta.analysis.last_snapshot {
            capture.refs.append(TypedRef(kind: snapshot.kind ?? SchemaVersion.metricsSnapshot, digest: snapshot.digest, label: "snapshot"))
        }
        if let failedRequest {
            let rules = RedactionRules.from(environment: ProcessInfo.processInfo.environment)
            let (request, fromRequest) = Redaction.envelope(failedRequest.requestEnvelope, location: "request", rules: rules)
            let (response, fromResponse) = Redaction.envelope(failedRequest.responseEnvelope, location: "response", rules: rules)
            capture.request = request
            capture.response = response
            capture.meta.request_id = failedRequest.requestId
            capture.meta.status_code = failedRequest.status
            capture.meta.route_key = request["headers"]?.arrayValue?.first { $0["k"] == .string(RoutingRule.routeKeyHeader) }?["v"]?.stringValue
            capture.removals = fromRequest + fromResponse
        }
        return try IncidentStore(state: state).capture(capture)
    }
}
