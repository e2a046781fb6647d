import LPCore
import Foundation

/// Where a profile's secrets come from: `file://PATH` (a file only its owner may read: mode 0600
/// or 0400) or `env:NAME`. The value is read when needed and never printed, logged or stored.
enum SecretRef {
    static func resolve(_ ref: String, field: String, environment: [String: String]) throws -> String {
        let value: String
        if ref.hasPrefix("file://") {
            let path = TargetProfile.expand(String(ref.dropFirst(7)), environment)
            var info = stat()
            guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
                throw TargetProfile.invalid("\(field): \(path.prefix(256)) is not a readable file")
            }
            // Group or others able to read a credential is refused, as ssh does.
            guard info.st_mode & 0o077 == 0 else {
                throw TargetProfile.invalid("\(field): \(path.prefix(256)) is readable by others (mode \(String(info.st_mode & 0o777, radix: 8))); chmod 600 it")
            }
            guard info.st_size <= 64 << 10, let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw TargetProfile.invalid("\(field): \(path.prefix(256)) is not a UTF-8 file of at most 64 KiB")
            }
            value = text
        } else if ref.hasPrefix("env:") {
            let name = String(ref.dropFirst(4))
            guard !name.isEmpty, let text = environment[name] else {
                throw TargetProfile.invalid("\(field): the environment variable \(name.prefix(128)) is not set")
            }
            value = text
        } else {
            throw TargetProfile.invalid("\(field): unsupported ref; use file://PATH or env:NAME")
        }
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw TargetProfile.invalid("\(field): the secret is empty") }
        // A header value cannot hold line breaks or control characters.
        guard trimmed.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7f }) else {
            throw TargetProfile.invalid("\(field): the secret holds control characters")
        }
        return trimmed
    }
}
