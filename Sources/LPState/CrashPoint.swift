import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A test hook for crash safety: with `X07LP_CRASH_AFTER_WRITES=N` in the environment, the
/// process kills itself (SIGKILL, as `kill -9` would) right after its N-th rename into the state
/// directory, so a test can stop an operation at every write point in turn.
public final class CrashPoint: Sendable {
    private let remaining: Mutex<Int>

    public init?(environment: [String: String]) {
        guard let text = environment["X07LP_CRASH_AFTER_WRITES"], let n = Int(text), n > 0 else { return nil }
        remaining = Mutex(n)
    }

    /// Called after each rename.
    func passed() {
        let left = remaining.withLock { count -> Int in
            count -= 1
            return count
        }
        if left == 0 { kill(getpid(), SIGKILL) }
    }
}
