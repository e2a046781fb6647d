/// The one encoder for JSON bytes. `canonical` is RFC 8785 (JCS): members sorted by UTF-16 code
/// units, no whitespace, ECMAScript number formatting, minimal escaping. `pretty` uses the same
/// order and formatting with two-space indentation, for humans.
public enum JSONEncoding {
    case canonical
    case pretty
}

extension JSON {
    public func encoded(_ style: JSONEncoding = .canonical) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(into: &out, style: style, indent: 0)
        return out
    }

    public var canonicalBytes: [UInt8] { encoded(.canonical) }

    public var canonicalString: String { String(decoding: encoded(.canonical), as: UTF8.self) }

    private func write(into out: inout [UInt8], style: JSONEncoding, indent: Int) {
        switch self {
        case .null: out.append(contentsOf: Array("null".utf8))
        case .bool(let b): out.append(contentsOf: Array((b ? "true" : "false").utf8))
        case .number(let d): out.append(contentsOf: Array(JSON.ecmaScriptString(d).utf8))
        case .string(let s): JSON.writeString(s, into: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSON.newline(&out, style, indent + 1)
                item.write(into: &out, style: style, indent: indent + 1)
            }
            if !items.isEmpty { JSON.newline(&out, style, indent) }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            let keys = members.keys.sorted { $0.utf16.lexicographicallyPrecedes($1.utf16) }
            for (i, key) in keys.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSON.newline(&out, style, indent + 1)
                JSON.writeString(key, into: &out)
                out.append(UInt8(ascii: ":"))
                if style == .pretty { out.append(UInt8(ascii: " ")) }
                members[key]?.write(into: &out, style: style, indent: indent + 1)
            }
            if !keys.isEmpty { JSON.newline(&out, style, indent) }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static func newline(_ out: inout [UInt8], _ style: JSONEncoding, _ indent: Int) {
        guard style == .pretty else { return }
        out.append(UInt8(ascii: "\n"))
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent * 2))
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in s.utf8 {
            switch byte {
            case 0x22: out.append(contentsOf: [0x5C, 0x22])
            case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
            case 0x08: out.append(contentsOf: [0x5C, UInt8(ascii: "b")])
            case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0C: out.append(contentsOf: [0x5C, UInt8(ascii: "f")])
            case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0..<0x20:
                out.append(contentsOf: [0x5C, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                        hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0xF)]])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// ECMAScript `Number.prototype.toString` for finite doubles (RFC 8785 §3.2.2.3). Swift's
    /// `description` already yields the shortest round-tripping digits; this only re-lays them out.
    public static func ecmaScriptString(_ value: Double) -> String {
        if value == 0 || !value.isFinite { return "0" }
        var text = "\(value.magnitude)"
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(text[text.index(after: e)...]) ?? 0
            text = String(text[..<e])
        }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        let integerPart = parts.first.map(String.init) ?? ""
        let fractionPart = parts.count > 1 ? String(parts[1]) : ""
        var digits = Array(integerPart + fractionPart)
        var point = integerPart.count + exponent  // value = 0.digits × 10^point
        while digits.first == "0" { digits.removeFirst(); point -= 1 }
        while digits.last == "0" { digits.removeLast() }
        let k = digits.count, n = point
        let sign = value < 0 ? "-" : ""
        let s = String(digits)
        if k <= n && n <= 21 {
            return sign + s + String(repeating: "0", count: n - k)
        }
        if 0 < n && n <= 21 {
            return sign + String(digits[0..<n]) + "." + String(digits[n...])
        }
        if -6 < n && n <= 0 {
            return sign + "0." + String(repeating: "0", count: -n) + s
        }
        let e = n - 1
        let exponentText = e < 0 ? "e-\(-e)" : "e+\(e)"
        if k == 1 { return sign + s + exponentText }
        return sign + String(digits[0]) + "." + String(digits[1...]) + exponentText
    }
}
