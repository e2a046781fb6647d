import LPCore
import LPState
import LPModel
import LPIndex
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A local slot on disk: the pack's served tree (each asset at its serve path), plus
/// `_backend/component.wasm` and `_backend/app.pack.json`, the manifest the tree was built from,
/// which makes the tree self-describing (its SHA-256 is the slot's revision). Files are hard
/// links to the content store's blobs (copies when the store is on another file system), so a
/// tree costs no data blocks; nothing may write to them, since that would change the blob.
///
/// Directory changes are whole-tree renames, so the slot path only ever shows a complete tree:
/// trees are built in `.<slot>.tmp-*` and renamed into place, and replaced or removed trees are
/// first renamed aside to `.<slot>.old-*`. A crash leaves at most such a hidden sibling, which the
/// next operation on the slot deletes. Callers hold the state's writer lock.
struct SlotTree {
    static let componentPath = PackLayout.reservedDirectory + "/component.wasm"
    static let manifestPath = PackLayout.reservedDirectory + "/app.pack.json"

    let store: BlobStore

    /// Every file of the tree (relative path) and the blob it is.
    static func entries(_ layout: PackLayout) -> [(path: String, digest: DigestRef)] {
        layout.files.map { ($0.relativePath, $0.digest) } + [(componentPath, layout.backend), (manifestPath, layout.revision)]
    }

    /// Builds the tree of `layout` and puts it at `directory`, replacing what was there.
    func materialize(_ layout: PackLayout, at directory: String) throws {
        let entries = Self.entries(layout)
        if let missing = entries.first(where: { !store.contains($0.digest.sha256) }) {
            throw LPError(.stateCorrupt, code: "LP_STATE_CORRUPT",
                          "blob \(missing.digest.sha256) (\(missing.path)) is not in the content store")
        }
        try AtomicFile.makeDirectories(Self.parent(of: directory))
        Self.removeLeftovers(of: directory)
        let temp = AtomicFile.temporaryPath(for: directory)
        var built = false
        defer {
            if !built { try? FileManager.default.removeItem(atPath: temp) }
        }
        var directories: Set<String> = [temp]
        for entry in entries {
            let components = entry.path.split(separator: "/").map(String.init)
            for end in components.indices.dropFirst() {
                directories.insert(temp + "/" + components[..<end].joined(separator: "/"))
            }
        }
        for directory in directories.sorted() {
            try AtomicFile.makeDirectories(directory)
        }
        for entry in entries {
            try Self.place(blob: store.state.path(StateDirectory.blob(entry.digest.sha256)), at: temp + "/" + entry.path)
        }
        for directory in directories {
            AtomicFile.syncDirectory(directory)
        }
        try Self.replace(directory, with: temp)
        built = true
    }

    /// What is wrong with the tree at `directory` for revision `revision` (empty: healthy). Checks
    /// that the tree is that revision and that every file is present with its declared size
    /// (sizes, not digests: a probe must stay cheap, and the files are links to verified blobs).
    func verify(_ directory: String, revision: DigestRef) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            return ["\(directory) is missing"]
        }
        guard let data = FileManager.default.contents(atPath: directory + "/" + Self.manifestPath) else {
            return ["\(Self.manifestPath) is missing"]
        }
        let manifestBytes = [UInt8](data)
        let held = DigestRef(of: manifestBytes)
        guard held == revision else { return ["the tree holds revision \(held.sha256), expected \(revision.sha256)"] }
        let layout: PackLayout
        do { layout = try PackLayout.from(manifest: try JSONParser.parse(manifestBytes)) } catch {
            return ["\(Self.manifestPath): \(error)"]
        }
        return Self.entries(layout).compactMap { entry in
            var info = stat()
            guard lstat(directory + "/" + entry.path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
                return "/\(entry.path) is missing"
            }
            guard Int(info.st_size) == entry.digest.bytes_len else {
                return "/\(entry.path) has \(info.st_size) bytes, expected \(entry.digest.bytes_len)"
            }
            return nil
        }
    }

    /// Puts the tree at `source` at `directory`. An existing tree is renamed aside first and
    /// deleted after; if the second rename fails, it is put back.
    static func replace(_ directory: String, with source: String) throws {
        let parent = parent(of: directory)
        guard FileManager.default.fileExists(atPath: directory) else {
            try rename(source, to: directory)
            AtomicFile.syncDirectory(parent)
            return
        }
        let aside = asidePath(for: directory)
        try rename(directory, to: aside)
        do { try rename(source, to: directory) } catch {
            Glibc.rename(aside, directory)
            throw error
        }
        AtomicFile.syncDirectory(parent)
        try? FileManager.default.removeItem(atPath: aside)
    }

    /// Deletes the tree at `directory` (renamed aside first, so a crash never leaves half a tree
    /// at the slot path). Nothing there is fine.
    static func remove(_ directory: String) throws {
        removeLeftovers(of: directory)
        guard FileManager.default.fileExists(atPath: directory) else { return }
        let aside = asidePath(for: directory)
        try rename(directory, to: aside)
        AtomicFile.syncDirectory(parent(of: directory))
        try? FileManager.default.removeItem(atPath: aside)
    }

    /// Deletes the `.<slot>.tmp-*` and `.<slot>.old-*` siblings an interrupted operation left.
    /// Best effort: one that cannot be deleted now is retried by the next operation.
    static func removeLeftovers(of directory: String) {
        let parent = parent(of: directory)
        let name = (directory as NSString).lastPathComponent
        let prefixes = [".\(name).tmp-", ".\(name).old-"]
        let siblings = (try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? []
        for sibling in siblings where prefixes.contains(where: { sibling.hasPrefix($0) }) {
            try? FileManager.default.removeItem(atPath: parent + "/" + sibling)
        }
    }

    /// Hard-links the blob at `target`, or copies it when the link is refused (another file
    /// system, a file system without hard links, the link count limit).
    static func place(blob: String, at target: String) throws {
        if link(blob, target) == 0 { return }
        try copyFile(from: blob, to: target)
    }

    /// Copies `source` to the new file `target` and syncs it.
    static func copyFile(from source: String, to target: String) throws {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw AtomicFile.ioError("open", source) }
        defer { close(input) }
        let output = open(target, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard output >= 0 else { throw AtomicFile.ioError("create", target) }
        defer { close(output) }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(input, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw AtomicFile.ioError("read", source)
            }
            if count == 0 { break }
            try buffer.withUnsafeBytes { try AtomicFile.writeAll(output, UnsafeRawBufferPointer(rebasing: $0[..<count]), path: target) }
        }
        guard fsync(output) == 0 else { throw AtomicFile.ioError("fsync", target) }
    }

    private static func rename(_ from: String, to: String) throws {
        guard Glibc.rename(from, to) == 0 else { throw AtomicFile.ioError("rename \(from) to", to) }
    }

    private static func asidePath(for directory: String) -> String {
        parent(of: directory) + "/.\((directory as NSString).lastPathComponent).old-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    }

    private static func parent(of path: String) -> String {
        (path as NSString).deletingLastPathComponent
    }
}
