import Foundation

/// Keeps `index.sqlite` current as writers write (SPEC §10: updated incrementally by every
/// writing stage inside its lock). Taking the writer lock attaches the state's index when the
/// file exists (rebuilding it first if it is stale, so the writer's own writes are not mistaken
/// for changes behind its back); every record written through `StateDirectory.writeRecord` and
/// every blob committed is then handed to it. A missing index stays missing: the next query
/// builds it. An index update that fails never fails the write (the files are the truth); it
/// leaves the index stale, and the next query rebuilds it.
enum IndexMaintenance {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var attached: [String: StateIndex] = [:]

    /// Called with the writer lock held, before the first write of this lock section.
    static func attach(_ state: StateDirectory) {
        lock.lock()
        defer { lock.unlock() }
        guard attached[state.root] == nil, FileManager.default.fileExists(atPath: state.path(StateDirectory.index)) else { return }
        attached[state.root] = try? StateIndex.open(state: state).0
    }

    static func recordWritten(_ state: StateDirectory, relativePath: String, document: JSON, digest: DigestRef) {
        guard let index = index(for: state) else { return }
        if (try? index.recordWritten(relativePath: relativePath, document: document, digest: digest)) == nil {
            detach(state)
        }
    }

    static func blobWritten(_ state: StateDirectory, _ ref: ArtifactRef) {
        index(for: state)?.blobWritten(ref)
    }

    private static func index(for state: StateDirectory) -> StateIndex? {
        lock.lock()
        defer { lock.unlock() }
        return attached[state.root]
    }

    private static func detach(_ state: StateDirectory) {
        lock.lock()
        attached[state.root] = nil
        lock.unlock()
    }
}
