import LPCore
import LPState
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The `lp-serve` binary: a CGI filter under fcgiwrap (request in the environment and stdin,
/// response on stdout), or `lp-serve run-worker …`, the detached half of a remote run.
public enum ServeMain {
    /// What `lp-serve --help` prints and its man page (lp-catalog man lp-serve) says.
    public static let spec: CommandSpec = {
        var spec = CommandSpec(
        name: "lp-serve", reportCommand: "remote",
        summary: "the x07lpd request filter: one CGI request in, one JSON response out",
        usage: ["lp-serve (a CGI request: REQUEST_METHOD, REQUEST_URI, QUERY_STRING, CONTENT_LENGTH, HTTP_AUTHORIZATION,",
                "          X07LPD_STATE_DIR in the environment, the body on stdin)",
                "lp-serve run-worker ... (the detached half of a remote run; lp-serve starts it)"],
        options: [], examples: ["x07lpd init --state-dir /var/lib/x07lpd   # writes the nginx and fcgiwrap configuration that runs lp-serve"],
        exitCodes: [.ok, .usage],
        notes: ["nginx and fcgiwrap run lp-serve for each /v1 request; `x07lpd init` writes their configuration (docs/x07lpd.md).",
                "Refusals are JSON responses with an LP_* code; the exit status is 0 for every answered request."])
        spec.options = []  // none of the stages' common flags: nginx's environment says everything
        return spec
    }()

    public static func main(_ argv: [String] = Array(CommandLine.arguments.dropFirst())) -> Never {
        signal(SIGPIPE, SIG_IGN)
        if argv.first == "run-worker" { exit(RunWorker.main(Array(argv.dropFirst()))) }
        if argv.first == "--version" {
            print("lp-serve \(LPVersion.current)")
            exit(0)
        }
        if argv.first == "--help" || argv.first == "-h" || argv.first == "help" {
            print(spec.helpText, terminator: "")
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
