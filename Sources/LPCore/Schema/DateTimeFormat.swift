/// RFC 3339 §5.6 `date-time`, the one `format` the validator asserts:
/// `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`, `T` and `Z` in either case, real calendar days, and a
/// leap second (`:60`) only where it falls on 23:59 UTC.
enum DateTimeFormat {
    static func isValid(_ text: String) -> Bool {
        var scanner = DigitScanner(bytes: Array(text.utf8))
        guard let year = scanner.digits(4), scanner.take("-"), let month = scanner.digits(2), scanner.take("-"),
              let day = scanner.digits(2), scanner.take("T") || scanner.take("t"),
              let hour = scanner.digits(2), scanner.take(":"), let minute = scanner.digits(2), scanner.take(":"),
              let second = scanner.digits(2) else { return false }
        if scanner.take(".") {
            guard scanner.digits(1) != nil else { return false }
            while scanner.digits(1) != nil {}
        }
        var offsetMinutes = 0
        if !(scanner.take("Z") || scanner.take("z")) {
            let sign: Int
            if scanner.take("+") { sign = 1 } else if scanner.take("-") { sign = -1 } else { return false }
            guard let offsetHour = scanner.digits(2), scanner.take(":"), let offsetMinute = scanner.digits(2),
                  offsetHour <= 23, offsetMinute <= 59 else { return false }
            offsetMinutes = sign * (offsetHour * 60 + offsetMinute)
        }
        guard scanner.atEnd, (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year),
              hour <= 23, minute <= 59, second <= 60 else { return false }
        if second == 60 {
            let utcMinuteOfDay = ((hour * 60 + minute - offsetMinutes) % 1440 + 1440) % 1440
            return utcMinuteOfDay == 23 * 60 + 59
        }
        return true
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Reads ASCII digits and literal characters from UTF-8 bytes (non-ASCII digits never match).
    private struct DigitScanner {
        let bytes: [UInt8]
        var position = 0

        var atEnd: Bool { position == bytes.count }

        mutating func take(_ literal: Unicode.Scalar) -> Bool {
            guard position < bytes.count, bytes[position] == UInt8(ascii: literal) else { return false }
            position += 1
            return true
        }

        mutating func digits(_ count: Int) -> Int? {
            guard bytes.count - position >= count else { return nil }
            var value = 0
            for offset in 0..<count {
                let b = bytes[position + offset]
                guard b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(b - UInt8(ascii: "0"))
            }
            position += count
            return value
        }
    }
}
