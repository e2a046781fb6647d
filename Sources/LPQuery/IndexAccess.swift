import LPCore
import LPState
import LPIndex
import LPStage

/// Opening the index for a read view: rebuilt on `--rebuild-index`, or by itself when missing,
/// stale or corrupt; every result says which (`index` block). A state directory that does not
/// exist is LP_NOT_FOUND (exit 2), never an empty answer. An index this process cannot write
/// (a read-only state directory) is read without writing, and the answer carries an info
/// diagnostic `LP_INDEX_READ_ONLY` saying so (the `index` block keeps the contract's shape).
struct IndexAccess {
    let index: StateIndex
    let rebuilt: Bool

    init(_ ctx: StageContext) throws {
        try Self.requireState(ctx)
        if ctx.arguments.has("--rebuild-index") {
            index = try StateIndex.rebuild(state: ctx.state)
            rebuilt = true
        } else {
            (index, rebuilt) = try StateIndex.open(state: ctx.state, forReading: true)
        }
    }

    /// Read views answer about a state directory that exists: a mistyped `--state-dir` must not
    /// look like an empty state.
    static func requireState(_ ctx: StageContext) throws {
        guard StateIndex.stateExists(ctx.state) else {
            throw LPError(.usage, code: "LP_NOT_FOUND",
                          "no state directory at \(ctx.state.root) (--state-dir, else $X07LP_STATE_DIR, else ./.x07lp)")
        }
    }

    var block: JSON { ["used": true, "rebuilt": .bool(rebuilt), "db_path": .string(index.path)] }

    /// What the answer says about how it was read.
    var notes: [Diagnostic] {
        guard index.isReadOnly else { return [] }
        return [Diagnostic(code: "LP_INDEX_READ_ONLY", severity: .info,
                           message: "\(index.state.root) is read-only for this process: answered without updating its index")]
    }

    static let option = OptionSpec("--rebuild-index", "rebuild the index from the state files before answering")
}
