import LPCore
import LPState
import Foundation

/// `deploy/<exec_id>.json`: the one owner of execution writes. Intake and reruns `create`;
/// everyone else (the plan stage, the step machine, control actions, the incident store)
/// `update`s, which re-reads the stored execution under the transaction's lock and writes what
/// the change made of it. A stored execution that cannot be read is an error naming the file,
/// never a fresh one.
public struct ExecutionStore {
    public let state: StateDirectory

    public init(state: StateDirectory) { self.state = state }

    public static let logicalName = "lp.deploy.execution"

    /// The stored execution: exit 2 when there is none, 19 when it (or its meta) is damaged.
    /// Inside a transaction, pass it as `reader` to see what it wrote.
    public func load(_ id: String, from reader: (any StateReading)? = nil) throws -> DeployExecution {
        try StateDirectory.checkComponent(id, what: "deployment id")
        return try loadRecord(DeployExecution.self, at: StateDirectory.execution(id), kind: Self.logicalName,
                              missing: "no deployment \(id)", state: state, reader: reader ?? state)
    }

    /// Writes a new execution; one that exists already may only be written again unchanged.
    @discardableResult
    public func create(_ execution: DeployExecution, in tx: WriteTransaction) throws -> ArtifactRef {
        try StateDirectory.checkComponent(execution.exec_id, what: "deployment id")
        let relative = StateDirectory.execution(execution.exec_id)
        let document = try execution.json()
        if tx.exists(relative), try tx.read(relative) != document.canonicalBytes {
            throw LPError(.usage, code: "LP_DEPLOYMENT_EXISTS", "deployment \(execution.exec_id) exists already in \(state.root)")
        }
        return try tx.writeRecord(document, at: relative, logicalName: Self.logicalName)
    }

    /// Applies `change` to the stored execution and writes the result; returns it as stored.
    @discardableResult
    public func update(_ id: String, in tx: WriteTransaction,
                       _ change: (inout DeployExecution) throws -> Void) throws -> (execution: DeployExecution, ref: ArtifactRef) {
        var execution = try load(id, from: tx)
        try change(&execution)
        guard execution.exec_id == id else {
            throw LPError(.internalError, code: "LP_INTERNAL", "an update of deployment \(id) changed its id")
        }
        let ref = try tx.writeRecord(try execution.json(), at: StateDirectory.execution(id), logicalName: Self.logicalName)
        return (execution, ref)
    }

    /// The step machine's write: its view of the run merged into the stored execution by the
    /// field rules of `ExecutionUpdateRules`.
    @discardableResult
    public func update(fromStepMachine running: DeployExecution, meta: ExecutionMetaLocal,
                       in tx: WriteTransaction) throws -> (execution: DeployExecution, ref: ArtifactRef) {
        try update(running.exec_id, in: tx) { stored in
            stored = ExecutionUpdateRules.merge(stepMachine: running, meta: meta, into: stored)
        }
    }

    /// The control-owned view of a stored execution, read without the lock: files are replaced
    /// atomically, so a reader always sees a whole document. A file that cannot be read is an
    /// error: a run must not carry on past a stop it cannot see.
    public func controlView(of id: String) throws -> ExecutionUpdateRules.ControlView {
        ExecutionUpdateRules.ControlView(try load(id))
    }
}
