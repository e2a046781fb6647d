/// RFC 6901 JSON Pointer: `""` is the whole document, `/a/0/b~1c` walks members and indexes.
public struct JSONPointer: Equatable, Hashable, Sendable, CustomStringConvertible {
    public private(set) var tokens: [String]

    public init(tokens: [String] = []) { self.tokens = tokens }

    /// Parses pointer text; nil when it is not a valid pointer (non-empty and not starting with `/`,
    /// or a `~` not followed by 0 or 1).
    public init?(_ text: String) {
        if text.isEmpty { self.tokens = []; return }
        guard text.hasPrefix("/") else { return nil }
        var tokens: [String] = []
        for raw in text.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            guard let token = JSONPointer.unescape(String(raw)) else { return nil }
            tokens.append(token)
        }
        self.tokens = tokens
    }

    public func appending(_ token: String) -> JSONPointer {
        var copy = self
        copy.tokens.append(token)
        return copy
    }

    public func appending(_ index: Int) -> JSONPointer { appending(String(index)) }

    public var description: String {
        tokens.map { "/" + JSONPointer.escape($0) }.joined()
    }

    public static func escape(_ token: String) -> String {
        token.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }

    static func unescape(_ token: String) -> String? {
        var out = ""
        var iterator = token.makeIterator()
        while let c = iterator.next() {
            guard c == "~" else { out.append(c); continue }
            switch iterator.next() {
            case "0": out.append("~")
            case "1": out.append("/")
            default: return nil
            }
        }
        return out
    }

    /// The value this pointer names in `document`, or nil when a step does not exist.
    public func resolve(in document: JSON) -> JSON? {
        var current = document
        for token in tokens {
            switch current {
            case .object(let members):
                guard let next = members[token] else { return nil }
                current = next
            case .array(let items):
                // RFC 6901 array indexes: "0" or digits without a leading zero.
                guard token == "0" || (token.first != "0" && !token.isEmpty),
                      token.allSatisfy({ $0.isASCII && $0.isNumber }),
                      let index = Int(token), index < items.count else { return nil }
                current = items[index]
            default:
                return nil
            }
        }
        return current
    }
}
