import LPCore
import LPState
import LPModel
import LPStage

/// A pack read into staging: its manifest (in memory) and every other file as a staged blob,
/// hashed while it was copied. Nothing is in the store until the caller commits.
struct IngestedPack {
    var manifestBytes: [UInt8]
    var files: [String: StagedBlob]
    var entryCount: Int
    var totalBytes: Int64
    var skippedManifests: [String]
}

/// One streaming pass over a pack source. Unsafe entries and cap violations stop the pass at
/// once (exit 3); seal problems (missing, undeclared, wrong size or digest) are collected and
/// reported together (exit 12), each naming its file; a file longer than declared stops the pass.
struct PackIngest {
    let source: PackSource
    let manifestName: String
    let store: BlobStore
    let limits: PackLimits
    /// Parses and validates the manifest; returns the files it declares.
    let declare: ([UInt8]) throws -> [String: DigestRef]
    /// Called with the bytes read so far (for progress on long intakes).
    var progress: (Int64) -> Void = { _ in }

    func run() throws -> IngestedPack {
        var seen = Set<String>()
        var skippedManifests: [String] = []
        var files: [String: StagedBlob] = [:]
        var manifestBytes: [UInt8]?
        var declared: [String: DigestRef]?
        var entries = 0
        var total: Int64 = 0
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var tree = PackTree()

        while let header = try source.nextHeader() {
            entries += 1
            guard entries <= limits.maxEntries else {
                throw LPError(.invalidInput, code: "LP_PACK_TOO_MANY_ENTRIES",
                              "pack has more than \(limits.maxEntries) entries (raise with --max-pack-entries)")
            }
            let name: String
            switch try PackEntryName.normalize(header.nameBytes) {
            case .path(let path): name = path
            case .root:
                // `tar -C pack -cf pack.tar .` starts with the root directory itself.
                guard header.kind == .directory else {
                    throw LPError(.invalidInput, code: "LP_PACK_PATH_UNSAFE",
                                  "unsafe pack entry \"\(String(decoding: header.nameBytes, as: UTF8.self))\": the pack root is not a directory")
                }
                try drainDirectory(".", buffer: &buffer, total: &total)
                continue
            }
            switch header.kind {
            case .directory:
                try tree.add(directory: name)
                try drainDirectory(name, buffer: &buffer, total: &total)
                continue
            case .file: break
            case .symlink, .hardlink:
                throw LPError(.invalidInput, code: "LP_PACK_ENTRY_LINK", "pack entry \"\(name)\" is a \(header.kind == .symlink ? "symlink" : "hardlink"); packs hold regular files only")
            case .device, .fifo, .socket, .other:
                throw LPError(.invalidInput, code: "LP_PACK_ENTRY_SPECIAL", "pack entry \"\(name)\" is a special file (\(header.kind)); packs hold regular files only")
            }
            guard seen.insert(name).inserted else {
                throw LPError(.invalidInput, code: "LP_PACK_ENTRY_DUPLICATE", "pack entry \"\(name)\" appears more than once")
            }
            try tree.add(file: name)

            if name == manifestName {
                let bytes = try readWhole(name: name, cap: limits.maxManifestBytes, buffer: &buffer, total: &total)
                manifestBytes = bytes
                declared = try declare(bytes)
                for (path, _) in files where declared?[path] == nil { throw undeclared(path) }
                continue
            }

            if PackIngest.isAlternativeManifest(name) {
                // Not stored or sealed, but read like any entry: its bytes count toward the caps,
                // and it is bounded like the manifest.
                if let size = header.declaredSize, size > Int64(limits.maxManifestBytes) {
                    throw manifestTooLarge(name, alternative: true)
                }
                _ = try readWhole(name: name, cap: limits.maxManifestBytes, buffer: &buffer, total: &total, alternative: true)
                skippedManifests.append(name)
                continue
            }

            // With the manifest known, an undeclared or oversized entry is refused before its data.
            let expected = declared?[name]
            if declared != nil && expected == nil { throw undeclared(name) }
            if let expected, let size = header.declaredSize, size > Int64(expected.bytes_len) { throw oversize(name, expected, size) }
            let writer = try BlobWriter(store: store)
            while true {
                let n = try buffer.withUnsafeMutableBytes { try source.read(into: $0) }
                if n == 0 { break }
                total += Int64(n)
                if total > limits.maxTotalBytes { throw tooLarge() }
                let size = Int64(writer.bytesWritten) + Int64(n)
                if let expected, size > Int64(expected.bytes_len) { throw oversize(name, expected, size) }
                try checkRatio(total)
                try buffer.withUnsafeBytes { try writer.write(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
                progress(total)
            }
            files[name] = try writer.stage(logicalName: name, mediaType: "application/octet-stream")
        }

        guard let manifestBytes else {
            throw LPError(.invalidInput, code: "LP_PACK_MANIFEST_MISSING",
                          "the pack has no \(manifestName) at its root (use --pack-manifest NAME for another name)")
        }
        try checkSeal(declared: declared ?? [:], files: files)
        return IngestedPack(manifestBytes: manifestBytes, files: files, entryCount: entries, totalBytes: total,
                            skippedManifests: skippedManifests)
    }

    /// A pack directory may carry other manifests beside the one selected (`--pack-manifest`
    /// picks one): root-level `*.json` files whose name contains `pack`. They are neither stored
    /// nor sealed; the ingest step lists them.
    static func isAlternativeManifest(_ name: String) -> Bool {
        !name.contains("/") && name.hasSuffix(".json") && name.contains("pack")
    }

    private func readWhole(name: String, cap: Int, buffer: inout [UInt8], total: inout Int64, alternative: Bool = false) throws -> [UInt8] {
        var bytes: [UInt8] = []
        while true {
            let n = try buffer.withUnsafeMutableBytes { try source.read(into: $0) }
            if n == 0 { return bytes }
            total += Int64(n)
            if total > limits.maxTotalBytes { throw tooLarge() }
            try checkRatio(total)
            guard bytes.count + n <= cap else { throw manifestTooLarge(name, alternative: alternative) }
            bytes.append(contentsOf: buffer[0..<n])
        }
    }

    private func manifestTooLarge(_ name: String, alternative: Bool) -> LPError {
        LPError(.invalidInput, code: "LP_PACK_MANIFEST_INVALID",
                "\(alternative ? "alternative manifest " : "")\(name) is larger than \(limits.maxManifestBytes) bytes")
    }

    /// A directory entry carries no data; one that does is refused, after its bytes counted.
    private func drainDirectory(_ name: String, buffer: inout [UInt8], total: inout Int64) throws {
        let n = try buffer.withUnsafeMutableBytes { try source.read(into: $0) }
        guard n == 0 else {
            total += Int64(n)
            if total > limits.maxTotalBytes { throw tooLarge() }
            throw LPError(.invalidInput, code: "LP_PACK_ARCHIVE_INVALID", "pack entry \"\(name)\" is a directory with data")
        }
    }

    private func checkRatio(_ total: Int64) throws {
        guard let compressed = source.compressedBytesRead, total > limits.ratioFloorBytes else { return }
        if total > limits.maxExpansionRatio * max(compressed, 1) {
            throw LPError(.invalidInput, code: "LP_PACK_COMPRESSION_RATIO",
                          "archive expands more than \(limits.maxExpansionRatio)x (\(total) bytes from \(compressed) compressed): refused as a compression bomb")
        }
    }

    /// Every declared file present with its exact size and digest; every staged file declared.
    private func checkSeal(declared: [String: DigestRef], files: [String: StagedBlob]) throws {
        var problems: [Diagnostic] = []
        for path in declared.keys.sorted() {
            guard let staged = files[path] else {
                problems.append(Diagnostic(code: "LP_PACK_FILE_MISSING", message: "declared file \"\(path)\" is not in the pack",
                                           data: ["path": .string(path)]))
                continue
            }
            if let expected = declared[path], staged.ref.digest != expected {
                problems.append(Diagnostic(
                    code: Self.digestMismatchCode,
                    message: "\"\(path)\": declared sha256 \(expected.sha256) (\(expected.bytes_len) bytes), found \(staged.ref.sha256) (\(staged.ref.bytes_len) bytes)",
                    data: ["path": .string(path), "declared": expected.json, "found": staged.ref.digest.json]))
            }
        }
        for path in files.keys.sorted() where declared[path] == nil {
            problems.append(undeclared(path).diagnostics[0])
        }
        if !problems.isEmpty { throw LPError(.digestMismatch, problems) }
    }

    private func undeclared(_ name: String) -> LPError {
        LPError(.digestMismatch, code: "LP_PACK_FILE_UNDECLARED",
                "pack file \"\(name)\" is not declared by \(manifestName); a sealed pack holds only declared files",
                data: ["path": .string(name)])
    }

    /// A file whose bytes are not the ones declared: another digest, another length, or longer
    /// than declared (caught while streaming, before the rest is read). The reference system's
    /// code for all of them.
    static let digestMismatchCode = "LP_PACK_DIGEST_MISMATCH_FILE"

    private func oversize(_ name: String, _ expected: DigestRef, _ size: Int64) -> LPError {
        LPError(.digestMismatch, code: Self.digestMismatchCode,
                "pack file \"\(name)\" is larger than its declared \(expected.bytes_len) bytes (at least \(size))",
                data: ["path": .string(name), "declared": expected.json, "found_bytes_len_at_least": .number(Double(size))])
    }

    private func tooLarge() -> LPError {
        LPError(.invalidInput, code: "LP_PACK_TOO_LARGE",
                "pack is larger than \(limits.maxTotalBytes) bytes (raise with --max-pack-bytes)")
    }
}

/// The names of a pack seen so far as a tree: a name is a file or a directory, never both (a
/// file's parents are directories, whether or not they have entries of their own).
struct PackTree {
    private var files = Set<String>()
    private var directories = Set<String>()

    mutating func add(file name: String) throws {
        try addParents(of: name)
        guard !directories.contains(name) else { throw conflict(name) }
        files.insert(name)
    }

    mutating func add(directory name: String) throws {
        try addParents(of: name)
        guard !files.contains(name) else { throw conflict(name) }
        directories.insert(name)
    }

    private mutating func addParents(of name: String) throws {
        var parent = Substring(name)
        while let slash = parent.lastIndex(of: "/") {
            parent = parent[..<slash]
            let path = String(parent)
            guard !files.contains(path) else { throw conflict(path) }
            guard directories.insert(path).inserted else { return }  // its parents are known already
        }
    }

    private func conflict(_ name: String) -> LPError {
        LPError(.invalidInput, code: "LP_PACK_ENTRY_DUPLICATE", "pack entry \"\(name)\" is both a file and a directory")
    }
}
