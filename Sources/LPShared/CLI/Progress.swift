import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Progress lines on stderr for long work, only when stderr is a terminal, `--quiet` is not
/// given and `NO_COLOR`-style opt-outs are respected (`X07LP_NO_PROGRESS`). Never on stdout.
public enum Progress {
    static var shown = false

    public static func isEnabled(_ requested: Bool) -> Bool {
        requested && isatty(STDERR_FILENO) != 0 && ProcessInfo.processInfo.environment["X07LP_NO_PROGRESS"] == nil
    }

    /// A reporter for a byte count, redrawn at most every 64 MiB.
    public static func reporter(enabled: Bool, label: String) -> (Int64) -> Void {
        guard isEnabled(enabled) else { return { _ in } }
        var next: Int64 = 64 << 20
        return { bytes in
            guard bytes >= next else { return }
            next = bytes + (64 << 20)
            shown = true
            FileHandle.standardError.write(Data("\r\(label): \(bytes >> 20) MiB".utf8))
        }
    }

    public static func finish(enabled: Bool) {
        guard shown, isEnabled(enabled) else { return }
        shown = false
        FileHandle.standardError.write(Data("\n".utf8))
    }
}
