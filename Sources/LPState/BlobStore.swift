import LPCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The content-addressed store: `store/blobs/sha256/<2>/<sha>` plus a small meta record naming
/// the blob. Blobs are immutable; a second put of the same bytes is a no-op. Every write is
/// verified: the bytes are hashed as they go to disk and must match before the rename. Reading
/// needs no lock; storing goes through a write transaction (`tx.putBlob`).
public struct BlobStore {
    public let state: StateDirectory

    public init(state: StateDirectory) { self.state = state }

    public func contains(_ sha256: String) -> Bool { state.exists(StateDirectory.blob(sha256)) }

    public func read(_ sha256: String) throws -> [UInt8] { try state.read(StateDirectory.blob(sha256)) }

    /// A stored JSON document (plan, manifest, profile, captured trace...) by its digest.
    public func readJSON(_ digest: DigestRef) throws -> JSON {
        let bytes = try read(digest.sha256)
        do { return try JSONParser.parse(bytes) } catch {
            throw LPError(.stateCorrupt, code: "LP_STATE_CORRUPT", "blob \(digest.sha256) is not JSON: \(error)")
        }
    }

}

extension WriteTransaction {
    @discardableResult
    public func putBlob(_ bytes: [UInt8], logicalName: String, mediaType: String = "application/json") throws -> ArtifactRef {
        let writer = try BlobWriter(store: BlobStore(state: state))
        try writer.write(bytes.withUnsafeBytes { $0 })
        return try writer.stage(logicalName: logicalName, mediaType: mediaType).commit(in: self)
    }

    /// Stores a JSON document by the digest of its canonical bytes.
    @discardableResult
    public func putBlob(_ document: JSON, logicalName: String) throws -> ArtifactRef {
        try putBlob(document.canonicalBytes, logicalName: logicalName)
    }

    /// The blob's meta record (`store/meta/...`), written once.
    func writeBlobMeta(_ ref: ArtifactRef) throws {
        let relative = StateDirectory.blobMeta(ref.sha256)
        guard !state.exists(relative) else { return }
        let meta: JSON = [
            "sha256": .string(ref.sha256), "bytes_len": .number(Double(ref.bytes_len)),
            "media_type": .string(ref.media_type), "logical_name": .string(ref.logical_name),
        ]
        try writeStoreFile(meta.canonicalBytes, at: relative)
    }
}

/// Streams bytes into a temp file in the blob area while hashing them. `stage` ends the write
/// and checks the digest; the staged blob reaches its content address only on `commit`, so a
/// pack that fails a later check leaves nothing in the store. Large assets never sit in memory.
public final class BlobWriter {
    private let store: BlobStore
    private let tempPath: String
    private let fd: Int32
    private let hasher = SHA256Hasher()
    private var closed = false

    public init(store: BlobStore) throws {
        self.store = store
        let directory = store.state.path("store/blobs/sha256")
        try AtomicFile.makeDirectories(directory)
        tempPath = AtomicFile.temporaryPath(for: directory + "/incoming")
        fd = open(tempPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw AtomicFile.ioError("create", tempPath) }
    }

    deinit {
        if !closed {
            close(fd)
            unlink(tempPath)
        }
    }

    public var bytesWritten: UInt64 { hasher.bytesHashed }

    public func write(_ buffer: UnsafeRawBufferPointer) throws {
        hasher.update(buffer)
        try AtomicFile.writeAll(fd, buffer, path: tempPath)
    }

    /// Ends the write. With `expected`, a digest or length mismatch discards the bytes (exit 12).
    public func stage(logicalName: String, mediaType: String, expected: DigestRef? = nil) throws -> StagedBlob {
        closed = true
        let digest = DigestRef(sha256: Hex.encode(hasher.finish()), bytes_len: Int(hasher.bytesHashed))
        let synced = fsync(fd) == 0
        close(fd)
        if let expected, expected != digest {
            unlink(tempPath)
            throw LPError(.digestMismatch, code: "LP_DIGEST_MISMATCH",
                          "\(logicalName): expected sha256 \(expected.sha256) (\(expected.bytes_len) bytes), got \(digest.sha256) (\(digest.bytes_len) bytes)")
        }
        guard synced else { unlink(tempPath); throw AtomicFile.ioError("fsync", tempPath) }
        let ref = ArtifactRef.blob(digest, logicalName: logicalName, mediaType: mediaType)
        return StagedBlob(store: store, tempPath: tempPath, ref: ref)
    }
}

/// Hashed, synced bytes waiting for their content address. Dropped without `commit`, they vanish.
public final class StagedBlob {
    public let ref: ArtifactRef
    private let store: BlobStore
    private let tempPath: String
    private var done = false

    init(store: BlobStore, tempPath: String, ref: ArtifactRef) {
        self.store = store
        self.tempPath = tempPath
        self.ref = ref
    }

    deinit {
        if !done { unlink(tempPath) }
    }

    /// Moves the bytes to `store/blobs/sha256/<2>/<sha>` (a no-op when already there) and writes
    /// the blob's meta record.
    @discardableResult
    public func commit(in tx: WriteTransaction) throws -> ArtifactRef {
        guard !done else { return ref }
        done = true
        let target = StateDirectory.blob(ref.sha256)
        if store.state.exists(target) {
            unlink(tempPath)
        } else {
            try tx.commitFile(temp: tempPath, to: target)
        }
        try tx.writeBlobMeta(ref)
        tx.blobCommitted(ref)
        return ref
    }

    /// Reads the staged bytes (for small documents such as a pack manifest).
    public func read(limit: Int) throws -> [UInt8] {
        try InputDocument.readFile(tempPath, limit: limit)
    }
}
