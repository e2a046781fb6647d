import LPCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension StageRunner {
    /// `--watch`: runs the command again every `--watch-interval-ms` (default 1000) until its
    /// output is settled, like kubectl's `-w`. On a terminal the human view is redrawn in place;
    /// in a pipe each new document goes out as one canonical JSON line when it differs from the
    /// last. Exits with the settled output's code (a watched deployment: its outcome's).
    static func watch(_ command: StageCommand, _ arguments: [String], environment: [String: String]) -> Never {
        let terminal = isatty(STDOUT_FILENO) == 1
        var last: [UInt8] = []
        while true {
            let execution = execute(command, arguments, environment: environment, stdin: [])
            guard !execution.failed, let context = execution.context else {
                finish(execution.output, spec: command.spec, context: execution.context, report: false, pretty: false, failed: true)
            }
            let output = execution.output
            let interval = (try? context.arguments.integer("--watch-interval-ms", range: 10...3_600_000)) ?? nil
            let requested = try? OutputFormat.requested(context.arguments)
            let format = OutputFormat.effective(requested ?? nil, hasView: command.view != nil, terminal: terminal)
            let document = output.document ?? output.result
            let bytes: [UInt8]
            if format == .json {
                bytes = document.canonicalBytes + [0x0A]
            } else {
                let text = command.view.map { $0(output.result, output.document, format == .wide) }
                    ?? String(decoding: document.encoded(.pretty), as: UTF8.self) + "\n"
                // Home and clear, then the view: the screen shows the latest state only.
                bytes = Array(((terminal ? "\u{1B}[H\u{1B}[2J" : "") + text).utf8)
            }
            if bytes != last { emitBytes(bytes) }
            last = bytes
            if output.settled {
                for diagnostic in output.diagnostics where diagnostic.severity == .error {
                    FileHandle.standardError.write(Data((diagnostic.humanLine + "\n").utf8))
                }
                exit(output.exitCode.rawValue)
            }
            usleep(useconds_t(min(interval ?? 1000, 3_600_000) * 1000))
        }
    }
}
