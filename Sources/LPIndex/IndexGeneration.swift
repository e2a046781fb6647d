import LPCore
import LPState
import LPModel
import Foundation

/// Which state generation (`<state>/generation`, `StateGeneration`) an index file reflects: the
/// key `state_generation` of its `meta` table, stored in the same SQLite transaction as the rows
/// it describes (docs/index.md, "Concurrency"). An index file is current only when it says the
/// state's generation; a file that says none is stale.
///
/// - A full build reads the generation before and after it scans the files, and claims it only
///   when no commit ran in between (`observe`), so a rebuild that raced a writer yields a stale
///   index, never a wrong one that looks current.
/// - A writer's commit updates the index only from the generation it began with
///   (compare-and-set, `StateIndex.transactionCommitted`).
/// - Content copied or restored from an older build keeps the generation it was built for, so
///   replacing newer content with it makes the file stale, not wrong.
enum IndexGeneration {
    static let key = "state_generation"

    /// The generation `db` claims to reflect, nil when it claims none (`schema`: `main`, or an
    /// attached database).
    static func stored(_ db: Database, schema: String = "main") throws -> UInt64? {
        try db.first("SELECT v FROM \(schema).meta WHERE k = ?", [.text(key)]) { $0.string(0) }.flatMap { UInt64($0) }
    }

    /// Whether content claiming `incoming` may replace content claiming `live`: never content
    /// that claims an earlier generation than the live file (or none, when the live file claims
    /// one). So the generation a live file says only moves forward, and a reader that found it
    /// current never reads older content from it afterwards.
    static func mayReplace(live: UInt64?, with incoming: UInt64?) -> Bool {
        guard let live else { return true }
        guard let incoming else { return false }
        return live <= incoming
    }

    /// Stores the generation `db` reflects (nil: none, so the file is stale).
    static func store(_ generation: UInt64?, in db: Database) throws {
        if let generation {
            try db.run("INSERT OR REPLACE INTO meta(k, v) VALUES (?, ?)", [.text(key), .text(String(generation))])
        } else {
            try db.run("DELETE FROM meta WHERE k = ?", [.text(key)])
        }
    }

    /// Runs `scan` (a read of the state files) and returns the generation whose files it read, or
    /// nil when a commit may have changed them meanwhile. A commit creates its journal, then
    /// moves the generation on, then writes its files, then removes the journal
    /// (`StateJournal`). So when the generation is `g` both before and after the scan, and no
    /// journal was there just after the first read, the commit that made `g` had finished
    /// writing and the next one had not started: the scan saw exactly generation `g`.
    static func observe(_ state: StateDirectory, _ scan: () throws -> Void) rethrows -> UInt64? {
        let before = StateGeneration.read(state)
        let quiet = !state.exists(StateJournal.file)
        try scan()
        let after = StateGeneration.read(state)
        return quiet && before == after ? before : nil
    }

    /// A commit is being written (or a crashed one waits for the next writer to replay it).
    static func commitInProgress(_ state: StateDirectory) -> Bool {
        state.exists(StateJournal.file)
    }
}
