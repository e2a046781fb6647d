import LPCore

/// Reading state files: from the directory, or through a write transaction, which also sees
/// what it has written but not yet committed.
public protocol StateReading {
    var state: StateDirectory { get }
    func read(_ relative: String) throws -> [UInt8]
    func exists(_ relative: String) -> Bool
}

extension StateReading {
    public func readJSON(_ relative: String) throws -> JSON {
        let bytes = try read(relative)
        do { return try JSONParser.parse(bytes) } catch {
            throw LPError(.stateCorrupt, code: "LP_STATE_CORRUPT", "\(state.path(relative)): \(error)")
        }
    }
}

extension StateDirectory: StateReading {
    public var state: StateDirectory { self }
}
