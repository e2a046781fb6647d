import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The content-addressed store: `store/blobs/sha256/<2>/<sha>` plus a small meta record naming
/// the blob. Blobs are immutable; a second put of the same bytes is a no-op. Every write is
/// verified: the bytes are hashed as they go to disk and must match before the rename.
public struct BlobStore {
    public let state: StateDirectory

    public init(state: StateDirectory) { self.state = state }

    @discardableResult
    public func put(_ bytes: [UInt8], logicalName: String, mediaType: String = "application/json") throws -> ArtifactRef {
        let writer = try BlobWriter(store: self)
        try writer.write(bytes.withUnsafeBytes { $0 })
        return try writer.commit(logicalName: logicalName, mediaType: mediaType)
    }

    /// Stores a JSON document by the digest of its canonical bytes.
    @discardableResult
    public func put(_ document: JSON, logicalName: String) throws -> ArtifactRef {
        try put(document.canonicalBytes, logicalName: logicalName)
    }

    public func contains(_ sha256: String) -> Bool { state.exists(StateDirectory.blob(sha256)) }

    public func read(_ sha256: String) throws -> [UInt8] { try state.read(StateDirectory.blob(sha256)) }

    func writeMeta(_ ref: ArtifactRef) throws {
        let relative = StateDirectory.blobMeta(ref.sha256)
        guard !state.exists(relative) else { return }
        let meta: JSON = [
            "sha256": .string(ref.sha256), "bytes_len": .number(Double(ref.bytes_len)),
            "media_type": .string(ref.media_type), "logical_name": .string(ref.logical_name),
        ]
        try AtomicFile.write(meta.canonicalBytes, to: state.path(relative))
    }
}

/// Streams bytes into a temp file in the blob area while hashing them; `commit` moves the file
/// to its content address. Used for pack files, so a large asset never sits in memory whole.
public final class BlobWriter {
    private let store: BlobStore
    private let tempPath: String
    private var fd: Int32
    private let hasher = SHA256Hasher()
    private var finished = false

    public init(store: BlobStore) throws {
        self.store = store
        let directory = store.state.path("store/blobs/sha256")
        try AtomicFile.makeDirectories(directory)
        tempPath = AtomicFile.temporaryPath(for: directory + "/incoming")
        fd = open(tempPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw AtomicFile.ioError("create", tempPath) }
    }

    deinit {
        if !finished {
            close(fd)
            unlink(tempPath)
        }
    }

    public var bytesWritten: UInt64 { hasher.bytesHashed }

    public func write(_ buffer: UnsafeRawBufferPointer) throws {
        hasher.update(buffer)
        try AtomicFile.writeAll(fd, buffer, path: tempPath)
    }

    /// Finishes the blob. With `expected`, a digest or length mismatch discards it (exit 12).
    public func commit(logicalName: String, mediaType: String, expected: DigestRef? = nil) throws -> ArtifactRef {
        finished = true
        defer { close(fd) }
        let digest = DigestRef(sha256: Hex.encode(hasher.finish()), bytes_len: Int(hasher.bytesHashed))
        if let expected, expected != digest {
            unlink(tempPath)
            throw LPError(.digestMismatch, code: "LP_DIGEST_MISMATCH",
                          "\(logicalName): expected sha256 \(expected.sha256) (\(expected.bytes_len) bytes), got \(digest.sha256) (\(digest.bytes_len) bytes)")
        }
        guard fsync(fd) == 0 else { unlink(tempPath); throw AtomicFile.ioError("fsync", tempPath) }
        let ref = ArtifactRef(digest: digest, mediaType: mediaType, logicalName: logicalName,
                              storeURI: "sha256:" + digest.sha256)
        let target = store.state.path(StateDirectory.blob(digest.sha256))
        if FileManager.default.fileExists(atPath: target) {
            unlink(tempPath)
        } else {
            try AtomicFile.commit(temp: tempPath, to: target)
        }
        try store.writeMeta(ref)
        return ref
    }
}
