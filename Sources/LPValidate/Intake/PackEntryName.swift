import LPCore
import LPModel

/// Entry names as the pack declares them: relative, `/`-separated, no `.`/`..`/empty components.
enum PackEntryName {
    /// What an archive entry's name stands for once normalised.
    enum Normalized: Equatable {
        /// The pack root itself: `.` or `./`, the first entry of `tar -C pack -cf pack.tar .`.
        case root
        /// A path below the root, in normal form.
        case path(String)
    }

    /// The name with one leading `./` removed (as `tar -C pack -cf pack.tar .` writes every
    /// name) and the trailing `/` of a directory removed, or `.root` for the pack root entry;
    /// an error naming why the entry is unsafe: absolute, `..`, an inner `.` or empty
    /// component, a backslash or a control character.
    static func normalize(_ bytes: [UInt8]) throws -> Normalized {
        guard let raw = String(validating: bytes, as: UTF8.self) else {
            throw LPError(.invalidInput, code: "LP_PACK_NAME_NOT_UTF8",
                          "pack entry name is not UTF-8: \(bytes.prefix(64).map { $0 < 0x80 ? String(UnicodeScalar($0)) : "\\x" + String($0, radix: 16) }.joined())")
        }
        if raw == "." || raw == "./" { return .root }
        let shown = String(raw.prefix(200))
        guard !raw.hasPrefix("/") else { throw unsafe(shown, "absolute path") }
        var name = Substring(raw)
        if name.hasPrefix("./") { name = name.dropFirst(2) }
        if name.hasSuffix("/") { name = name.dropLast() }
        guard !name.contains("\\") else { throw unsafe(shown, "backslash in name") }
        guard !name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw unsafe(shown, "control character in name")
        }
        for part in name.split(separator: "/", omittingEmptySubsequences: false) {
            if part == ".." { throw unsafe(shown, "'..' component") }
            if part.isEmpty || part == "." { throw unsafe(shown, "empty or '.' component") }
        }
        return .path(String(name))
    }

    /// Declared paths in a manifest obey the same rules and must already be in normal form
    /// (no leading `./`, no trailing `/`, not the root).
    static func checkDeclared(_ path: String) throws {
        switch try normalize(Array(path.utf8)) {
        case .root:
            throw unsafe(path, "names the pack root, not a file")
        case .path(let normalized):
            guard normalized == path else { throw unsafe(path, "not in normal form (expected \(normalized))") }
        }
    }

    private static func unsafe(_ name: String, _ why: String) -> LPError {
        LPError(.invalidInput, code: "LP_PACK_PATH_UNSAFE", "unsafe pack entry \"\(name)\": \(why)")
    }
}
