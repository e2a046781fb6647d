import LPCore
import LPModel
#if canImport(Glibc)
import Glibc
#endif

/// The structure of a zip file, checked before libarchive reads it through its central
/// directory, so that every zip reader sees the same entries:
///
/// - one end-of-central-directory record (zip64 too) that ends the file, on a single disk;
/// - a central directory that is complete: exactly the listed number of entries in exactly the
///   listed number of bytes, ending where the end record starts;
/// - local entries that tile the file from byte 0 to the central directory, in order, with no
///   prefix, gap or overlap (so no entry is hidden from the central directory);
/// - each local header naming the same bytes, with the same method, as its central entry.
///
/// Returns the number of entries.
enum ZipAudit {
    static let maxCentralDirectoryBytes: Int64 = 64 << 20

    struct Central {
        var name: [UInt8]
        var flags: UInt16
        var method: UInt16
        var compressedSize: Int64
        var localOffset: Int64
    }

    static func check(fd: Int32, size: Int64, path: String) throws -> Int {
        let file = ZipFile(fd: fd, size: size, path: path)
        // End of central directory: 22 bytes plus a comment of up to 65535 bytes, ending the file.
        let tailLength = Int(min(size, 22 + 65535))
        let tail = try file.bytes(at: size - Int64(tailLength), count: tailLength)
        var eocd: Int?
        var index = tailLength - 22
        while index >= 0 {
            if tail.u32(index) == 0x0605_4B50, index + 22 + Int(tail.u16(index + 20)) == tailLength { eocd = index; break }
            index -= 1
        }
        guard let eocd else { throw file.invalid("no end of central directory record ends the file (truncated?)") }
        let eocdOffset = size - Int64(tailLength) + Int64(eocd)
        var disk = Int64(tail.u16(eocd + 4)), cdDisk = Int64(tail.u16(eocd + 6))
        var onDisk = Int64(tail.u16(eocd + 8)), total = Int64(tail.u16(eocd + 10))
        var cdSize = Int64(tail.u32(eocd + 12)), cdOffset = Int64(tail.u32(eocd + 16))
        var cdEnd = eocdOffset
        if onDisk == 0xFFFF || total == 0xFFFF || cdSize == 0xFFFF_FFFF || cdOffset == 0xFFFF_FFFF {
            // Zip64: a locator right before the end record points at the zip64 end record.
            guard eocdOffset >= 20 else { throw file.invalid("zip64 end of central directory locator missing") }
            let locator = try file.bytes(at: eocdOffset - 20, count: 20)
            guard locator.u32(0) == 0x0706_4B50, locator.u32(16) == 1 else { throw file.invalid("zip64 end of central directory locator missing") }
            let recordOffset = Int64(bitPattern: locator.u64(8))
            guard recordOffset >= 0, recordOffset + 56 <= eocdOffset - 20 else { throw file.invalid("zip64 end of central directory record out of place") }
            let record = try file.bytes(at: recordOffset, count: 56)
            guard record.u32(0) == 0x0606_4B50, Int64(bitPattern: record.u64(4)) + 12 == eocdOffset - 20 - recordOffset else {
                throw file.invalid("zip64 end of central directory record out of place")
            }
            disk = Int64(record.u32(16)); cdDisk = Int64(record.u32(20))
            onDisk = Int64(bitPattern: record.u64(24)); total = Int64(bitPattern: record.u64(32))
            cdSize = Int64(bitPattern: record.u64(40)); cdOffset = Int64(bitPattern: record.u64(48))
            cdEnd = recordOffset
        }
        guard disk == 0, cdDisk == 0, onDisk == total else { throw file.invalid("multi-disk zip archives are not read") }
        guard cdSize >= 0, cdOffset >= 0, cdSize <= maxCentralDirectoryBytes, total >= 0, total <= cdSize / 46 + 1 else {
            throw file.invalid("central directory of \(cdSize) bytes for \(total) entries")
        }
        guard cdOffset + cdSize == cdEnd else {
            throw file.invalid("the central directory (\(cdSize) bytes at \(cdOffset)) does not end at its end record (\(cdEnd)): truncated or padded")
        }

        // Central directory: exactly `total` entries in exactly `cdSize` bytes.
        let cd = try file.bytes(at: cdOffset, count: Int(cdSize))
        var entries: [Central] = []
        var at = 0
        for number in 0..<Int(total) {
            guard at + 46 <= cd.count, cd.u32(at) == 0x0201_4B50 else { throw file.invalid("central directory entry \(number) is truncated or corrupt") }
            let nameLength = Int(cd.u16(at + 28)), extraLength = Int(cd.u16(at + 30)), commentLength = Int(cd.u16(at + 32))
            let next = at + 46 + nameLength + extraLength + commentLength
            guard next <= cd.count else { throw file.invalid("central directory entry \(number) is truncated") }
            var compressed = Int64(cd.u32(at + 20))
            let uncompressed = Int64(cd.u32(at + 24))
            var offset = Int64(cd.u32(at + 42))
            let startDisk = cd.u16(at + 34)
            // The zip64 extra field holds, in this order, each field that is saturated.
            var extra = at + 46 + nameLength
            let extraEnd = extra + extraLength
            while extra + 4 <= extraEnd {
                let id = cd.u16(extra), length = Int(cd.u16(extra + 2))
                guard extra + 4 + length <= extraEnd else { break }
                if id == 0x0001 {
                    var field = extra + 4
                    func take() throws -> Int64 {
                        guard field + 8 <= extra + 4 + length else { throw file.invalid("central directory entry \(number): zip64 field truncated") }
                        defer { field += 8 }
                        return Int64(bitPattern: cd.u64(field))
                    }
                    if uncompressed == 0xFFFF_FFFF { _ = try take() }
                    if compressed == 0xFFFF_FFFF { compressed = try take() }
                    if offset == 0xFFFF_FFFF { offset = try take() }
                }
                extra += 4 + length
            }
            guard startDisk == 0 || startDisk == 0xFFFF else { throw file.invalid("multi-disk zip archives are not read") }
            guard compressed >= 0, offset >= 0 else { throw file.invalid("central directory entry \(number) has an impossible size or offset") }
            entries.append(Central(name: Array(cd[(at + 46)..<(at + 46 + nameLength)]), flags: cd.u16(at + 8),
                                   method: cd.u16(at + 10), compressedSize: compressed, localOffset: offset))
            at = next
        }
        guard at == cd.count else { throw file.invalid("the central directory holds more than its \(total) listed entries") }

        // Local entries tile [0, cdOffset) in order.
        let ordered = entries.sorted { $0.localOffset < $1.localOffset }
        var expected: Int64 = 0
        for (position, entry) in ordered.enumerated() {
            let shown = String(decoding: entry.name.prefix(200), as: UTF8.self)
            guard entry.localOffset == expected else {
                throw file.invalid(expected == 0
                    ? "\(entry.localOffset) bytes before the first entry (a prefix or self-extractor stub)"
                    : "entry \"\(shown)\" starts at \(entry.localOffset), expected \(expected) (a gap, overlap or hidden entry)")
            }
            let local = try file.bytes(at: entry.localOffset, count: 30)
            guard local.u32(0) == 0x0403_4B50 else { throw file.invalid("entry \"\(shown)\" has no local header") }
            let nameLength = Int(local.u16(26)), extraLength = Int(local.u16(28))
            let localName = try file.bytes(at: entry.localOffset + 30, count: nameLength)
            guard localName == entry.name else {
                throw file.invalid("entry \"\(shown)\" is named \"\(String(decoding: localName.prefix(200), as: UTF8.self))\" in its local header")
            }
            guard local.u16(8) == entry.method else { throw file.invalid("entry \"\(shown)\": local and central compression methods differ") }
            let dataEnd = entry.localOffset + 30 + Int64(nameLength) + Int64(extraLength) + entry.compressedSize
            let next = position + 1 < ordered.count ? ordered[position + 1].localOffset : cdOffset
            if entry.flags & 0x0008 != 0 {
                // A data descriptor follows: crc and sizes (4+4 or 8+8 bytes), maybe signed.
                let signature = dataEnd + 4 <= size ? try file.bytes(at: dataEnd, count: 4) : []
                let lengths: [Int64] = signature.count == 4 && signature.u32(0) == 0x0807_4B50 ? [16, 24] : [12, 20]
                guard let length = lengths.first(where: { dataEnd + $0 == next }) else {
                    throw file.invalid("entry \"\(shown)\": its data does not end where the next entry starts")
                }
                expected = dataEnd + length
            } else {
                expected = dataEnd
            }
            guard expected == next else { throw file.invalid("entry \"\(shown)\": its data does not end where the next entry starts (\(expected) ≠ \(next))") }
        }
        guard expected == cdOffset else { throw file.invalid("\(cdOffset - expected) bytes between the last entry and the central directory") }
        return entries.count
    }
}

private struct ZipFile {
    let fd: Int32
    let size: Int64
    let path: String

    func invalid(_ what: String) -> LPError {
        LPError(.invalidInput, code: "LP_PACK_ARCHIVE_INVALID", "\(path): not a well-formed zip archive: \(what)")
    }

    func bytes(at offset: Int64, count: Int) throws -> [UInt8] {
        guard offset >= 0, count >= 0, offset + Int64(count) <= size else { throw invalid("a record at \(offset) runs past the end of the file") }
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, count - done, off_t(offset) + off_t(done)) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { throw invalid("cannot read \(count) bytes at \(offset)") }
            done += n
        }
        return bytes
    }
}

private extension Array where Element == UInt8 {
    func u16(_ at: Int) -> UInt16 { UInt16(self[at]) | UInt16(self[at + 1]) << 8 }
    func u32(_ at: Int) -> UInt32 { UInt32(u16(at)) | UInt32(u16(at + 2)) << 16 }
    func u64(_ at: Int) -> UInt64 { UInt64(u32(at)) | UInt64(u32(at + 4)) << 32 }
}
