#if canImport(Glibc)
import Glibc
#endif

/// The process environment as a dictionary, read straight from `environ`: the same answer as
/// Foundation's `ProcessInfo.processInfo.environment` (the first of duplicate names wins, as
/// with getenv), at a fraction of its cost, which every stage pays once at start-up
/// (docs/stages.md#start-up).
public enum ProcessEnvironment {
    public static func current() -> [String: String] {
        var result: [String: String] = [:]
        var entry: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> = environ
        while let pointer = entry.pointee {
            let text = String(cString: pointer)
            if let equals = text.utf8.firstIndex(of: UInt8(ascii: "=")) {
                let name = String(text[..<equals])
                if result[name] == nil { result[name] = String(text[text.index(after: equals)...]) }
            }
            entry = entry.successor()
        }
        return result
    }
}
