import LPCore
import LPState
import LPServe
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// nginx and fcgiwrap of one daemon, found by their pid files: started in order (fcgiwrap
/// first, so nginx never answers 502 at start), stopped in reverse.
enum DaemonProcesses {
    static func program(_ name: String) throws -> String {
        for dir in ["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"] where access(dir + "/" + name, X_OK) == 0 {
            return dir + "/" + name
        }
        throw LPError(.usage, code: "LP_DAEMON_DEPENDENCY_MISSING", "\(name) is not installed (Debian: apt-get install nginx fcgiwrap)")
    }

    static func pid(_ file: String) -> Int32? {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8),
              let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), Lease.processExists(pid) else { return nil }
        return pid
    }

    static func startFcgiwrap(_ config: DaemonConfig) throws -> Int32 {
        if !config.fcgiSocket.hasPrefix(config.runtime + "/") { try makePrivateDirectory(config.shortSocketDirectory) }
        unlink(config.fcgiSocket)
        // fcgiwrap hands each CGI the FastCGI params as its environment; its own stays minimal.
        let pid = try ChildProcess.start(try program("fcgiwrap"), ["-s", "unix:" + config.fcgiSocket, "-c", String(config.fcgi_children)],
                                            environment: ["PATH": "/usr/bin:/bin"], log: config.logs + "/fcgiwrap.log")
        _ = try AtomicFile.write(Array("\(pid)\n".utf8), to: config.fcgiPid)
        for _ in 0..<100 where !FileManager.default.fileExists(atPath: config.fcgiSocket) { usleep(20_000) }
        guard FileManager.default.fileExists(atPath: config.fcgiSocket) else {
            throw LPError(.internalError, code: "LP_DAEMON_START_FAILED", "fcgiwrap did not open its socket; see \(config.logs)/fcgiwrap.log")
        }
        return pid
    }

    /// A directory only this user can enter, made if missing; anything else at that path (a
    /// symlink, another user's directory, an open mode) is refused.
    static func makePrivateDirectory(_ path: String) throws {
        if mkdir(path, 0o700) != 0 && errno != EEXIST {
            throw LPError(.internalError, code: "LP_DAEMON_START_FAILED", "cannot create \(path): \(String(cString: strerror(errno)))")
        }
        var info = stat()
        guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR, info.st_uid == getuid(), info.st_mode & 0o077 == 0 else {
            throw LPError(.internalError, code: "LP_DAEMON_START_FAILED", "\(path) is not a private directory of this user")
        }
    }

    /// The socket, and its private directory when it is not under the runtime directory.
    static func removeSocket(_ config: DaemonConfig) {
        unlink(config.fcgiSocket)
        if !config.fcgiSocket.hasPrefix(config.runtime + "/") { rmdir(config.shortSocketDirectory) }
    }

    static func nginxArguments(_ config: DaemonConfig, foreground: Bool) -> [String] {
        ["-p", config.runtime, "-c", config.nginxConf, "-e", config.logs + "/error.log"]
            + (foreground ? ["-g", "daemon off;"] : [])
    }

    /// Checks the configuration with `nginx -t` (its complaint lands in the report).
    static func testConfiguration(_ config: DaemonConfig) throws {
        let (status, output) = try run(try program("nginx"), nginxArguments(config, foreground: false) + ["-t", "-q"])
        guard status == 0 else {
            throw LPError(.invalidInput, code: "LP_DAEMON_CONFIG_INVALID", "nginx refused the configuration: \(output)")
        }
    }

    /// nginx forks its master into the background; its output goes to a log file, not a pipe
    /// (the master would hold the pipe open forever).
    static func startNginx(_ config: DaemonConfig) throws {
        let log = config.logs + "/nginx-start.log"
        let (status, _) = try ChildProcess.run(try program("nginx"), nginxArguments(config, foreground: false),
                                               environment: ["PATH": "/usr/bin:/bin"], log: log, newSession: true)
        for _ in 0..<100 where pid(config.nginxPid) == nil { usleep(20_000) }
        guard status == 0, pid(config.nginxPid) != nil else {
            let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            throw LPError(.internalError, code: "LP_DAEMON_START_FAILED", "nginx did not start: \(output.suffix(400))")
        }
    }

    /// nginx workers whose master was killed keep the listening socket, and fcgiwrap workers
    /// whose master was killed keep serving a socket nobody reaches: before a start, those of
    /// this daemon are ended (nginx's by descriptors into its logs directory, fcgiwrap's by the
    /// socket their command line names, unless they belong to the live master's group).
    static func killOrphanedWorkers(_ config: DaemonConfig) {
        let liveFcgi = pid(config.fcgiPid)
        let processes = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for name in processes {
            guard let pid = Int32(name), pid != getpid(),
                  let comm = try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8) else { continue }
            if comm.hasPrefix("nginx"), let fds = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd") {
                let ours = fds.contains { fd in
                    (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(fd)"))?.hasPrefix(config.logs + "/") == true
                }
                if ours { kill(pid, SIGKILL) }
            } else if comm.hasPrefix("fcgiwrap"), let cmdline = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") {
                let arguments = cmdline.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
                if arguments.contains("unix:" + config.fcgiSocket), liveFcgi == nil || getpgid(pid) != liveFcgi { kill(pid, SIGKILL) }
            }
        }
    }

    /// Signals the process of a pid file and waits for it; with `group`, its whole process group
    /// (fcgiwrap's children do not follow their parent out).
    static func stop(_ file: String, signal: Int32, group: Bool = false) -> Bool {
        guard let pid = pid(file) else { return false }
        kill(group ? -pid : pid, signal)
        if !ProcessTable.waitForExit([pid], milliseconds: 5_000) { kill(group ? -pid : pid, SIGKILL) }
        unlink(file)
        return true
    }

    static func run(_ program: String, _ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
