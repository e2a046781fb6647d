import LPCore
#if canImport(Glibc)
import Glibc
#endif

/// Building blocks of the human views: aligned tables, label/value blocks and local times.
public enum ViewText {
    /// Columns padded to their widest cell, two spaces apart, headers in capitals (kubectl's look).
    public static func table(_ headers: [String], _ rows: [[String]]) -> String {
        let widths = headers.indices.map { column in
            ([headers[column]] + rows.map { column < $0.count ? $0[column] : "" }).map(\.count).max() ?? 0
        }
        func line(_ cells: [String]) -> String {
            var text = ""
            for (column, cell) in cells.enumerated() {
                text += column == cells.count - 1 ? cell : cell + String(repeating: " ", count: widths[column] - cell.count + 2)
            }
            return text
        }
        return ([line(headers.map { $0.uppercased() })] + rows.map(line)).joined(separator: "\n") + "\n"
    }

    /// `Label:  value` lines with the values aligned; rows with an empty value are left out.
    public static func fields(_ rows: [(String, String)]) -> String {
        let shown = rows.filter { !$0.1.isEmpty }
        let width = (shown.map(\.0.count).max() ?? 0) + 2
        return shown.map { $0.0 + ":" + String(repeating: " ", count: width - $0.0.count - 1) + $0.1 }
            .joined(separator: "\n") + "\n"
    }

    /// Milliseconds since 1970 as local time in `$TZ` (`2026-01-01 00:00:00 UTC`).
    public static func localTime(_ unixMs: Int64?) -> String {
        guard let unixMs else { return "" }
        tzset()
        var seconds = time_t(unixMs / 1000)
        var parts = tm()
        guard localtime_r(&seconds, &parts) != nil else { return String(unixMs) }
        var buffer = [CChar](repeating: 0, count: 64)
        let count = strftime(&buffer, buffer.count, "%Y-%m-%d %H:%M:%S %Z", &parts)
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// A duration in milliseconds as `850ms`, `12.3s` or `4m05s`.
    public static func duration(_ ms: Int64) -> String {
        if ms < 1000 { return "\(ms)ms" }
        if ms < 60_000 { return "\(ms / 1000).\((ms % 1000) / 100)s" }
        let seconds = ms / 1000
        return "\(seconds / 60)m" + (seconds % 60 < 10 ? "0" : "") + "\(seconds % 60)s"
    }

    /// A member as display text: strings as they are, numbers without a trailing `.0`, null as "".
    public static func text(_ value: JSON?) -> String {
        switch value {
        case .string(let text)?: return text
        case .number(let number)?: return number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
        case .bool(let flag)?: return flag ? "yes" : "no"
        case nil, .null?: return ""
        case let other?: return other.canonicalString
        }
    }

    /// A member holding milliseconds since 1970, as local time.
    public static func time(_ value: JSON?) -> String {
        guard case .number(let ms)? = value else { return "" }
        return localTime(Int64(ms))
    }
}
