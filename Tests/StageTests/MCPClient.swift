import LPCore
import Foundation
import XCTest

/// The built `lp-mcp` as a child process, driven one line at a time over pipes, as an MCP
/// client drives it.
final class MCPClient {
    let process = Process()
    private let input = Pipe(), output = Pipe(), errors = Pipe()
    private var pending: [UInt8] = []
    private let stderrText = Locked(Data())
    private let stderrDone = DispatchGroup()

    init(_ arguments: [String], environment: [String: String] = [:]) throws {
        StageProcess.ignoreSIGPIPE
        process.executableURL = URL(fileURLWithPath: StageProcess.binary("lp-mcp"))
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["X07LP_CONTRACTS_DIR"] = StageProcess.repoRoot + "/contracts"
        env.removeValue(forKey: "X07LP_STATE_DIR")
        env.removeValue(forKey: "X07LP_NOW_UNIX_MS")
        process.environment = env.merging(environment) { $1 }
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let errors = errors, text = stderrText
        DispatchQueue.global().async(group: stderrDone) { text.update { $0 = errors.fileHandleForReading.readDataToEndOfFile() } }
    }

    func send(_ line: String) throws {
        try input.fileHandleForWriting.write(contentsOf: Data((line + "\n").utf8))
    }

    func send(_ message: JSON) throws { try send(message.canonicalString) }

    /// The next response line, parsed; nil when the server closed its stdout.
    func receive() throws -> JSON? {
        let fd = output.fileHandleForReading.fileDescriptor
        while true {
            if let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(pending[..<newline])
                pending.removeSubrange(...newline)
                return try JSONParser.parse(line)
            }
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return nil }
            pending += chunk[..<count]
        }
    }

    func request(_ id: Int, _ method: String, _ params: JSON = [:]) throws -> JSON {
        try send(["jsonrpc": "2.0", "id": .number(Double(id)), "method": .string(method), "params": params])
        let response = try XCTUnwrap(try receive(), "lp-mcp closed stdout after \(method)")
        XCTAssertEqual(response["id"], .number(Double(id)), "responses come in order")
        return response
    }

    func call(_ id: Int, _ tool: String, _ arguments: JSON) throws -> JSON {
        try request(id, "tools/call", ["name": .string(tool), "arguments": arguments])
    }

    /// Resident memory of the server now (`VmRSS` of /proc/PID/status), in KiB.
    var residentKiB: Int {
        let status = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? -1
    }

    /// Closes stdin and waits: the exit status, every response not read yet, and stderr.
    func finish() throws -> (status: Int32, responses: [JSON], stderr: String) {
        try input.fileHandleForWriting.close()
        var responses: [JSON] = []
        while let response = try receive() { responses.append(response) }
        process.waitUntilExit()
        stderrDone.wait()
        XCTAssertEqual(process.terminationReason, .exit, "lp-mcp died from a signal")
        return (process.terminationStatus, responses, String(decoding: stderrText.value, as: UTF8.self))
    }
}
