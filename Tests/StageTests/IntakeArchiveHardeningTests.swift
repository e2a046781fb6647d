import LPCore
import Foundation
import XCTest

/// Issue 13, class 5 ("Archives and inputs"): what libarchive would do on its own that intake
/// must not: run decompressors from PATH, skip entries unread, drain an endless pipe, trust a
/// zip's local headers or a tar's volume header; and manifests that only lp-apply caught.
final class IntakeArchiveHardeningTests: XCTestCase {
    private func validate(_ pack: String, _ extra: [String] = [], environment: [String: String] = [:]) throws -> StageResult {
        try StageProcess.run(StageProcess.binary("lp-validate"),
                             ["--pack", pack, "--in", ExamplePacks.hello + "/change_request.min.json",
                              "--state-dir", StageProcess.temporaryDirectory() + "/state"] + extra,
                             environment: environment)
    }

    private func corpusCase(_ file: String) throws -> (code: String, exit: Int32) {
        let expected = try JSONParser.parse([UInt8](Data(contentsOf: URL(fileURLWithPath: ExamplePacks.hostile + "/expected.json"))))
        for item in expected["cases"]?.arrayValue ?? [] where item["file"]?.stringValue == file {
            return (item["code"]?.stringValue ?? "", Int32(item["exit"]?.intValue ?? -1))
        }
        throw XCTSkip("no corpus case \(file)")
    }

