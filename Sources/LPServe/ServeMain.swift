import LPCore
import LPState
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The `lp-serve` binary: a CGI filter under fcgiwrap (request in the environment and stdin,
/// response on stdout), or `lp-serve run-worker …`, the detached half of a remote run.
public enum ServeMain {
    public static func main(_ argv: [String] = Array(CommandLine.arguments.dropFirst())) -> Never {
        signal(SIGPIPE, SIG_IGN)
        if argv.first == "run-worker" { exit(RunWorker.main(Array(argv.dropFirst()))) }
        if argv.first == "--help" || argv.first == "-h" || argv.first == "help" {
            print("""
            lp-serve — the x07lpd request filter: one CGI request in (REQUEST_METHOD, REQUEST_URI, QUERY_STRING,
            CONTENT_LENGTH, HTTP_AUTHORIZATION, X07LPD_STATE_DIR; the body on stdin), one JSON response out.
            nginx and fcgiwrap run it; `x07lpd init` writes their configuration. See docs/x07lpd.md.
            """)
            exit(0)
        }
        let environment = ProcessInfo.processInfo.environment
        guard environment["GATEWAY_INTERFACE"] != nil || environment["REQUEST_METHOD"] != nil else {
            FileHandle.standardError.write(Data("lp-serve: error[LP_USAGE]: not a CGI request; x07lpd runs lp-serve (see lp-serve --help)\n".utf8))
            exit(ExitCode.usage.rawValue)
        }
        let response: HTTPResponse
        do {
            let context = try ServeContext.cgi(environment)
            let request = try HTTPRequest.cgi(environment)
            let body = HTTPBody(fd: STDIN_FILENO, contentLength: request.contentLength)
            if let mode = context.ui {
                response = UIServe.handle(request, body: body, context: context, mode: mode)
            } else {
                response = Serve.handle(request, body: body, context: context)
            }
        } catch let error as ServeError {
            response = HTTPResponse.refusal(error, command: "remote", nowMs: Int64(Date().timeIntervalSince1970 * 1000))
        } catch {
            response = HTTPResponse.refusal(.internalError("internal error"), command: "remote", nowMs: 0)
        }
        try? AtomicFile.writeAll(STDOUT_FILENO, response.cgiBytes, path: "stdout")
        exit(0)
    }
}
