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
