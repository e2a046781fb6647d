import LPCore
import LPState

/// A row of an index file that an index built from the files does not have, or the reverse.
public struct IndexDifference: Equatable, Sendable {
    public var file: String
    public var table: String
    public var detail: String
}

/// Tamper evidence for `state verify`: every index file that claims to be current (its
/// generation and stamps say so) is compared row by row with an index built in memory from the
/// state files. Nothing is written. A stale index is not compared: the next query rebuilds it.
/// The blob listing (`artifacts`) is best effort and the bookkeeping tables (`meta`,
/// `index_fingerprints`) describe the file itself, so they are left out.
extension StateIndex {
    static let auditedTables = IndexSchema.tables.filter { !["meta", "index_fingerprints", "artifacts"].contains($0) }

    public static func differencesFromFiles(state: StateDirectory) throws -> [IndexDifference] {
        let generation = StateGeneration.read(state)
        var differences: [IndexDifference] = []
        var fresh: Database?
        for location in IndexLocation.allCases {
            guard let live = IndexFile.openReadOnly(state.path(location.rawValue)) else { continue }
            let index = StateIndex(state: state, location: location, db: live, storage: .readOnlyFile, readOnly: true)
            guard (try? index.isCurrent()) == true else { continue }
            let built = try fresh ?? lpErrors { try inMemory(state: state) }
            fresh = built
            for table in auditedTables {
                let stored = try lpErrors { try rows(of: table, in: live) }
                let expected = try lpErrors { try rows(of: table, in: built) }
                guard stored != expected else { continue }
                let extra = stored.subtracting(expected), missing = expected.subtracting(stored)
                let sample = (extra.sorted().first.map { "not in the files: \($0)" } ?? missing.sorted().first.map { "missing: \($0)" }) ?? ""
                differences.append(IndexDifference(
                    file: location.rawValue, table: table,
                    detail: "\(extra.count) row(s) the files do not give, \(missing.count) row(s) missing; \(sample.prefix(300))"))
            }
        }
        // A writer that committed meanwhile changed both sides: nothing can be concluded.
        return StateGeneration.read(state) == generation ? differences : []
    }

    /// Every row of `table`, each as its columns' text joined with a unit separator.
    private static func rows(of table: String, in db: Database) throws -> Set<String> {
        Set(try db.rows("SELECT * FROM \(table)") { row in
            (0..<row.columnCount).map { row.string($0) ?? "∅" }.joined(separator: "\u{1F}")
        })
    }
}
