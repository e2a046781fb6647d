import LPCore
import LPState
import LPModel
import LPApply

/// The target operations and key loading as the tests drive them: each in a write transaction
/// of its own, as the step machine runs them.
extension LocalTarget {
    @discardableResult
    func prepare(_ slot: Slot, execId: String, pack: PackLayout, nowUnixMs: Int64) throws -> SlotState {
        try state.write { try prepare(slot, execId: execId, pack: pack, nowUnixMs: nowUnixMs, in: $0) }
    }

    @discardableResult
    func startSlot(_ slot: Slot, execId: String, nowUnixMs: Int64) throws -> SlotState {
        let started = try state.write { try startSlot(slot, execId: execId, nowUnixMs: nowUnixMs, in: $0) }
        try requireHealthy(started, slot, execId: execId)
        return started
    }

    @discardableResult
    func setWeight(_ pct: Int, execId: String, nowUnixMs: Int64) throws -> RouterState {
        try state.write { try setWeight(pct, execId: execId, nowUnixMs: nowUnixMs, in: $0) }
    }

    @discardableResult
    func stopSlot(_ slot: Slot, execId: String, nowUnixMs: Int64) throws -> RouterState {
        try state.write { try stopSlot(slot, execId: execId, nowUnixMs: nowUnixMs, in: $0) }
    }

    @discardableResult
    func promote(execId: String, nowUnixMs: Int64) throws -> RouterState {
        try state.write { try promote(execId: execId, nowUnixMs: nowUnixMs, in: $0) }
    }
}

extension ControlSigner {
    static func load(state: StateDirectory, signingKeyPath: String?) throws -> ControlSigner {
        try state.write { try load(signingKeyPath: signingKeyPath, in: $0) }
    }
}

extension BlobStore {
    @discardableResult
    func put(_ bytes: [UInt8], logicalName: String, mediaType: String = "application/json") throws -> ArtifactRef {
        try state.write { try $0.putBlob(bytes, logicalName: logicalName, mediaType: mediaType) }
    }

    @discardableResult
    func put(_ document: JSON, logicalName: String) throws -> ArtifactRef {
        try state.write { try $0.putBlob(document, logicalName: logicalName) }
    }
}
