import LPCore
import LPModel
#if canImport(Glibc)
import Glibc
#endif

/// One `readdir` pass over the state directory (no `stat` per file unless the file system does
/// not report entry types). Symlinks are listed, never followed.
enum StateWalker {
    struct Listing {
        /// Regular files, relative to the root.
        var files: [String] = []
        /// Symlinks, FIFOs, sockets, devices.
        var special: [String] = []
        /// Directories that could not be opened.
        var unreadable: [String] = []
    }

    static func walk(root: String) -> Listing {
        var listing = Listing()
        var pending = [""]
        while let relative = pending.popLast() {
            let directory = relative.isEmpty ? root : root + "/" + relative
            guard let handle = opendir(directory) else {
                listing.unreadable.append(relative)
                continue
            }
            while let entry = readdir(handle) {
                let name = withUnsafePointer(to: entry.pointee.d_name) {
                    $0.withMemoryRebound(to: CChar.self, capacity: MemoryLayout.size(ofValue: entry.pointee.d_name)) {
                        String(cString: $0)
                    }
                }
                if name == "." || name == ".." { continue }
                let path = relative.isEmpty ? name : relative + "/" + name
                switch entryType(entry.pointee.d_type, root + "/" + path) {
                case Int(DT_DIR): pending.append(path)
                case Int(DT_REG): listing.files.append(path)
                default: listing.special.append(path)
                }
            }
            closedir(handle)
        }
        return listing
    }

    private static func entryType(_ type: UInt8, _ path: String) -> Int {
        guard Int(type) == Int(DT_UNKNOWN) else { return Int(type) }
        var info = stat()
        guard lstat(path, &info) == 0 else { return Int(DT_UNKNOWN) }
        switch info.st_mode & S_IFMT {
        case S_IFDIR: return Int(DT_DIR)
        case S_IFREG: return Int(DT_REG)
        default: return Int(DT_UNKNOWN)
        }
    }
}
