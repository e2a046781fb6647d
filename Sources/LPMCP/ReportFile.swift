import LPCore
import LPState

/// The full report of a call, kept in a file when the answer cannot carry it whole (or when the
/// client asks for one), so an agent gets a bounded answer and a path to the rest.
enum ReportFile {
    /// `<dir>/<tool>/<op>-<first 16 hex of the report's SHA-256>.json`: the same report lands in
    /// the same file, so repeating a call does not pile files up.
    static func defaultPath(_ invocation: ToolInvocation, bytes: [UInt8]) -> String {
        let tool = invocation.tool == .query ? "lp-query" : "lp-control"
        return "\(tool)/\(invocation.op.name)-\(SHA256.hex(bytes).prefix(16)).json"
    }

    /// Where the reports of a call go: the server's `--report-dir`, else `mcp/reports` in the
    /// call's state directory (a place `state verify` does not look at).
    static func directory(_ invocation: ToolInvocation, config: ServerConfig) -> String {
        config.reportDir ?? invocation.stateDir + "/mcp/reports"
    }

    /// Writes the report (0600, atomically) and returns its path.
    static func write(_ bytes: [UInt8], _ invocation: ToolInvocation, config: ServerConfig) throws -> String {
        let path = directory(invocation, config: config) + "/" + (invocation.reportPath ?? defaultPath(invocation, bytes: bytes))
        try AtomicFile.write(bytes, to: path)
        return path
    }

    /// A client-given path stays inside the report directory.
    static func isSafeRelativePath(_ path: String) -> Bool {
        guard !path.hasPrefix("/"), !path.hasSuffix("/") else { return false }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        return parts.allSatisfy { !$0.isEmpty && $0 != "." && $0 != ".." } && !path.contains("\0")
    }

    /// The first `limit` bytes of `text`, cut back to a character boundary.
    static func prefix(_ bytes: [UInt8], limit: Int) -> String {
        var end = min(limit, bytes.count)
        // Step back over UTF-8 continuation bytes so no character is split.
        while end > 0, end < bytes.count, bytes[end] & 0xC0 == 0x80 { end -= 1 }
        return String(decoding: bytes[..<end], as: UTF8.self)
    }
}
