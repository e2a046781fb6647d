import LPShared

extension ExecutionMetaLocal {
    /// Ends a deployment: its outcome, the terminal control state, the end time.
    mutating func finish(_ outcome: String, at unixMs: Int64) {
        self.outcome = outcome
        control_state = "terminal"
        pause_reason = nil
        ended_unix_ms = unixMs
    }
}

extension ExecutionMetaLocal {
    /// After a promote, `runtime` tells the deployment's story: the candidate release serves all
    /// traffic (its tree now lives in the target's stable slot, `workdir`), and the release it
    /// replaced is stopped.
    mutating func retire(replacedBy workdir: String, at unixMs: Int64) {
        runtime.stable.status = "stopped"
        runtime.stable.ended_unix_ms = unixMs
        runtime.candidate.status = "healthy"
        runtime.candidate.workdir = workdir
        routing.candidate_weight_pct = 100
    }
}
