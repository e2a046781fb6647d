import LPCore
import LPState
import LPModel

/// How deployments end, shared by the step machine and the control actions.
extension ExecutionMetaLocal {
    /// Ends a deployment: its outcome, the terminal control state, the end time.
    mutating func finish(_ outcome: DeployOutcome, at unixMs: Int64) {
        self.outcome = outcome
        control_state = .terminal
        pause_reason = nil
        ended_unix_ms = unixMs
    }

    /// The candidate out of service: no traffic, slot stopped.
    mutating func candidateStopped(at unixMs: Int64) {
        routing.candidate_weight_pct = 0
        runtime.candidate.status = .stopped
        runtime.candidate.ended_unix_ms = unixMs
    }
}

extension DeployExecution {
    /// Ends the deployment with `status` and `outcome`.
    mutating func end(_ status: ExecutionStatus, outcome: DeployOutcome, meta: inout ExecutionMetaLocal, at unixMs: Int64) {
        self.status = status
        meta.finish(outcome, at: unixMs)
    }

    /// After a promote, `runtime` tells the deployment's story: the candidate release serves all
    /// traffic (its tree now lives in the target's stable slot, `workdir`), and the release it
    /// replaced is stopped.
    mutating func endPromoted(meta: inout ExecutionMetaLocal, at unixMs: Int64) {
        meta.runtime.stable.status = .stopped
        meta.runtime.stable.ended_unix_ms = unixMs
        meta.runtime.candidate.status = .healthy
        meta.runtime.candidate.workdir = StateDirectory.runtimeSlot(exec_id, Slot.stable.rawValue)
        meta.routing.candidate_weight_pct = 100
        end(.completed, outcome: .promoted, meta: &meta, at: unixMs)
    }
}
