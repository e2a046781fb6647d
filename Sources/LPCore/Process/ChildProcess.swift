import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Child processes started with posix_spawn: stdin from /dev/null, stdout and stderr to a log
/// file, and no other descriptor passed on. Foundation's `Process` would hand the child the
/// socket it watches for the child's exit (and the parent's pipes): a daemon started that way
/// (nginx's master, fcgiwrap, a detached run) ties whoever started it until the daemon ends.
public enum ChildProcess {
    public struct SpawnError: Error, CustomStringConvertible {
        public let program: String
        public let errno: Int32
        public var description: String { "cannot run \(program): \(String(cString: strerror(errno)))" }
    }

    /// glibc's POSIX_SPAWN_SETSID (spawn.h), which the Glibc module does not import.
    static let setsidFlag: Int16 = 0x80

    /// Starts `program`; with `newSession` it gets its own session, so signals to its starter's
    /// group do not reach it. `appendLog` appends to `log` instead of truncating it.
    public static func start(_ program: String, _ arguments: [String], environment: [String: String], log: String,
                             appendLog: Bool = true, newSession: Bool = true) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | (appendLog ? O_APPEND : O_TRUNC), 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        for fd in Int32(3)..<Int32(1024) where fcntl(fd, F_GETFD) != -1 {
            posix_spawn_file_actions_addclose(&actions, fd)
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        if newSession { posix_spawnattr_setflags(&attributes, setsidFlag) }
        let argv = ([program] + arguments).map { strdup($0) } + [nil]
        let envp = environment.sorted { $0.key < $1.key }.map { strdup($0.key + "=" + $0.value) } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, program, &actions, &attributes, argv, envp)
        guard status == 0 else { throw SpawnError(program: program, errno: status) }
        return pid
    }

    /// Runs `program` to its end; its exit status (128 + signal when a signal ended it) and
    /// the log's text.
    public static func run(_ program: String, _ arguments: [String], environment: [String: String], log: String,
                           newSession: Bool = false) throws -> (status: Int32, output: String) {
        let pid = try start(program, arguments, environment: environment, log: log, appendLog: false, newSession: newSession)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        // WIFEXITED / WEXITSTATUS, which the Glibc module does not import.
        let code = status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        return (code, output.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
