import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Reading the one input document of a stage: from `--in FILE` or stdin, capped in size, refused
/// when stdin is a terminal (a filter must never sit waiting for a human by accident).
public struct InputDocument {
    public var json: JSON
    public var bytes: [UInt8]
    public var source: String

    /// Default cap on an input document; `$X07LP_MAX_DOC_BYTES` raises or lowers it.
    public static let defaultMaxBytes = 64 << 20

    public static func read(path: String?, environment: [String: String], usage: String) throws -> InputDocument {
        let limit = environment["X07LP_MAX_DOC_BYTES"].flatMap(Int.init) ?? defaultMaxBytes
        let bytes: [UInt8]
        let source: String
        if let path, path != "-" {
            source = path
            bytes = try readFile(path, limit: limit)
        } else {
            source = "stdin"
            if isatty(STDIN_FILENO) != 0 {
                throw LPError(.usage, code: "LP_USAGE", "no input: pipe a document into stdin or pass --in FILE\n\(usage)")
            }
            bytes = try readAll(fd: STDIN_FILENO, limit: limit, name: "stdin")
        }
        return try InputDocument(bytes: bytes, source: source)
    }

    public init(bytes: [UInt8], source: String) throws {
        self.bytes = bytes
        self.source = source
        if bytes.isEmpty {
            throw LPError(.invalidInput, code: "LP_INPUT_EMPTY", "\(source): empty input, expected one JSON document", stage: .parse)
        }
        do {
            json = try JSONParser.parse(bytes)
        } catch let error as JSONParseError {
            throw LPError.invalidJSON(error, source: source)
        }
    }

    public static func readFile(_ path: String, limit: Int) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw LPError(.usage, code: "LP_NOT_FOUND", "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        return try readAll(fd: fd, limit: limit, name: path)
    }

    /// Reads to EOF, failing (exit 3) as soon as more than `limit` bytes arrive.
    public static func readAll(fd: Int32, limit: Int, name: String) throws -> [UInt8] {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw LPError(.usage, code: "LP_IO", "reading \(name): \(String(cString: strerror(errno)))")
            }
            if n == 0 { return out }
            if out.count + n > limit {
                throw LPError(.invalidInput, code: "LP_INPUT_TOO_LARGE",
                              "\(name) is larger than \(limit) bytes (set X07LP_MAX_DOC_BYTES to raise the cap)", stage: .parse)
            }
            out.append(contentsOf: chunk[0..<n])
        }
    }
}
