import LPCore

/// Runs a tool of the serving runtime to its end (`nginx -t`, the nginx start whose master forks
/// into the background, curl for a probe) through `ChildProcess`.
func tool(_ program: String, _ arguments: [String], log: String) throws -> (status: Int32, output: String) {
    do {
        return try ChildProcess.run(program, arguments, environment: ["PATH": "/usr/sbin:/usr/bin:/bin"], log: log)
    } catch let error as ChildProcess.SpawnError {
        throw LPError(.internalError, code: "LP_SERVE_START_FAILED", error.description)
    }
}
