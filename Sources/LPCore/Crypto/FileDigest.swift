import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Hashing a file without loading it whole.
public enum FileDigest {
    /// Feeds the file at `path` into `hasher` in 1 MiB chunks; returns the byte count.
    public static func stream(path: String, into hasher: SHA256Hasher) throws -> Int {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw LPError(.usage, code: "LP_NOT_FOUND", "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var total = 0
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw LPError(.usage, code: "LP_IO", "reading \(path): \(String(cString: strerror(errno)))")
            }
            if n == 0 { return total }
            buffer.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            total += n
        }
    }
}