    /// Every decompressor libarchive could look up on PATH is a fake that records its run and
    /// prints the good pack.tar, so a run would even be accepted. None may run: the external-only
    /// formats are refused, and the built-in ones decode in-process.
    func testNoDecompressorIsRunFromPath() throws {
        let work = StageProcess.temporaryDirectory()
        let fakes = work + "/bin", marker = work + "/ran"
        try FileManager.default.createDirectory(atPath: fakes, withIntermediateDirectories: true)
        // Good packs in the other built-in compressions, made with the real tools when present.
        var good = ["pack.tar.gz", "pack.tar.xz", "pack.tar.zst"].map { ExamplePacks.hello + "/" + $0 }
        for (tool, ext) in [("bzip2", "bz2"), ("lz4", "lz4")] {
            for dir in ["/usr/bin", "/bin"] where FileManager.default.isExecutableFile(atPath: dir + "/" + tool) {
                let out = work + "/pack.tar." + ext
                let made = try StageProcess.run("/bin/sh", ["-c", "'\(dir)/\(tool)' -c < '\(ExamplePacks.hello)/pack.tar' > '\(out)'"])
                if made.status == 0 { good.append(out) }
                break
            }
        }
        let programs = ["lzop", "lrzip", "grzip", "lz4", "gzip", "gunzip", "bzip2", "xz", "unxz", "zstd", "lzip", "lzma",
                        "compress", "uncompress", "uudecode", "rpm2cpio"]
        for program in programs {
            let script = "#!/bin/sh\necho \"$0 $*\" >> '\(marker)'\ncat >/dev/null\ncat '\(ExamplePacks.hello)/pack.tar'\n"
            try script.write(toFile: fakes + "/" + program, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: fakes + "/" + program)
        }
        let path = fakes + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        for file in ["lzop.tar.lzo", "lrzip.tar.lrz", "grzip.tar.grz"] {
            let expected = try corpusCase(file)
            let result = try validate(ExamplePacks.hostile + "/" + file, environment: ["PATH": path])
            XCTAssertEqual(result.status, expected.exit, "\(file): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("error[\(expected.code)]"), "\(file): \(result.stderr)")
        }
        XCTAssertGreaterThanOrEqual(good.count, 3)
        for pack in good {
            let result = try validate(pack, environment: ["PATH": path])
            XCTAssertEqual(result.status, 0, "\(pack): \(result.stderr)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker),
                       "a decompressor ran from PATH: \((try? String(contentsOfFile: marker, encoding: .utf8)) ?? "")")
    }

    /// The new corpus cases one by one (IntakeExampleTests runs the whole corpus too): each was
    /// accepted (or crashed with exit 50) before.
    func testIssue13CorpusCasesAreRefusedAndWriteNothing() throws {
        let files = ["alt_manifest_bomb.tar.gz", "zip_truncated_cd.zip", "zip_name_mismatch.zip", "zip_prefix.zip",
                     "volume_header.tar", "dir_file_conflict.tar", "bytes_len_huge.tar", "serve_path_traversal.tar",
                     "serve_path_backend.tar", "serve_path_conflict.tar"]
        for file in files {
            let expected = try corpusCase(file)
            let state = StageProcess.temporaryDirectory() + "/state"
            let result = try StageProcess.run(StageProcess.binary("lp-validate"),
                                              ["--pack", ExamplePacks.hostile + "/" + file,
                                               "--in", ExamplePacks.hello + "/change_request.min.json", "--state-dir", state])
            XCTAssertEqual(result.status, expected.exit, "\(file): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("error[\(expected.code)]"), "\(file): \(result.stderr)")
            XCTAssertEqual(Array(StateFiles.written(state).keys), [], "\(file) left files in the state")
        }
        // The out-of-range number is an input error that points at itself.
        let huge = try validate(ExamplePacks.hostile + "/bytes_len_huge.tar", ["--json"])
        XCTAssertEqual(huge.status, 3, huge.stderr)
        XCTAssertTrue(huge.stdoutText.contains("\"pointer\":\"/assets/0/file/bytes_len\""), huge.stdoutText)
    }

    /// `--pack /dev/stdin` from a producer that never stops: refused quickly, and closing the
    /// reader does not read the pipe to its (missing) end. `timeout` kills a hung intake at 60 s.
    func testEndlessStdinIsRefusedWithoutDrainingThePipe() throws {
        let validate = StageProcess.binary("lp-validate")
        let change = ExamplePacks.hello + "/change_request.min.json"
        let endlessTar = "python3 -c 'import sys, tarfile\nh = tarfile.TarInfo(\"big.bin\"); h.size = 1 << 40\n"
            + "o = sys.stdout.buffer; o.write(h.tobuf(tarfile.GNU_FORMAT)); z = bytes(1 << 16)\nwhile True: o.write(z)' 2>/dev/null"
        let endlessEmptyGzip = "python3 -c 'import sys, gzip\ne = gzip.compress(b\"\", mtime=0) * 4096\n"
            + "while True: sys.stdout.buffer.write(e)' 2>/dev/null"
        let cases: [(String, [String], String)] = [
            ("yes", [], "LP_PACK_ARCHIVE_INVALID"),
            ("yes | gzip -1", [], "LP_PACK_ARCHIVE_INVALID"),
            (endlessTar, ["--max-pack-bytes", "1048576"], "LP_PACK_TOO_LARGE"),
            (endlessEmptyGzip, ["--max-pack-bytes", "1048576"], "LP_PACK_TOO_LARGE"),
            ("cat '\(ExamplePacks.hello)/pack.zip'; yes", [], "LP_PACK_ARCHIVE_INVALID"),
        ]
        for (producer, extra, code) in cases {
            let state = StageProcess.temporaryDirectory() + "/state"
            let command = "(\(producer)) | timeout -s KILL 60 '\(validate)' --pack /dev/stdin --in '\(change)' --state-dir '\(state)' "
                + extra.joined(separator: " ")
            let started = Date()
            let result = try StageProcess.run("/bin/sh", ["-c", command])
            let seconds = Date().timeIntervalSince(started)
            XCTAssertEqual(result.status, 3, "\(producer): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("error[\(code)]"), "\(producer): \(result.stderr)")
            XCTAssertLessThan(seconds, 30, producer)
            XCTAssertEqual(Array(StateFiles.written(state).keys), [], "\(producer) left files in the state")
        }
        // A finite tar on a pipe is still a pack.
        let state = StageProcess.temporaryDirectory() + "/state"
        let piped = try StageProcess.run("/bin/sh", ["-c", "cat '\(ExamplePacks.hello)/pack.tar.gz' | '\(validate)' --pack /dev/stdin --in '\(change)' --state-dir '\(state)'"])
        XCTAssertEqual(piped.status, 0, piped.stderr)
    }

    /// Zips as other tools write them (data descriptors, zip64 extras, directory entries) pass
    /// the structure check.
    func testZipsFromCommonWritersAreAccepted() throws {
        let work = StageProcess.temporaryDirectory()
        let pack = ExamplePacks.hello + "/pack"
        var made: [String] = []
        let writers = [("bsdtar", "bsdtar --format zip -cf '\(work)/bsdtar.zip' -C '\(pack)' ."),
                       ("zip", "cd '\(pack)' && zip -qr - . | cat > '\(work)/zip.zip'")]
        for (tool, command) in writers {
            guard (try? StageProcess.run("/bin/sh", ["-c", "command -v \(tool)"]))?.status == 0 else { continue }
            let result = try StageProcess.run("/bin/sh", ["-c", command])
            XCTAssertEqual(result.status, 0, "\(tool): \(result.stderr)")
            made.append(work + "/" + tool + ".zip")
        }
        if made.isEmpty { throw XCTSkip("neither bsdtar nor zip is installed") }
        for zip in made {
            let result = try validate(zip)
            XCTAssertEqual(result.status, 0, "\(zip): \(result.stderr)")
        }
    }
}
