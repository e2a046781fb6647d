import LPShared

/// Writes an execution while control actions from other processes may change it too. Each write
/// takes the state lock, re-reads the stored execution and keeps what controls own (control
/// state, pause reason, signed control decision, kill latch, terminal status) before replacing
/// what the step machine owns (steps, routing, runtime, analysis, outcome).
struct ExecutionWriter {
    let state: StateDirectory

    struct ControlView {
        var controlState: String
        var pauseReason: String?
        var status: String
        var outcome: String
    }

    /// The control-owned view of the stored execution (read without the lock: files are
    /// replaced atomically, so a reader always sees a whole document).
    func control(of execId: String) throws -> ControlView {
        let stored = try state.readJSON(StateDirectory.execution(execId))
        return ControlView(controlState: stored["meta"]?["control_state"]?.stringValue ?? "active",
                           pauseReason: stored["meta"]?["pause_reason"]?.stringValue,
                           status: stored["status"]?.stringValue ?? "planned",
                           outcome: stored["meta"]?["outcome"]?.stringValue ?? "unknown")
    }

    /// Merges and writes; returns the execution as stored.
    @discardableResult
    func write(_ execution: DeployExecution, meta: ExecutionMetaLocal) throws -> (DeployExecution, ArtifactRef) {
        let lock = try state.lock()
        defer { withExtendedLifetime(lock) {} }
        var merged = meta
        var result = execution
        if let current = try? ExecutionInput.stored(execution.exec_id, in: state).0,
           let stored = ExecutionMetaLocal.of(current) {
            // A stop or a kill recorded by a control action wins over the running step machine.
            if ["aborted", "failed", "completed"].contains(current.status) && execution.status == "started" {
                result.status = current.status
                merged.outcome = stored.outcome
                merged.ended_unix_ms = stored.ended_unix_ms
            }
            if stored.control_state != "active" && merged.control_state == "active" {
                merged.control_state = stored.control_state
                merged.pause_reason = stored.pause_reason
            }
            merged.latest_signed_control_decision_id = stored.latest_signed_control_decision_id
            merged.signature_status = stored.signature_status ?? merged.signature_status
            merged.kill_scope = stored.kill_scope
            merged.kill_latched = stored.kill_latched
            // Incident bookkeeping belongs to the incident store, which writes it into the stored execution.
            merged.incident_count_total = stored.incident_count_total
            merged.incident_count_open = stored.incident_count_open
            merged.last_incident_id = stored.last_incident_id
        }
        result.meta = try JSON(encoding: merged)
        let ref = try state.writeRecord(try result.json(), at: StateDirectory.execution(result.exec_id), logicalName: "lp.deploy.execution")
        return (result, ref)
    }
}
