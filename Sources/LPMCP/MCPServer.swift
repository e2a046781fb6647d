import LPCore
import LPState
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `lp-mcp`: reads JSON-RPC messages from stdin, one per line, and writes each response on its
/// own line to stdout, in order, until stdin closes.
public enum MCPServer {
    public static func main(argv: [String] = Array(CommandLine.arguments.dropFirst())) -> Never {
        // A client that went away must end the loop with an error we see, not kill us mid-write.
        signal(SIGPIPE, SIG_IGN)
        switch Result(catching: { try ServerOptions.parse(argv, environment: ProcessInfo.processInfo.environment) }) {
        case .success(.help):
            FileHandle.standardOutput.write(Data(ServerOptions.spec.helpText.utf8))
        case .success(.version):
            FileHandle.standardOutput.write(Data("lp-mcp \(LPVersion.current)\n".utf8))
        case .success(.serve(let config)):
            let (input, output) = detachStandardStreams()
            serve(config, input: input, output: output)
        case .failure(let error):
            FileHandle.standardError.write(Data("lp-mcp: \(error)\n".utf8))
            exit(ExitCode.usage.rawValue)
        }
        exit(0)
    }

    /// Moves the message streams to private descriptors and points fd 0 at /dev/null and fd 1 at
    /// stderr, so nothing a verb reads (a `-` or `/dev/stdin` path) or prints can touch them.
    static func detachStandardStreams() -> (input: Int32, output: Int32) {
        let input = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3)
        let output = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3)
        let null = open("/dev/null", O_RDWR | O_CLOEXEC)
        guard input >= 0, output >= 0, null >= 0, dup2(null, STDIN_FILENO) >= 0,
              dup2(STDERR_FILENO, STDOUT_FILENO) >= 0 || dup2(null, STDOUT_FILENO) >= 0 else {
            FileHandle.standardError.write(Data("lp-mcp: cannot set up its standard streams\n".utf8))
            exit(ExitCode.internalError.rawValue)
        }
        close(null)
        return (input, output)
    }

    /// Serves until `input` closes or `output` can no longer be written.
    public static func serve(_ config: ServerConfig, input: Int32, output: Int32) {
        let dispatcher = MCPDispatcher(config: config)
        var reader = LineReader(fd: input, limit: config.maxLineBytes)
        while true {
            let response: JSON?
            switch reader.next() {
            case .end:
                return
            case .tooLong:
                response = RPCResponse.error(.null, RPCError(.invalidRequest,
                    "message longer than \(config.maxLineBytes) bytes (lp-mcp --max-line-bytes)"))
            case .line(var line):
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
                response = dispatcher.respond(to: line)
            }
            guard let response else { continue }
            do {
                try AtomicFile.writeAll(output, response.canonicalBytes + [UInt8(ascii: "\n")], path: "stdout")
            } catch {
                return
            }
        }
    }
}
