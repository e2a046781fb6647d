import LPCore
import LPStage

/// What `lp-serve` answers: a status and one JSON document, printed as a CGI response.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var body: JSON

    public init(status: Int = 200, body: JSON) {
        self.status = status
        self.body = body
    }

    static let reasons = [200: "OK", 202: "Accepted", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
                          404: "Not Found", 405: "Method Not Allowed", 409: "Conflict", 413: "Content Too Large",
                          500: "Internal Server Error"]

    /// `Status:` and headers, a blank line, the canonical JSON and a newline (RFC 3875 §6).
    public var cgiBytes: [UInt8] {
        let head = "Status: \(status) \(Self.reasons[status] ?? "Status")\r\nContent-Type: application/json\r\n"
            + "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n\r\n"
        return Array(head.utf8) + body.canonicalBytes + [0x0A]
    }

    /// A failure as an `lp.cli.report@0.1.0` for `command`.
    static func refusal(_ error: ServeError, command: String, nowMs: Int64, result: JSON = [:]) -> HTTPResponse {
        let diagnostic = Diagnostic(code: error.code, stage: error.status == 400 ? .parse : .run, message: error.message)
        return HTTPResponse(status: error.status,
                            body: report(command, error.exitCode, [diagnostic], runId: Identifier.make(.run, parts: [command, error.code, String(nowMs)]),
                                         result: result))
    }

    /// An `lp.cli.report@0.1.0` that lp-serve writes itself (no verb behind it).
    static func report(_ command: String, _ exitCode: ExitCode, _ diagnostics: [Diagnostic], runId: String, result: JSON) -> JSON {
        let report = CLIReport(command: command, exitCode: exitCode, diagnostics: diagnostics, runId: runId, artifacts: [], result: result)
        return (try? JSON(encoding: report)) ?? [:]
    }
}
