import LPCore
import LPModel
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where a pack's entries come from: a directory walked with lstat, or an archive streamed by
/// libarchive. Both yield headers in a fixed order and let the caller pull each entry's bytes.
protocol PackSource: AnyObject {
    func nextHeader() throws -> ArchiveEntryHeader?
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
    /// Compressed bytes consumed so far; nil when the source is not compressed.
    var compressedBytesRead: Int64? { get }
}

extension ArchiveReader: PackSource {
    var compressedBytesRead: Int64? { compressedBytesConsumed }
}

/// A pack directory. The manifest is yielded first (so declared sizes are known before any asset
/// is read), then every other entry in sorted order. Symlinks and special files are reported as
/// such, never followed.
final class DirectoryPackSource: PackSource {
    private let root: String
    private var pending: [String]
    private var fd: Int32 = -1

    init(root: String, manifestName: String) throws {
        self.root = root
        var names: [String] = []
        try DirectoryPackSource.walk(root, prefix: "", into: &names)
        names.sort()
        if let index = names.firstIndex(of: manifestName) {
            names.remove(at: index)
            names.insert(manifestName, at: 0)
        }
        pending = names
    }

    deinit { if fd >= 0 { close(fd) } }

    var compressedBytesRead: Int64? { nil }

    private static func walk(_ root: String, prefix: String, into names: inout [String]) throws {
        let directory = prefix.isEmpty ? root : root + "/" + prefix
        let children: [String]
        do {
            children = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw LPError(.usage, code: "LP_NOT_FOUND", "cannot read pack directory \(directory): \(error.localizedDescription)")
        }
        for child in children {
            let relative = prefix.isEmpty ? child : prefix + "/" + child
            names.append(relative)
            var info = stat()
            if lstat(root + "/" + relative, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
                try walk(root, prefix: relative, into: &names)
            }
        }
    }

    func nextHeader() throws -> ArchiveEntryHeader? {
        if fd >= 0 { close(fd); fd = -1 }
        guard !pending.isEmpty else { return nil }
        let name = pending.removeFirst()
        let path = root + "/" + name
        var info = stat()
        guard lstat(path, &info) == 0 else {
            throw LPError(.usage, code: "LP_IO", "cannot stat \(path): \(String(cString: strerror(errno)))")
        }
        let kind: ArchiveEntryHeader.Kind
        switch info.st_mode & S_IFMT {
        case S_IFREG: kind = .file
        case S_IFDIR: kind = .directory
        case S_IFLNK: kind = .symlink
        case S_IFCHR, S_IFBLK: kind = .device
        case S_IFIFO: kind = .fifo
        case S_IFSOCK: kind = .socket
        default: kind = .other
        }
        if kind == .file {
            fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
            guard fd >= 0 else { throw LPError(.usage, code: "LP_IO", "cannot open \(path): \(String(cString: strerror(errno)))") }
        }
        return ArchiveEntryHeader(nameBytes: Array(name.utf8), kind: kind, declaredSize: Int64(info.st_size))
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard fd >= 0 else { return 0 }
        while true {
            let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if n >= 0 { return n }
            if errno != EINTR { throw LPError(.usage, code: "LP_IO", "reading pack file: \(String(cString: strerror(errno)))") }
        }
    }
}
