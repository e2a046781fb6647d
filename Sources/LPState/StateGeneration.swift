import LPCore
import Foundation

/// `<state>/generation`: how many write transactions have changed the state. Each commit
/// moves it on by one before it touches a record, so anything derived from the files (the
/// query index) knows it is current exactly when it has seen this generation.
public enum StateGeneration {
    public static let file = "generation"

    /// The current generation; 0 for a state that never had one.
    public static func read(_ state: StateDirectory) -> UInt64 {
        guard let bytes = try? state.read(file) else { return 0 }
        return UInt64(String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }

    /// Writes `generation` (called under the writer lock).
    static func write(_ generation: UInt64, to state: StateDirectory) throws -> String {
        try AtomicFile.write(Array("\(generation)\n".utf8), to: state.path(file))
    }
}
