import LPCore
import LPState
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// nginx serves each revision from `S/.x07lp-serve/trees/<revision>`, a hard-linked copy of the
/// slot tree made the first time the revision is served, never changed afterwards, and removed
/// only once a reload has taken every worker off it. The slot trees themselves are renamed by
/// promote and removed by stop before or after nginx reloads; a request routed by the previous
/// weights then still finds its revision's files (no 404 in between).
struct ServeTrees {
    let layout: ServeLayout

    var root: String { layout.directory + "/trees" }

    /// Makes `trees/<revision>` from the slot tree at `source` unless it exists (built aside,
    /// then renamed into place, so the path only ever shows a whole tree).
    func ensure(_ revision: String, from source: String) throws {
        let target = root + "/" + revision
        guard !FileManager.default.fileExists(atPath: target) else { return }
        try AtomicFile.makeDirectories(root)
        let temp = root + "/.\(revision).tmp-\(getpid())"
        try? FileManager.default.removeItem(atPath: temp)
        try AtomicFile.makeDirectories(temp)
        do {
            for path in try FileManager.default.subpathsOfDirectory(atPath: source).sorted() {
                var info = stat()
                guard lstat(source + "/" + path, &info) == 0 else { throw AtomicFile.ioError("lstat", source + "/" + path) }
                switch info.st_mode & S_IFMT {
                case S_IFDIR:
                    guard mkdir(temp + "/" + path, 0o755) == 0 else { throw AtomicFile.ioError("mkdir", temp + "/" + path) }
                case S_IFREG:
                    // Slot files are hard links to store blobs already; a copy where linking fails.
                    if link(source + "/" + path, temp + "/" + path) != 0 {
                        try FileManager.default.copyItem(atPath: source + "/" + path, toPath: temp + "/" + path)
                    }
                default:
                    continue
                }
            }
            guard rename(temp, target) == 0 else { throw AtomicFile.ioError("rename \(temp) to", target) }
        } catch {
            try? FileManager.default.removeItem(atPath: temp)
            throw error
        }
    }

    /// Removes every tree (and leftover) but those of `revisions`.
    func prune(keeping revisions: Set<String>) {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [] where !revisions.contains(name) {
            try? FileManager.default.removeItem(atPath: root + "/" + name)
        }
    }
}
