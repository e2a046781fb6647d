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

/// Streams the entries of a tar (plain, gzip, bzip2, xz, zstd or lz4) or zip archive through
/// libarchive in one pass, with nothing executed and every byte bounded:
///
/// - only the decompressors built into libarchive are enabled (a filter that would run an
///   external program, such as lzop or lrzip, is never registered), and only the tar and zip
///   formats;
/// - the archive is read through our own callbacks: raw input is capped, and closing never
///   drains a pipe (libarchive's own file reader reads a pipe to its end on close);
/// - a tar is decompressed by one libarchive object and parsed by another, so the header
///   blocks of every entry can be audited: libarchive silently skips GNU volume headers, which
///   are refused here;
/// - a zip must be a seekable file; its structure is checked first (`ZipAudit`: central
///   directory complete, local and central names equal, no prefix or gap) and it is then read
///   through its central directory.
public final class ArchiveReader {
    enum Layout { case tar, zip }

    private let path: String
    private let input: ArchiveInput
    private var layout = Layout.tar
    /// Tar: decompresses the input (filters + the raw format) for `handle` to parse.
    private var decoder: OpaquePointer?
    private var feed: TarFeed?
    /// The tar or zip reader whose entries are returned.
    private var handle: OpaquePointer?
    private var zipEntryCount = 0
    private var entriesSeen = 0
    private var atEnd = false

    /// Filters whose decompressor is built into libarchive. Each is registered only when
    /// libarchive says it is built in (`ARCHIVE_OK`); `ARCHIVE_WARN` means it would run an
    /// external program, and such a filter stays off.
    private static func enableBuiltInFilters(_ archive: OpaquePointer) {
        let filters: [(OpaquePointer?) -> Int32] = [
            archive_read_support_filter_gzip, archive_read_support_filter_bzip2, archive_read_support_filter_xz,
            archive_read_support_filter_zstd, archive_read_support_filter_lz4,
        ]
        for enable in filters {
            guard let probe = archive_read_new() else { continue }
            let builtIn = enable(probe) == ARCHIVE_OK
            archive_read_free(probe)
            if builtIn { _ = enable(archive) }
        }
    }

    /// The cap on raw (and decompressed) archive bytes: the data cap plus generous room for
    /// headers, padding and incompressible data.
    static func inputCap(_ limits: PackLimits) -> Int64 {
        limits.maxTotalBytes + limits.maxTotalBytes / 64 + Int64(limits.maxEntries) * 4096 + (1 << 20)
    }

    init(path: String, limits: PackLimits) throws {
        self.path = path
        let cap = ArchiveReader.inputCap(limits)
        input = try ArchiveInput(path: path, cap: cap)
        if input.seekable, input.fileSize > cap {
            throw LPError(.invalidInput, code: "LP_PACK_TOO_LARGE",
                          "\(path): archive of \(input.fileSize) bytes is larger than \(cap) bytes allowed for --max-pack-bytes \(limits.maxTotalBytes) (raise with --max-pack-bytes)")
        }
        let magic = try input.peek(4)
        if magic == [0x50, 0x4B, 0x03, 0x04] || magic == [0x50, 0x4B, 0x05, 0x06] {
            guard input.seekable else {
                throw invalid("a zip pack must be a regular file (its central directory is at its end); stream a tar instead")
            }
            layout = .zip
            zipEntryCount = try ZipAudit.check(fd: input.fd, size: input.fileSize, path: path)
            try openZip()
        } else {
            try openTar(cap: cap)
        }
    }

    deinit {
        // The parser reads from the decoder, so it goes first; neither closes or drains the input.
        if let handle { archive_read_free(handle) }
        if let decoder { archive_read_free(decoder) }
    }

    private func invalid(_ what: String) -> LPError {
        LPError(.invalidInput, code: "LP_PACK_ARCHIVE_INVALID", "\(path): \(what)")
    }

    private func message(_ archive: OpaquePointer?) -> String {
        archive.flatMap { archive_error_string($0) }.map { String(cString: $0) } ?? "unknown libarchive error"
    }

