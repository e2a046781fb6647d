import LPCore
import LPModel

/// Entry names as the pack declares them: relative, `/`-separated, no `.`/`..`/empty components.
enum PackEntryName {
    /// The normalized name (leading `./` removed, trailing `/` of directories removed), or an
    /// error naming why the entry is unsafe.
    static func normalize(_ bytes: [UInt8]) throws -> String {
        guard let raw = String(validating: bytes, as: UTF8.self) else {
            throw LPError(.invalidInput, code: "LP_PACK_NAME_NOT_UTF8",
                          "pack entry name is not UTF-8: \(bytes.prefix(64).map { $0 < 0x80 ? String(UnicodeScalar($0)) : "\\x" + String($0, radix: 16) }.joined())")
        }
        var name = Substring(raw)
        while name.hasPrefix("./") { name = name.dropFirst(2) }
        while name.hasSuffix("/") && name.count > 1 { name = name.dropLast() }
        let shown = String(raw.prefix(200))
        guard !raw.hasPrefix("/") else { throw unsafe(shown, "absolute path") }
        guard !name.contains("\\") else { throw unsafe(shown, "backslash in name") }
        guard !name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw unsafe(shown, "control character in name")
        }
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        for part in parts {
            if part == ".." { throw unsafe(shown, "'..' component") }
            if part.isEmpty || part == "." { throw unsafe(shown, "empty or '.' component") }
        }
        return String(name)
    }

    /// Declared paths in a manifest obey the same rules.
    static func checkDeclared(_ path: String) throws {
        let normalized = try normalize(Array(path.utf8))
        guard normalized == path else { throw unsafe(path, "not in normal form (expected \(normalized))") }
    }

    private static func unsafe(_ name: String, _ why: String) -> LPError {
        LPError(.invalidInput, code: "LP_PACK_PATH_UNSAFE", "unsafe pack entry \"\(name)\": \(why)")
    }
}
