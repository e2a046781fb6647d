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
        // The file is digits and a newline; trimmed by hand, since Foundation's trimming costs a
        // query by id a noticeable share of its start-up (docs/stages.md#start-up).
        var digits = bytes[...]
        while let first = digits.first, isSpace(first) { digits.removeFirst() }
        while let last = digits.last, isSpace(last) { digits.removeLast() }
        return UInt64(String(decoding: digits, as: UTF8.self)) ?? 0
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }

    /// Writes `generation` (called under the writer lock).
    static func write(_ generation: UInt64, to state: StateDirectory) throws -> String {
        try AtomicFile.write(Array("\(generation)\n".utf8), to: state.path(file))
    }
}
