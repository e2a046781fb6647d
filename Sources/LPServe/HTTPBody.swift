import LPCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A request body, read at most once and never beyond a limit: from the CGI's stdin (exactly
/// `CONTENT_LENGTH` bytes) or from memory in tests.
public final class HTTPBody {
    private let fd: Int32?
    private var memory: [UInt8]?
    private let declared: Int?

    public init(bytes: [UInt8]) {
        fd = nil
        memory = bytes
        declared = bytes.count
    }

    public init(fd: Int32, contentLength: Int?) {
        self.fd = fd
        memory = nil
        declared = contentLength
    }

    /// Streams the body in chunks; more than `limit` bytes fails with 413 before they are read.
    public func stream(limit: Int, _ sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        if let declared, declared > limit { throw ServeError.tooLarge(limit) }
        if let bytes = memory {
            memory = []
            try bytes.withUnsafeBytes(sink)
            return
        }
        guard let fd, var remaining = declared else {
            if fd != nil { throw ServeError.lengthRequired }
            return
        }
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while remaining > 0 {
            let wanted = min(remaining, chunk.count)
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, wanted) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { throw ServeError.invalidRequest("the request body ended before CONTENT_LENGTH bytes") }
            try chunk.withUnsafeBytes { try sink(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            remaining -= n
        }
    }

    public func bytes(limit: Int) throws -> [UInt8] {
        var out: [UInt8] = []
        try stream(limit: limit) { out.append(contentsOf: $0) }
        return out
    }

    /// The body as one JSON object (an empty body is `{}`).
    public func jsonObject(limit: Int) throws -> [String: JSON] {
        let raw = try bytes(limit: limit)
        if raw.isEmpty { return [:] }
        let parsed: JSON
        do { parsed = try JSONParser.parse(raw) } catch {
            throw ServeError.invalidRequest("the request body is not JSON")
        }
        guard case .object(let members) = parsed else { throw ServeError.invalidRequest("the request body is not a JSON object") }
        return members
    }
}
