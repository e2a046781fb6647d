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

    /// A byte counter (for `PackIngest.progress`): shows "label: N MiB read" every 64 MiB.
    public func byteCounter(label: String) -> (Int64) -> Void {
        guard mode != .off else { return { _ in } }
        var next: Int64 = 64 << 20
        return { bytes in
            guard bytes >= next else { return }
            next = bytes + (64 << 20)
            self.show("\(label): \(bytes >> 20) MiB read")
        }
    }

    /// The line of a pause step while it waits: "deploy step 3 pause_10: waiting 10s".
    public static func pauseWaiting(step: String, seconds: Double) -> String {
        "\(step): waiting \(duration(seconds))"
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
