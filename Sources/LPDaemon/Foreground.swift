import LPCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `x07lpd start --foreground`: fcgiwrap and nginx as children of this process; SIGINT or
/// SIGTERM stops both (nginx gracefully), and either child dying stops the other.
enum Foreground {
    static func run(_ config: DaemonConfig) -> Never {
        do {
            let fcgi = try DaemonProcesses.startFcgiwrap(config)
            let nginx = Process()
            nginx.executableURL = URL(fileURLWithPath: try DaemonProcesses.program("nginx"))
            nginx.arguments = DaemonProcesses.nginxArguments(config, foreground: true)
            try nginx.run()
            if config.ui != nil {
                // ui serve prints its URL, the one thing a person (or a script) needs from it.
                FileHandle.standardOutput.write(Data((config.url + "/\n").utf8))
            }
            FileHandle.standardError.write(Data("x07lpd: serving \(config.url) (state \(config.state_dir)); Ctrl-C stops\n".utf8))
            let stopAll: @Sendable () -> Void = {
                kill(nginx.processIdentifier, SIGQUIT)
                kill(-fcgi, SIGTERM)
            }
            var sources: [DispatchSourceSignal] = []
            for number in [SIGINT, SIGTERM] {
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler(handler: stopAll)
                source.resume()
                sources.append(source)
            }
            nginx.waitUntilExit()
            // fcgiwrap runs in its own session: its group is it and the children it forked.
            kill(-fcgi, SIGTERM)
            unlink(config.fcgiPid)
            DaemonProcesses.removeSocket(config)
            sources.forEach { $0.cancel() }
            exit(nginx.terminationStatus == 0 ? 0 : ExitCode.internalError.rawValue)
        } catch {
            FileHandle.standardError.write(Data("x07lpd: error[LP_DAEMON_START_FAILED]: \(error)\n".utf8))
            exit(ExitCode.internalError.rawValue)
        }
    }
}
