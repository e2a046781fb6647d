import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Progress lines on stderr for long work (large pack intake, pause steps), never on stdout.
///
/// Shown only when stderr is a terminal, `--quiet` is not given and `X07LP_NO_PROGRESS` is not
/// set. On a terminal each update redraws one line in place (`\r`, then ESC[K to clear the rest
/// of the old line). `NO_COLOR` (set and non-empty, as no-color.org defines it) asks for no escape
/// codes, and a clean redraw needs one, so with `NO_COLOR` every update is printed as its own
/// plain newline-terminated line instead.
///
/// The decision (`mode`) and the rendering (`render`, the texts) are pure functions of their
/// arguments; a reporter only remembers whether a redrawn line still lacks its newline.
public final class ProgressReporter {
    public enum Mode: Equatable {
        case off, redraw, lines
    }

    public let mode: Mode
    private let write: (String) -> Void
    /// A redrawn line is on screen without its newline yet.
    private var lineOpen = false

    public init(mode: Mode, write: @escaping (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }) {
        self.mode = mode
        self.write = write
    }

    /// The reporter for a stage: `requested` is false under `--quiet`.
    public convenience init(requested: Bool, environment: [String: String]) {
        self.init(mode: Self.mode(requested: requested, stderrIsTTY: isatty(STDERR_FILENO) != 0, environment: environment))
    }

    public static func mode(requested: Bool, stderrIsTTY: Bool, environment: [String: String]) -> Mode {
        guard requested, stderrIsTTY, environment["X07LP_NO_PROGRESS"] == nil else { return .off }
        return (environment["NO_COLOR"] ?? "").isEmpty ? .redraw : .lines
    }

    /// The bytes to write for one update, or nil when progress is off.
    public static func render(_ text: String, mode: Mode) -> String? {
        switch mode {
        case .off: return nil
        case .redraw: return "\r\u{1B}[K" + text
        case .lines: return text + "\n"
        }
    }

    /// One update: redrawn over the current line, or a line of its own under `NO_COLOR`.
    public func show(_ text: String) {
        guard let bytes = Self.render(text, mode: mode) else { return }
        lineOpen = mode == .redraw
        write(bytes)
    }

    /// Ends the progress output: a redrawn line gets its newline so diagnostics start on their own.
    public func finish() {
        guard lineOpen else { return }
        lineOpen = false
        write("\n")
    }

    /// A byte counter (for `PackIngest.progress`): "label: N MiB of T MiB read (P%)" every 64 MiB
    /// (every 5% of `total` when that comes sooner), and once when `total` is reached. `total` is
    /// asked at each update: it becomes known part way (intake learns it from the manifest).
    public func byteCounter(label: String, total: @escaping () -> Int64? = { nil }) -> (Int64) -> Void {
        guard mode != .off else { return { _ in } }
        var next: Int64 = 64 << 20
        var reachedTotal = false
        return { bytes in
            let whole = total()
            let reached = whole.map { bytes >= $0 } ?? false
            guard !reachedTotal, bytes >= next || reached else { return }
            reachedTotal = reached
            next = bytes + min(64 << 20, whole.map { max($0 / 20, 1) } ?? (64 << 20))
            self.show(Self.bytesRead(label: label, bytes: bytes, total: whole))
        }
    }

    /// "intake: 128 MiB of 512 MiB read (25%)", or without a total "intake: 128 MiB read".
    public static func bytesRead(label: String, bytes: Int64, total: Int64?) -> String {
        guard let total, total > 0 else { return "\(label): \(size(bytes)) read" }
        let percent = min(100, Int(Double(bytes) * 100 / Double(total)))
        return "\(label): \(size(min(bytes, total))) of \(size(total)) read (\(percent)%)"
    }

    /// Bytes for humans, rounded down: "512 B", "12 KiB", "128 MiB".
    public static func size(_ bytes: Int64) -> String {
        if bytes >= 1 << 20 { return "\(bytes >> 20) MiB" }
        if bytes >= 1 << 10 { return "\(bytes >> 10) KiB" }
        return "\(bytes) B"
    }

    /// The line of a pause step while it waits: "deploy step 3 pause_10: waiting 10s".
    public static func pauseWaiting(step: String, seconds: Double) -> String {
        "\(step): waiting \(duration(seconds))"
    }

    /// The countdown of a pause step, redrawn each second: "deploy step 3 pause_10: 7s left of 10s".
    public static func pauseLeft(step: String, left: Int, of seconds: Double) -> String {
        "\(step): \(left)s left of \(duration(seconds))"
    }

    /// The line of a pause step when it ends: it resumes the plan, or a control action (`endedBy`,
    /// e.g. "deployment stopped") ended it early.
    public static func pauseEnded(step: String, seconds: Double, endedBy: String?) -> String {
        endedBy.map { "\(step): \($0) during the pause" } ?? "\(step): waited \(duration(seconds)), resuming"
    }

    /// Seconds for humans: "10s", "0.05s", "2m05s".
    public static func duration(_ seconds: Double) -> String {
        guard seconds >= 60 else { return String(format: "%gs", seconds) }
        let whole = Int(seconds.rounded())
        return "\(whole / 60)m" + String(format: "%02ds", whole % 60)
    }
}
