import LPCore
import LPModel
import CArchive
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One entry header as an archive declares it, before any of its data is read.
public struct ArchiveEntryHeader: Sendable {
    public enum Kind: Sendable, Equatable { case file, directory, symlink, hardlink, device, fifo, socket, other }

    /// The raw name bytes (may be non-UTF-8: the caller decides what to refuse).
    public var nameBytes: [UInt8]
    public var kind: Kind
    /// Size from the header; nil when the format does not say (e.g. streamed zip entries).
    public var declaredSize: Int64?

    public init(nameBytes: [UInt8], kind: Kind, declaredSize: Int64?) {
        self.nameBytes = nameBytes
        self.kind = kind
        self.declaredSize = declaredSize
    }
}

/// Streams the entries of a tar / tar.gz / tar.xz / tar.zst / zip archive through libarchive in
/// one pass. Formats are limited to tar and zip; compression filters are detected by content.
public final class ArchiveReader {
    private let handle: OpaquePointer
    private let path: String
    private var atEnd = false

    public init(path: String) throws {
        guard let handle = archive_read_new() else { throw LPError(.internalError, code: "LP_INTERNAL", "archive_read_new failed") }
        self.handle = handle
        self.path = path
        archive_read_support_filter_all(handle)
        archive_read_support_format_tar(handle)
        archive_read_support_format_zip(handle)
        guard archive_read_open_filename(handle, path, 1 << 16) == ARCHIVE_OK else {
            // The object is fully initialized here, so deinit frees the handle.
            let message = errorMessage
            throw LPError(.invalidInput, code: "LP_PACK_ARCHIVE_INVALID", "\(path): not a readable tar or zip archive (\(message))")
        }
    }

    deinit { archive_read_free(handle) }

    private var errorMessage: String {
        archive_error_string(handle).map { String(cString: $0) } ?? "unknown libarchive error"
    }

    private func failure(_ what: String) -> LPError {
        LPError(.invalidInput, code: "LP_PACK_ARCHIVE_INVALID", "\(path): \(what): \(errorMessage)")
    }

    /// Compressed bytes consumed so far (for expansion-ratio limits).
    public var compressedBytesConsumed: Int64 { archive_filter_bytes(handle, -1) }

    /// The next entry's header, or nil at the end of the archive.
    public func nextHeader() throws -> ArchiveEntryHeader? {
        guard !atEnd else { return nil }
        var entry: OpaquePointer?
        let status = archive_read_next_header(handle, &entry)
        if status == ARCHIVE_EOF { atEnd = true; return nil }
        guard status == ARCHIVE_OK || status == ARCHIVE_WARN, let entry else { throw failure("corrupt or truncated archive") }
        let nameBytes: [UInt8] = archive_entry_pathname(entry).map { Array(UnsafeBufferPointer(start: UnsafeRawPointer($0).assumingMemoryBound(to: UInt8.self), count: strlen($0))) } ?? []
        let kind: ArchiveEntryHeader.Kind
        if archive_entry_hardlink(entry) != nil {
            kind = .hardlink
        } else {
            switch UInt32(archive_entry_filetype(entry)) & UInt32(Glibc.S_IFMT) {
            case UInt32(Glibc.S_IFREG): kind = .file
            case UInt32(Glibc.S_IFDIR): kind = .directory
            case UInt32(Glibc.S_IFLNK): kind = .symlink
            case UInt32(Glibc.S_IFCHR), UInt32(Glibc.S_IFBLK): kind = .device
            case UInt32(Glibc.S_IFIFO): kind = .fifo
            case UInt32(Glibc.S_IFSOCK): kind = .socket
            default: kind = .other
            }
        }
        let size: Int64? = archive_entry_size_is_set(entry) != 0 ? archive_entry_size(entry) : nil
        return ArchiveEntryHeader(nameBytes: nameBytes, kind: kind, declaredSize: size)
    }

    /// Reads the current entry's data into `buffer`; 0 at the end of the entry.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = archive_read_data(handle, buffer.baseAddress, buffer.count)
        guard n >= 0 else { throw failure("corrupt or truncated entry data") }
        return n
    }
}
