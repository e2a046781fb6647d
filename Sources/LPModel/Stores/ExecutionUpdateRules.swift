import LPCore

/// Who owns which fields of an execution while a run and control actions (other processes)
/// write it. The step machine owns the steps, routing, runtime, analysis, artifacts and its
/// outcome; control actions own the control state and pause reason, the signed control decision
/// and the kill latch, and once they end a deployment (stop, rollback) its status, outcome,
/// routing and slots too; the incident store owns the incident counts.
public enum ExecutionUpdateRules {
    /// What the step machine watches for between steps: the control-owned part of the stored execution.
    public struct ControlView: Equatable, Sendable {
        public var status: ExecutionStatus
        public var controlState: ControlState
        public var pauseReason: String?
        public var outcome: DeployOutcome

        public init(_ execution: DeployExecution) {
            let meta = execution.localMeta
            status = execution.status
            controlState = meta?.control_state ?? .active
            pauseReason = meta?.pause_reason
            outcome = meta?.outcome ?? .unknown
        }
    }

    /// The step machine's `running` execution and `meta` written over `stored`, keeping what
    /// controls and the incident store own.
    public static func merge(stepMachine running: DeployExecution, meta: ExecutionMetaLocal,
                             into stored: DeployExecution) -> DeployExecution {
        var result = running
        var merged = meta
        if let current = stored.localMeta {
            // A stop, rollback or kill recorded by a control action ended the deployment: its
            // status, outcome, routing and slots stand, whatever the step machine still holds.
            if !stored.status.isLive {
                result.status = stored.status
                merged.outcome = current.outcome
                merged.ended_unix_ms = current.ended_unix_ms
                merged.control_state = current.control_state
                merged.pause_reason = current.pause_reason
                merged.routing = current.routing
                merged.runtime = current.runtime
                merged.latest_decision_id = current.latest_decision_id
            } else if current.control_state != .active && merged.control_state == .active {
                merged.control_state = current.control_state
                merged.pause_reason = current.pause_reason
            }
            merged.latest_signed_control_decision_id = current.latest_signed_control_decision_id
            merged.signature_status = current.signature_status ?? merged.signature_status
            merged.kill_scope = current.kill_scope
            merged.kill_latched = current.kill_latched
            merged.incident_count_total = current.incident_count_total
            merged.incident_count_open = current.incident_count_open
            merged.last_incident_id = current.last_incident_id
            // `ext` belongs to whoever hosts the run (x07lpd's remote context and lease).
            merged.ext = current.ext
        }
        result.meta = .local(merged)
        return result
    }
}
