import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Other processes as /proc shows them: whether one still runs, and the children of one.
public enum ProcessTable {
    /// True while `pid` is a process of this user that is not a zombie. A zombie holds no port or
    /// file and only waits for its parent (often pid 1, which may collect it seconds later), so a
    /// stop that waits for a process to end must not wait for that.
    public static func isRunning(_ pid: Int32) -> Bool {
        guard kill(pid, 0) == 0 else { return false }
        guard let fields = statFields(pid) else { return true }
        return fields.first != "Z"
    }

    /// Polls every 20 ms until none of `pids` runs, for at most `milliseconds`; true when they
    /// all ended in time.
    @discardableResult
    public static func waitForExit(_ pids: some Collection<Int32>, milliseconds: Int) -> Bool {
        for _ in 0..<max(1, milliseconds / 20) where pids.contains(where: isRunning) { usleep(20_000) }
        return !pids.contains(where: isRunning)
    }

    /// The processes whose parent is `pid`, zombies included.
    public static func children(of pid: Int32) -> Set<Int32> {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return Set(names.compactMap { name -> Int32? in
            guard let child = Int32(name), let fields = statFields(child) else { return nil }
            return fields.count > 1 && Int32(fields[1]) == pid ? child : nil
        })
    }

    /// `/proc/<pid>/stat` after the command name: state, parent, ... (the name, in parentheses,
    /// may hold spaces, so the fields start after the last ")").
    private static func statFields(_ pid: Int32) -> [Substring]? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        return stat[stat.index(after: close)...].split(separator: " ")
    }
}
