import LPCore
import LPState
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Starts a process that outlives its starter (a CGI request, `x07lpd start`): its own session
/// (so fcgiwrap and nginx signals do not reach it), stdin from /dev/null, stdout and stderr
/// appended to `log`, no other descriptor (so it holds no pipe anyone waits on).
public enum DetachedProcess {
    /// glibc's POSIX_SPAWN_SETSID (spawn.h), which the Glibc module does not import.
    static let setsidFlag: Int16 = 0x80

    public static func spawn(_ binary: String, _ arguments: [String], environment: [String: String], log: String) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // Nothing else open is passed on: an inherited descriptor (a parent's pipe or the socket
        // Foundation watches for its child's exit) would tie the daemon to whoever started it.
        for fd in Int32(3)..<Int32(1024) where fcntl(fd, F_GETFD) != -1 {
            posix_spawn_file_actions_addclose(&actions, fd)
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, setsidFlag)
        let argv = ([binary] + arguments).map { strdup($0) } + [nil]
        let envp = environment.sorted { $0.key < $1.key }.map { strdup($0.key + "=" + $0.value) } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, binary, &actions, &attributes, argv, envp)
        guard status == 0 else {
            throw ServeError.internalError("cannot start the run worker: \(String(cString: strerror(status)))")
        }
        return pid
    }
}
