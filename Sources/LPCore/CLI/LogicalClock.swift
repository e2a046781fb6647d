import Foundation

/// Time as stages see it. With a pinned base (`--now-unix-ms` / `$X07LP_NOW_UNIX_MS`), the n-th
/// timestamp a stage writes is base + n, so output bytes are reproducible; otherwise wall clock.
public struct LogicalClock: Sendable {
    public let pinnedBase: Int64?

    public init(pinnedBase: Int64?) { self.pinnedBase = pinnedBase }

    public var isPinned: Bool { pinnedBase != nil }

    /// Unix milliseconds for logical step `step`.
    public func unixMs(step: Int = 0) -> Int64 {
        if let base = pinnedBase { return base + Int64(step) }
        return Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
    }

    /// RFC 3339 UTC with milliseconds, e.g. `2025-11-03T05:20:00.000Z`.
    public static func rfc3339(unixMs: Int64) -> String {
        let seconds = unixMs >= 0 ? unixMs / 1000 : (unixMs - 999) / 1000
        let millis = unixMs - seconds * 1000
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
                      Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), Int(millis))
    }
}