    /// A libarchive failure: the byte cap when that is what stopped it, else an invalid archive.
    private func failure(_ what: String) -> LPError {
        if input.overCap || feed?.overCap == true {
            return LPError(.invalidInput, code: "LP_PACK_TOO_LARGE",
                           "\(path): more than \(input.cap) archive bytes read (raise with --max-pack-bytes)")
        }
        return invalid("\(what): \(message(handle))")
    }

    private func openZip() throws {
        guard let zip = archive_read_new() else { throw LPError(.internalError, code: "LP_INTERNAL", "archive_read_new failed") }
        handle = zip
        archive_read_support_format_zip_seekable(zip)
        archive_read_set_options(zip, "zip:!mac-ext")  // __MACOSX/._x entries are entries, not metadata
        input.attach(zip, seekable: true)
        guard archive_read_open1(zip) == ARCHIVE_OK else { throw failure("not a readable zip archive") }
    }

    private func openTar(cap: Int64) throws {
        guard let decoder = archive_read_new() else { throw LPError(.internalError, code: "LP_INTERNAL", "archive_read_new failed") }
        self.decoder = decoder
        ArchiveReader.enableBuiltInFilters(decoder)
        archive_read_support_format_raw(decoder)
        input.attach(decoder, seekable: false)
        var stream: OpaquePointer?
        guard archive_read_open1(decoder) == ARCHIVE_OK, archive_read_next_header(decoder, &stream) == ARCHIVE_OK else {
            if input.overCap { throw failure("reading") }
            throw invalid("not a readable tar or zip archive (\(message(decoder)))")
        }
        guard let tar = archive_read_new() else { throw LPError(.internalError, code: "LP_INTERNAL", "archive_read_new failed") }
        handle = tar
        archive_read_support_format_tar(tar)
        archive_read_set_options(tar, "tar:!mac-ext")  // a ._x entry is an entry, not metadata of the next one
        let feed = TarFeed(decoder: decoder, input: input, cap: cap)
        self.feed = feed
        feed.attach(tar)
        guard archive_read_open1(tar) == ARCHIVE_OK else {
            if input.overCap || feed.overCap { throw failure("reading") }
            throw invalid("not a readable tar or zip archive (only tar, tar.gz, tar.bz2, tar.xz, tar.zst, tar.lz4 and zip are read): \(message(tar))")
        }
    }

    /// Compressed bytes consumed so far (for expansion-ratio limits).
    public var compressedBytesConsumed: Int64 { input.bytesRead }

    /// The next entry's header, or nil at the end of the archive.
    public func nextHeader() throws -> ArchiveEntryHeader? {
        guard !atEnd, let handle else { return nil }
        var entry: OpaquePointer?
        let status = archive_read_next_header(handle, &entry)
        if status == ARCHIVE_EOF {
            atEnd = true
            if layout == .zip, entriesSeen != zipEntryCount {
                throw invalid("the zip's central directory lists \(zipEntryCount) entries, \(entriesSeen) were read")
            }
            return nil
        }
        guard status == ARCHIVE_OK || status == ARCHIVE_WARN, let entry else { throw failure("corrupt or truncated archive") }
        entriesSeen += 1
        if let feed { try feed.auditHeaders(of: handle, path: path) }
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
        guard let handle else { return 0 }
        let n = archive_read_data(handle, buffer.baseAddress, buffer.count)
        guard n >= 0 else { throw failure("corrupt or truncated entry data") }
        return n
    }
}

/// The raw bytes of an archive: a file or a pipe opened here and read through libarchive
/// callbacks. Reads from a pipe are capped; closing never drains anything.
final class ArchiveInput {
    let fd: Int32
    let seekable: Bool
    let fileSize: Int64
    let cap: Int64
    private(set) var bytesRead: Int64 = 0
    private(set) var overCap = false
    /// Bytes peeked from a pipe, handed out before anything else is read.
    private var pending: [UInt8] = []
    private let chunkSize = 1 << 16
    private let chunk: UnsafeMutableRawPointer

