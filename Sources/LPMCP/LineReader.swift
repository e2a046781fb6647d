#if canImport(Glibc)
import Glibc
#endif

/// Newline-delimited messages from a file descriptor. A line longer than `limit` is skipped to
/// its newline without being kept, so no input can make the server hold more than `limit` bytes.
struct LineReader {
    enum Event: Equatable {
        case line([UInt8])
        case tooLong
        case end
    }

    let fd: Int32
    let limit: Int
    private var buffer = [UInt8](repeating: 0, count: 1 << 16)
    private var start = 0
    private var end = 0
    private var line: [UInt8] = []
    private var overflowed = false
    private var closed = false

    init(fd: Int32, limit: Int) {
        self.fd = fd
        self.limit = limit
    }

    /// The next line (without its newline), `tooLong`, or `end` once the input is closed. A last
    /// line without a newline still counts.
    mutating func next() -> Event {
        while true {
            if start < end {
                let newline = buffer[start..<end].firstIndex(of: UInt8(ascii: "\n"))
                let stop = newline ?? end
                if !overflowed {
                    if line.count + (stop - start) > limit {
                        overflowed = true
                        line.removeAll()
                    } else {
                        line += buffer[start..<stop]
                    }
                }
                start = newline.map { $0 + 1 } ?? end
                if newline != nil { return finishLine() }
                continue
            }
            if closed {
                return overflowed || !line.isEmpty ? finishLine() : .end
            }
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            // A read error ends the input like a closed pipe: there is nobody left to answer.
            if count <= 0 { closed = true }
            start = 0
            end = max(count, 0)
        }
    }

    private mutating func finishLine() -> Event {
        defer {
            line.removeAll(keepingCapacity: true)
            overflowed = false
        }
        return overflowed ? .tooLong : .line(line)
    }
}
