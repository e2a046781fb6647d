import LPCore
import LPModel
#if canImport(Glibc)
import Glibc
#endif

/// Streams a file through SHA-256 with a small reused buffer (blobs can be large; most are small,
/// so a 1 MiB buffer per file would cost more than the hashing).
enum FileHash {
    static func digest(_ path: String) throws -> DigestRef {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw LPError(.usage, code: "LP_STATE_IO", "cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let hasher = SHA256Hasher()
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        var total = 0
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw LPError(.usage, code: "LP_STATE_IO", "reading \(path): \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            buffer.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            total += n
        }
        return DigestRef(sha256: Hex.encode(hasher.finish()), bytes_len: total)
    }
}
