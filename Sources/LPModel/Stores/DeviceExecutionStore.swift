import LPCore
import LPState

/// `device_release/executions/<exec_id>.json`: the one owner of device release execution
/// writes. Runs and reruns `create`; the step engine, controls and the incident store `update`,
/// which re-reads the stored execution under the transaction's lock.
public struct DeviceExecutionStore {
    public let state: StateDirectory

    public init(state: StateDirectory) { self.state = state }

    public static let logicalName = "lp.device.release.execution"

    /// The stored execution: exit 2 when there is none, 19 when it is damaged.
    public func load(_ id: String, from reader: (any StateReading)? = nil) throws -> DeviceReleaseExecution {
        try StateDirectory.checkComponent(id, what: "release execution id")
        return try loadRecord(DeviceReleaseExecution.self, at: DeviceReleasePaths.execution(id), kind: Self.logicalName,
                              missing: "no device release execution \(id)", state: state, reader: reader ?? state)
    }

    public func exists(_ id: String, in reader: any StateReading) -> Bool {
        reader.exists(DeviceReleasePaths.execution(id))
    }

    /// Writes a new execution (never over an existing one).
    @discardableResult
    public func create(_ execution: DeviceReleaseExecution, in tx: WriteTransaction) throws -> ArtifactRef {
        try StateDirectory.checkComponent(execution.exec_id, what: "release execution id")
        let relative = DeviceReleasePaths.execution(execution.exec_id)
        guard !tx.exists(relative) else {
            throw LPError(.internalError, code: "LP_INTERNAL", "device release execution \(execution.exec_id) exists already")
        }
        return try tx.writeRecord(try JSON(encoding: execution), at: relative, logicalName: Self.logicalName)
    }

    /// Writes an execution this transaction created or loaded.
    @discardableResult
    public func save(_ execution: DeviceReleaseExecution, in tx: WriteTransaction) throws -> ArtifactRef {
        try tx.writeRecord(try JSON(encoding: execution), at: DeviceReleasePaths.execution(execution.exec_id),
                           logicalName: Self.logicalName)
    }

    /// Applies `change` to the stored execution and writes the result.
    @discardableResult
    public func update(_ id: String, in tx: WriteTransaction,
                       _ change: (inout DeviceReleaseExecution) throws -> Void) throws -> (execution: DeviceReleaseExecution, ref: ArtifactRef) {
        var execution = try load(id, from: tx)
        try change(&execution)
        guard execution.exec_id == id else {
            throw LPError(.internalError, code: "LP_INTERNAL", "an update of device release execution \(id) changed its id")
        }
        return (execution, try save(execution, in: tx))
    }
}
