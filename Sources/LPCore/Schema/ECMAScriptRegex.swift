import Foundation

/// Compiles a JSON Schema `pattern` (ECMA-262 syntax) with ICU, rewriting the constructs whose
/// meaning differs between the two: ICU's `$` also matches before a final newline, its `.` also
/// stops at vertical tab and form feed (ECMAScript's excludes only \n, \r, U+2028, U+2029), and
/// its `\d`, `\w` classes are Unicode-wide where ECMAScript's are ASCII.
enum ECMAScriptRegex {
    static func compile(_ source: String) throws -> NSRegularExpression {
        try NSRegularExpression(pattern: translate(source))
    }

    static func translate(_ source: String) -> String {
        var out = ""
        var inClass = false
        var iterator = source.makeIterator()
        while let c = iterator.next() {
            switch c {
            case "\\":
                guard let escaped = iterator.next() else { out.append("\\"); break }
                out += rewriteEscape(escaped, inClass: inClass)
            case "[" where !inClass: inClass = true; out.append(c)
            case "]" where inClass: inClass = false; out.append(c)
            case "$" where !inClass: out += "\\z"
            case "." where !inClass: out += "[^\\n\\r\\u2028\\u2029]"
            default: out.append(c)
            }
        }
        return out
    }

    private static func rewriteEscape(_ c: Character, inClass: Bool) -> String {
        switch (c, inClass) {
        case ("d", false): return "[0-9]"
        case ("d", true): return "0-9"
        case ("D", false): return "[^0-9]"
        case ("w", false): return "[A-Za-z0-9_]"
        case ("w", true): return "A-Za-z0-9_"
        case ("W", false): return "[^A-Za-z0-9_]"
        default: return "\\" + String(c)
        }
    }
}
