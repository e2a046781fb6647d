import LPCore
import LPState
import LPModel
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// How the index knows it is stale without reading the records: it stores a stamp (mtime_ns,
/// size, inode, link count) of every record directory it indexed. Writers replace files by
/// rename, and a rename, create or delete changes the directory's mtime, so any write the index
/// has not been told about shows up as a changed stamp. Checking costs one `stat` per tracked
/// directory plus a listing of the two small parent levels (`incidents/`, `incidents/<app>/`,
/// `control/kill/`) — a few dozen system calls, never a walk of the records.
/// Limit: an in-place edit of a record that does not rename (or create or delete) anything is
/// not seen; nor is a second, unreported write inside one file-system timestamp tick.
enum IndexFingerprint {
    /// A record directory and how many levels of subdirectories below it are tracked.
    struct Root: Equatable {
        let path: String
        let depth: Int
    }

    struct Stamp: Equatable {
        var root: String
        var present: Bool
        var mtimeNs: Int64
        var size: Int64
        var inode: Int64
        var nlink: Int64
    }

    static let roots = [
        Root(path: "deploy", depth: 0), Root(path: "decisions", depth: 0), Root(path: "runs", depth: 0),
        Root(path: "control/actions", depth: 0), Root(path: "control/kill", depth: 1), Root(path: "incidents", depth: 2),
        Root(path: "regressions", depth: 0), Root(path: DeviceReleasePaths.plans, depth: 0),
        Root(path: DeviceReleasePaths.executions, depth: 0),
    ]

    /// The tracked root holding `relativePath`, if any.
    static func root(of relativePath: String) -> Root? {
        roots.first { relativePath.hasPrefix($0.path + "/") }
    }

    static func stamp(_ absolute: String, root: String) -> Stamp {
        var info = stat()
        guard lstat(absolute, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
            return Stamp(root: root, present: false, mtimeNs: 0, size: 0, inode: 0, nlink: 0)
        }
        let mtime = Int64(info.st_mtim.tv_sec).multipliedReportingOverflow(by: 1_000_000_000)
        return Stamp(root: root, present: true,
                     mtimeNs: mtime.overflow ? Int64.max : mtime.partialValue &+ Int64(info.st_mtim.tv_nsec),
                     size: Int64(info.st_size), inode: Int64(bitPattern: UInt64(info.st_ino)), nlink: Int64(info.st_nlink))
    }

    /// Names of the real subdirectories of `absolute` (no symlinks, no dot entries), sorted.
    static func subdirectories(_ absolute: String) -> [String] {
        IndexBuilder.entries(absolute).filter(\.isDirectory).map(\.name)
    }

    /// Stamps of `relative` and its subdirectories down to `depth` levels.
    static func capture(state: StateDirectory, relative: String, depth: Int, root: String, into result: inout [String: Stamp]) {
        let current = stamp(state.path(relative), root: root)
        result[relative] = current
        guard current.present, depth > 0 else { return }
        for name in subdirectories(state.path(relative)) {
            capture(state: state, relative: relative + "/" + name, depth: depth - 1, root: root, into: &result)
        }
    }

    /// Stamps of every tracked directory as they are now.
    static func capture(state: StateDirectory) -> [String: Stamp] {
        var result: [String: Stamp] = [:]
        for root in roots {
            capture(state: state, relative: root.path, depth: root.depth, root: root.path, into: &result)
        }
        return result
    }

    static func load(_ db: Database) throws -> [String: Stamp] {
        var result: [String: Stamp] = [:]
        try db.query("SELECT path, root, present, mtime_ns, size, inode, nlink FROM index_fingerprints") { row in
            guard let path = row.string(0) else { return }
            result[path] = Stamp(root: row.string(1) ?? "", present: row.bool(2), mtimeNs: row.int(3) ?? -1,
                                 size: row.int(4) ?? -1, inode: row.int(5) ?? -1, nlink: row.int(6) ?? -1)
        }
        return result
    }

    static func save(_ stamps: [String: Stamp], in db: Database) throws {
        for (path, stamp) in stamps.sorted(by: { $0.key < $1.key }) {
            try db.run("""
                INSERT OR REPLACE INTO index_fingerprints(path, root, present, mtime_ns, size, inode, nlink)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, [.text(path), .text(stamp.root), .of(stamp.present), .integer(stamp.mtimeNs), .integer(stamp.size),
                      .integer(stamp.inode), .integer(stamp.nlink)])
        }
    }

    /// Replaces every stored stamp with `stamps`.
    static func replaceAll(_ stamps: [String: Stamp], in db: Database) throws {
        try db.run("DELETE FROM index_fingerprints")
        try save(stamps, in: db)
    }

    /// True when the stored stamps are exactly the directories as they are now.
    static func isCurrent(_ db: Database, state: StateDirectory) throws -> Bool {
        try load(db) == capture(state: state)
    }

    /// After a reported write of `relativePath`: restamps the directory the write changed (the
    /// deepest tracked directory on its path) and, when that directory is new, its new subtree
    /// and its parent (creating a directory changes the parent's mtime), and so on upwards.
    /// Sibling directories keep their stored stamps, so unreported writes elsewhere stay visible.
    static func refresh(afterWriting relativePath: String, state: StateDirectory, in db: Database) throws {
        guard let root = root(of: relativePath) else { return }
        let parts = relativePath.dropFirst(root.path.count + 1).split(separator: "/").map(String.init)
        let level = min(root.depth, max(0, parts.count - 1))
        var chain = [root.path]
        for index in 0..<level { chain.append(chain[index] + "/" + parts[index]) }
        var updates: [String: Stamp] = [:]
        for (index, directory) in chain.enumerated().reversed() {
            let stored = try db.first("SELECT present FROM index_fingerprints WHERE path = ?", [.text(directory)]) { $0.bool(0) }
            capture(state: state, relative: directory, depth: stored == true ? 0 : root.depth - index, root: root.path, into: &updates)
            if stored == true { break }
        }
        try save(updates, in: db)
    }
}