    init(path: String, cap: Int64) throws {
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw LPError(.usage, code: "LP_IO", "cannot open \(path): \(String(cString: strerror(errno)))") }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw LPError(.usage, code: "LP_IO", "cannot stat \(path): \(reason)")
        }
        seekable = (info.st_mode & S_IFMT) == S_IFREG
        fileSize = seekable ? Int64(info.st_size) : 0
        self.cap = cap
        chunk = UnsafeMutableRawPointer.allocate(byteCount: 1 << 16, alignment: 16)
    }

    deinit {
        close(fd)
        chunk.deallocate()
    }

    /// The first `count` bytes (fewer at the end of the input), without consuming them.
    func peek(_ count: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        if seekable {
            let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, count, 0) }
            return n > 0 ? Array(bytes[0..<n]) : []
        }
        while pending.count < count {
            let n = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, count - pending.count) }
            if n < 0, errno == EINTR { continue }
            if n <= 0 { break }
            pending += bytes[0..<n]
        }
        return pending
    }

    /// Registers the callbacks on `archive`; a seek callback only for a regular file.
    func attach(_ archive: OpaquePointer, seekable withSeek: Bool) {
        archive_read_set_callback_data(archive, Unmanaged.passUnretained(self).toOpaque())
        archive_read_set_read_callback(archive) { archive, data, buffer in
            guard let data, let buffer else { return -1 }
            return Unmanaged<ArchiveInput>.fromOpaque(data).takeUnretainedValue().readChunk(archive, buffer)
        }
        if withSeek && seekable {
            archive_read_set_seek_callback(archive) { _, data, offset, whence in
                guard let data else { return -1 }
                let input = Unmanaged<ArchiveInput>.fromOpaque(data).takeUnretainedValue()
                return Int64(lseek(input.fd, off_t(offset), whence))
            }
        }
        // No close callback: the descriptor is closed by deinit, and nothing is drained.
    }

    private func readChunk(_ archive: OpaquePointer?, _ buffer: UnsafeMutablePointer<UnsafeRawPointer?>) -> Int {
        var n: Int
        if !pending.isEmpty {
            n = pending.count
            pending.withUnsafeBytes { chunk.copyMemory(from: $0.baseAddress!, byteCount: n) }
            pending = []
        } else {
            repeat { n = Glibc.read(fd, chunk, chunkSize) } while n < 0 && errno == EINTR
            if n < 0 {
                carchive_set_error(archive, errno, "read error: \(String(cString: strerror(errno)))")
                return -1
            }
        }
        bytesRead += Int64(n)
        if !seekable, bytesRead > cap {
            overCap = true
            carchive_set_error(archive, EFBIG, "more than \(cap) bytes of input")
            return -1
        }
        buffer.pointee = UnsafeRawPointer(chunk)
        return n
    }
}

/// Hands the decompressed stream of a tar to the tar parser, keeping the most recent bytes so the
/// header blocks of each entry can be audited after the parser read them.
final class TarFeed {
    private let decoder: OpaquePointer
    private let input: ArchiveInput
    private let cap: Int64
    private(set) var overCap = false
    private var fed: Int64 = 0
    private let chunkSize = 1 << 16
    private let chunk: UnsafeMutableRawPointer
    /// The last bytes handed to the parser: `window[0]` is stream offset `windowStart`.
    private var window: [UInt8] = []
    private var windowStart: Int64 = 0
    /// Header blocks (pax, long names) of one entry may take at most this much.
    static let windowBytes = 8 << 20

    init(decoder: OpaquePointer, input: ArchiveInput, cap: Int64) {
        self.decoder = decoder
        self.input = input
        self.cap = cap
        chunk = UnsafeMutableRawPointer.allocate(byteCount: 1 << 16, alignment: 16)
    }

    deinit { chunk.deallocate() }

