import LPCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The redo journal of a write transaction (`<state>/journal.json`): every file the transaction
/// writes, with its bytes, and the generation it makes. Applying it writes the journal, moves
/// the generation on, writes each file (temp file, fsync, rename), fsyncs their directories and
/// removes the journal. Applying it again is harmless, so a journal a crash left behind is
/// replayed by the next writer before anything else: the transaction ends as if never interrupted.
public struct StateJournal {
    struct Write: Equatable {
        var path: String
        var mode: mode_t
        var bytes: [UInt8]
    }

    public static let file = "journal.json"
    static let schema = "x07lp.state.journal@0.1.0"

    var generation: UInt64
    var writes: [Write]

    func apply(to state: StateDirectory) throws {
        if !writes.isEmpty {
            let directory = try AtomicFile.write(encoded().canonicalBytes, to: state.path(Self.file), mode: 0o600)
            AtomicFile.syncDirectory(directory)
            state.crashPoint?.passed()
        }
        try replay(on: state)
    }

    /// Moves the generation on (unless a previous attempt did), writes every file, removes the journal.
    private func replay(on state: StateDirectory) throws {
        if StateGeneration.read(state) < generation {
            AtomicFile.syncDirectory(try StateGeneration.write(generation, to: state))
            state.crashPoint?.passed()
        }
        var directories = Set<String>()
        for write in writes {
            try StateDirectory.checkRelativePath(write.path)
            directories.insert(try AtomicFile.write(write.bytes, to: state.path(write.path), mode: write.mode))
            state.crashPoint?.passed()
        }
        for directory in directories.sorted() { AtomicFile.syncDirectory(directory) }
        if !writes.isEmpty {
            guard unlink(state.path(Self.file)) == 0 || errno == ENOENT else { throw AtomicFile.ioError("unlink", state.path(Self.file)) }
            AtomicFile.syncDirectory(state.root)
        }
    }

    /// Replays a journal an interrupted transaction left (called holding the writer lock).
    static func replayIfPresent(_ state: StateDirectory) throws {
        guard let journal = try pending(state) else { return }
        try journal.replay(on: state)
    }

    /// The journal an interrupted transaction left, if any. A journal that cannot be read was
    /// being written when the crash came: its transaction never started writing files, so it is
    /// dropped.
    static func pending(_ state: StateDirectory) throws -> StateJournal? {
        guard state.exists(file) else { return nil }
        guard let json = try? state.readJSON(file), let journal = StateJournal(json: json) else {
            guard unlink(state.path(file)) == 0 || errno == ENOENT else { throw AtomicFile.ioError("unlink", state.path(file)) }
            return nil
        }
        return journal
    }

    func encoded() -> JSON {
        ["schema_version": .string(Self.schema), "generation": .number(Double(generation)),
         "writes": .array(writes.map { ["path": .string($0.path), "mode": .number(Double($0.mode)),
                                        "bytes_b64": .string(Data($0.bytes).base64EncodedString())] })]
    }

    init(generation: UInt64, writes: [Write]) {
        self.generation = generation
        self.writes = writes
    }

    init?(json: JSON) {
        guard json["schema_version"] == .string(Self.schema), let generation = json["generation"]?.doubleValue,
              generation >= 0, generation < 9e15, let items = json["writes"]?.arrayValue else { return nil }
        var writes: [Write] = []
        for item in items {
            guard let path = item["path"]?.stringValue, let mode = item["mode"]?.doubleValue, (0...0o7777).contains(mode),
                  let text = item["bytes_b64"]?.stringValue, let data = Data(base64Encoded: text) else { return nil }
            writes.append(Write(path: path, mode: mode_t(mode), bytes: [UInt8](data)))
        }
        self.init(generation: UInt64(generation), writes: writes)
    }
}
