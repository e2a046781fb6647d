import Foundation

/// Limits that keep a hostile document from exhausting the stack or memory.
public struct JSONLimits: Sendable {
    public var maxDepth: Int
    public var maxStringBytes: Int
    public static let standard = JSONLimits(maxDepth: 256, maxStringBytes: 16 << 20)

    public init(maxDepth: Int, maxStringBytes: Int) {
        self.maxDepth = maxDepth
        self.maxStringBytes = maxStringBytes
    }
}

/// Why a document could not be parsed, with the byte offset and line/column of the problem.
public struct JSONParseError: Error, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case syntax = "LP_JSON_SYNTAX"
        case invalidUTF8 = "LP_JSON_INVALID_UTF8"
        case tooDeep = "LP_JSON_TOO_DEEP"
        case stringTooLong = "LP_JSON_STRING_TOO_LONG"
        case numberOutOfRange = "LP_JSON_NUMBER_OUT_OF_RANGE"
        case duplicateKey = "LP_JSON_DUPLICATE_KEY"
    }
    public let kind: Kind
    public let message: String
    public let offset: Int
    public let line: Int
    public let column: Int

    public var description: String { "\(message) at line \(line), column \(column) (byte \(offset))" }
}

/// Strict RFC 8259 parser over UTF-8 bytes. Rejects what RFC 8785 cannot canonicalize:
/// invalid UTF-8, lone surrogates, duplicate member names, numbers outside the double range.
public struct JSONParser {
    public static func parse(_ bytes: [UInt8], limits: JSONLimits = .standard) throws -> JSON {
        try bytes.withUnsafeBufferPointer { buffer in
            var parser = JSONParser(input: buffer, limits: limits)
            return try parser.parseDocument()
        }
    }

    public static func parse(_ text: String, limits: JSONLimits = .standard) throws -> JSON {
        try parse(Array(text.utf8), limits: limits)
    }

    private let input: UnsafeBufferPointer<UInt8>
    private let limits: JSONLimits
    private var position = 0
    private var depth = 0

    private init(input: UnsafeBufferPointer<UInt8>, limits: JSONLimits) {
        self.input = input
        self.limits = limits
    }

    private mutating func parseDocument() throws -> JSON {
        // A UTF-8 byte order mark is not JSON (RFC 8259 §8.1 forbids emitting it); name it clearly.
        if input.count >= 3, input[0] == 0xEF, input[1] == 0xBB, input[2] == 0xBF {
            throw failure(.syntax, "byte order mark before the document")
        }
        skipWhitespace()
        let value = try parseValue()
        skipWhitespace()
        if position < input.count { throw failure(.syntax, "unexpected data after the document") }
        return value
    }

    private func failure(_ kind: JSONParseError.Kind, _ message: String, at offset: Int? = nil) -> JSONParseError {
        let at = min(offset ?? position, input.count)
        var line = 1, column = 1
        for i in 0..<at {
            if input[i] == UInt8(ascii: "\n") { line += 1; column = 1 } else { column += 1 }
        }
        return JSONParseError(kind: kind, message: message, offset: at, line: line, column: column)
    }

    private mutating func skipWhitespace() {
        while position < input.count {
            switch input[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    private func peek() -> UInt8? { position < input.count ? input[position] : nil }

    private mutating func parseValue() throws -> JSON {
        guard let byte = peek() else { throw failure(.syntax, "unexpected end of input, expected a value") }
        switch byte {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default:
            throw failure(.syntax, "unexpected character \(describe(byte)), expected a value")
        }
    }

    private func describe(_ byte: UInt8) -> String {
        byte >= 0x20 && byte < 0x7F ? "'\(Character(Unicode.Scalar(byte)))'" : String(format: "0x%02X", byte)
    }

    private mutating func expectLiteral(_ word: String) throws {
        let start = position
        for expected in word.utf8 {
            guard position < input.count, input[position] == expected else {
                throw failure(.syntax, "invalid literal, expected \(word)", at: start)
            }
            position += 1
        }
    }

    private mutating func enter() throws {
        depth += 1
        if depth > limits.maxDepth {
            throw failure(.tooDeep, "nesting deeper than \(limits.maxDepth) levels")
        }
    }

    private mutating func parseObject() throws -> JSON {
        try enter()
        position += 1
        var members: [String: JSON] = [:]
        skipWhitespace()
        if peek() == UInt8(ascii: "}") { position += 1; depth -= 1; return .object(members) }
        while true {
            skipWhitespace()
            guard peek() == UInt8(ascii: "\"") else { throw failure(.syntax, "expected a member name in quotes") }
            let keyStart = position
            let key = try parseString()
            skipWhitespace()
            guard peek() == UInt8(ascii: ":") else { throw failure(.syntax, "expected ':' after member name") }
            position += 1
            skipWhitespace()
            let value = try parseValue()
            if let existing = members.index(forKey: key) {
                // Swift strings compare by canonical equivalence, so "é" and "e\u{301}" would
                // collide as keys; refuse such documents by name instead of merging members.
                let stored = members.keys[existing]
                let message = Array(stored.unicodeScalars) == Array(key.unicodeScalars)
                    ? "duplicate member name \"\(key)\""
                    : "member names \"\(stored)\" and \"\(key)\" differ only by Unicode normalization (not supported)"
                throw failure(.duplicateKey, message, at: keyStart)
            }
            members[key] = value
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"): position += 1; depth -= 1; return .object(members)
            default: throw failure(.syntax, "expected ',' or '}' in object")
            }
        }
    }

    private mutating func parseArray() throws -> JSON {
        try enter()
        position += 1
        var items: [JSON] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "]") { position += 1; depth -= 1; return .array(items) }
        while true {
            skipWhitespace()
            items.append(try parseValue())
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"): position += 1; depth -= 1; return .array(items)
            default: throw failure(.syntax, "expected ',' or ']' in array")
            }
        }
    }