    func attach(_ archive: OpaquePointer) {
        archive_read_set_callback_data(archive, Unmanaged.passUnretained(self).toOpaque())
        archive_read_set_read_callback(archive) { archive, data, buffer in
            guard let data, let buffer else { return -1 }
            return Unmanaged<TarFeed>.fromOpaque(data).takeUnretainedValue().readChunk(archive, buffer)
        }
    }

    private func readChunk(_ archive: OpaquePointer?, _ buffer: UnsafeMutablePointer<UnsafeRawPointer?>) -> Int {
        let n = archive_read_data(decoder, chunk, chunkSize)
        if n < 0 {
            let reason = archive_error_string(decoder).map { String(cString: $0) } ?? "decompression failed"
            carchive_set_error(archive, EIO, reason)
            return -1
        }
        fed += Int64(n)
        if fed > cap {
            overCap = true
            carchive_set_error(archive, EFBIG, "more than \(cap) decompressed bytes")
            return -1
        }
        window.append(contentsOf: UnsafeRawBufferPointer(start: chunk, count: n))
        if window.count > 2 * TarFeed.windowBytes {
            let drop = window.count - TarFeed.windowBytes
            window.removeFirst(drop)
            windowStart += Int64(drop)
        }
        buffer.pointee = UnsafeRawPointer(chunk)
        return n
    }

    /// Walks the header blocks libarchive consumed for the entry it just returned (from
    /// `archive_read_header_position` to where its data starts): extension headers (pax `x`/`g`,
    /// GNU long names `L`/`K`, Solaris `X`/`A`) are followed; a GNU volume header (`V`), which
    /// libarchive skips without a word, is refused.
    func auditHeaders(of tar: OpaquePointer, path: String) throws {
        let start = archive_read_header_position(tar)
        let dataStart = archive_filter_bytes(tar, 0)
        guard start >= windowStart, dataStart >= start, dataStart - windowStart <= Int64(window.count) else {
            throw LPError(.invalidInput, code: "LP_PACK_ARCHIVE_INVALID",
                          "\(path): the header blocks of one tar entry take more than \(TarFeed.windowBytes) bytes")
        }
        var offset = Int(start - windowStart)
        let end = Int(dataStart - windowStart)
        while offset + 512 <= end {
            let block = window[offset..<offset + 512]
            let type = block[block.startIndex + 156]
            if type == UInt8(ascii: "V") {
                let name = String(decoding: block.prefix(100).prefix { $0 != 0 }, as: UTF8.self)
                throw LPError(.invalidInput, code: "LP_PACK_ENTRY_SPECIAL",
                              "pack entry \"\(name.prefix(200))\" is a GNU tar volume header; packs hold regular files only")
            }
            guard [UInt8]("xgLKXA".utf8).contains(type) else { return }  // the entry's own header
            guard let size = TarFeed.size(block[(block.startIndex + 124)..<(block.startIndex + 136)]) else {
                throw LPError(.invalidInput, code: "LP_PACK_ARCHIVE_INVALID", "\(path): a tar header has an unreadable size field")
            }
            let padded = (size + 511) / 512 * 512
            guard padded <= Int64(end - offset) else { return }
            offset += 512 + Int(padded)
        }
    }

    /// A tar size field: octal digits (space or NUL padded) or GNU base-256.
    static func size(_ field: ArraySlice<UInt8>) -> Int64? {
        guard let first = field.first else { return nil }
        if first & 0x80 != 0 {
            let bytes = Array(field)
            guard first == 0x80, bytes.count == 12, bytes[1..<4].allSatisfy({ $0 == 0 }), bytes[4] < 0x80 else { return nil }
            return field.dropFirst(4).reduce(Int64(0)) { $0 << 8 | Int64($1) }
        }
        var value: Int64 = 0
        for byte in field.drop(while: { $0 == 0x20 }) {
            if byte == 0 || byte == 0x20 { break }
            guard byte >= 0x30, byte <= 0x37, value < (1 << 60) else { return nil }
            value = value * 8 + Int64(byte - 0x30)
        }
        return value
    }
}
