import LPCore
import LPIndex
import LPStage

/// Opening the index for a read view: rebuilt on `--rebuild-index`, or by itself when missing,
/// stale or corrupt; every result says which (`index` block).
struct IndexAccess {
    let index: StateIndex
    let rebuilt: Bool

    init(_ ctx: StageContext) throws {
        if ctx.arguments.has("--rebuild-index") {
            index = try StateIndex.rebuild(state: ctx.state)
            rebuilt = true
        } else {
            (index, rebuilt) = try StateIndex.open(state: ctx.state)
        }
    }

    var block: JSON { ["used": true, "rebuilt": .bool(rebuilt), "db_path": .string(index.path)] }

    static let option = OptionSpec("--rebuild-index", "rebuild the index from the state files before answering")
}