    private mutating func parseString() throws -> String {
        let start = position
        position += 1
        var bytes: [UInt8] = []
        while true {
            guard position < input.count else { throw failure(.syntax, "unterminated string", at: start) }
            // Copy the run of plain bytes up to the next quote, backslash or control character.
            let runStart = position
            while position < input.count {
                let b = input[position]
                if b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") || b < 0x20 { break }
                position += 1
            }
            bytes.append(contentsOf: input[runStart..<position])
            if bytes.count > limits.maxStringBytes {
                throw failure(.stringTooLong, "string longer than \(limits.maxStringBytes) bytes", at: start)
            }
            guard position < input.count else { throw failure(.syntax, "unterminated string", at: start) }
            let b = input[position]
            if b == UInt8(ascii: "\"") {
                position += 1
                guard let text = String(validating: bytes, as: UTF8.self) else {
                    throw failure(.invalidUTF8, "string is not valid UTF-8", at: start)
                }
                return text
            }
            if b < 0x20 { throw failure(.syntax, "unescaped control character in string") }
            try parseEscape(into: &bytes)
        }
    }

    private mutating func parseEscape(into bytes: inout [UInt8]) throws {
        position += 1
        guard let e = peek() else { throw failure(.syntax, "unterminated escape") }
        position += 1
        switch e {
        case UInt8(ascii: "\""): bytes.append(0x22)
        case UInt8(ascii: "\\"): bytes.append(0x5C)
        case UInt8(ascii: "/"): bytes.append(0x2F)
        case UInt8(ascii: "b"): bytes.append(0x08)
        case UInt8(ascii: "f"): bytes.append(0x0C)
        case UInt8(ascii: "n"): bytes.append(0x0A)
        case UInt8(ascii: "r"): bytes.append(0x0D)
        case UInt8(ascii: "t"): bytes.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try parseHex4()
            if (0xD800...0xDBFF).contains(scalar) {
                guard input.count - position >= 6, input[position] == UInt8(ascii: "\\"),
                      input[position + 1] == UInt8(ascii: "u") else {
                    throw failure(.invalidUTF8, "lone high surrogate in \\u escape")
                }
                position += 2
                let low = try parseHex4()
                guard (0xDC00...0xDFFF).contains(low) else {
                    throw failure(.invalidUTF8, "high surrogate not followed by a low surrogate")
                }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(scalar) {
                throw failure(.invalidUTF8, "lone low surrogate in \\u escape")
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw failure(.invalidUTF8, "invalid code point") }
            bytes.append(contentsOf: Array(String(Character(unicode)).utf8))
        default:
            throw failure(.syntax, "invalid escape '\\\(Character(Unicode.Scalar(e)))'", at: position - 2)
        }
    }

    private mutating func parseHex4() throws -> UInt32 {
        guard input.count - position >= 4 else { throw failure(.syntax, "truncated \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let c = input[position]
            let digit: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw failure(.syntax, "invalid hex digit in \\u escape")
            }
            value = value << 4 | digit
            position += 1
        }
        return value
    }

    private mutating func parseNumber() throws -> Double {
        let start = position
        func digits() -> Int {
            let from = position
            while let b = peek(), b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") { position += 1 }
            return position - from
        }
        if peek() == UInt8(ascii: "-") { position += 1 }
        if peek() == UInt8(ascii: "0") {
            position += 1
        } else if digits() == 0 {
            throw failure(.syntax, "invalid number", at: start)
        }
        if peek() == UInt8(ascii: ".") {
            position += 1
            if digits() == 0 { throw failure(.syntax, "invalid number: digits expected after '.'", at: start) }
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            position += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { position += 1 }
            if digits() == 0 { throw failure(.syntax, "invalid number: digits expected in exponent", at: start) }
        }
        if let b = peek(), b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") {
            throw failure(.syntax, "invalid number: leading zero", at: start)
        }
        let text = String(decoding: input[start..<position], as: UTF8.self)
        guard let value = Double(text), value.isFinite else {
            throw failure(.numberOutOfRange, "number \(text.prefix(40)) is outside the range of a double", at: start)
        }
        return value
    }
}
