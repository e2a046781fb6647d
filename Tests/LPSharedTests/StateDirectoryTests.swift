import XCTest
@testable import LPShared

final class StateDirectoryTests: XCTestCase {
    var root: String = ""

    override func setUpWithError() throws {
        root = NSTemporaryDirectory() + "lp-state-\(UUID().uuidString)"
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: root)
    }

    private func files(under path: String) -> [String] {
        (FileManager.default.enumerator(atPath: path)?.allObjects as? [String] ?? []).sorted()
    }

    func testRecordsAreCanonicalAndDigestMatchesFile() throws {
        let state = StateDirectory(root: root)
        let doc: JSON = ["schema_version": "x", "b": 2, "a": 1]
        let ref = try state.writeRecord(doc, at: StateDirectory.execution("lpexec_test"), logicalName: "lp.deploy.execution")
        XCTAssertEqual(ref.store_uri, "file:deploy/lpexec_test.json")
        let bytes = try state.read("deploy/lpexec_test.json")
        XCTAssertEqual(bytes, doc.canonicalBytes)
        XCTAssertEqual(DigestRef(of: bytes), ref.digest)
        XCTAssertEqual(try state.readJSON("deploy/lpexec_test.json"), doc)
        XCTAssertFalse(files(under: root + "/deploy").contains { $0.contains(".tmp-") })
    }

    func testBlobsAreContentAddressedVerifiedAndIdempotent() throws {
        let store = BlobStore(state: StateDirectory(root: root))
        let bytes = Array("hello".utf8)
        let first = try store.put(bytes, logicalName: "greeting", mediaType: "text/plain")
        let second = try store.put(bytes, logicalName: "greeting", mediaType: "text/plain")
        XCTAssertEqual(first, second)
        XCTAssertEqual(first.store_uri, "sha256:" + SHA256.hex(bytes))
        XCTAssertEqual(try store.read(first.sha256), bytes)
        let meta = try StateDirectory(root: root).readJSON(StateDirectory.blobMeta(first.sha256))
        XCTAssertEqual(meta["logical_name"], "greeting")
        XCTAssertEqual(files(under: root + "/store/blobs/sha256").filter { !$0.contains("/") }, [String(first.sha256.prefix(2))])
    }

    func testStreamedBlobWithWrongDigestIsDiscarded() throws {
        let store = BlobStore(state: StateDirectory(root: root))
        let writer = try BlobWriter(store: store)
        let bytes = Array("payload".utf8)
        try bytes.withUnsafeBytes { try writer.write($0) }
        XCTAssertThrowsError(try writer.commit(logicalName: "asset", mediaType: "text/plain",
                                               expected: DigestRef(sha256: String(repeating: "0", count: 64), bytes_len: 7))) { error in
            XCTAssertEqual((error as? LPError)?.exitCode, .digestMismatch)
        }
        XCTAssertEqual(files(under: root + "/store/blobs/sha256"), [])
    }

    func testWriterLockIsExclusiveAcrossProcesses() throws {
        let state = StateDirectory(root: root)
        let held = try state.lock()
        // A second process asking for the lock must give up with exit 17 (flock is per open file,
        // so a child process is the honest test).
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
        child.arguments = ["--nonblock", "--conflict-exit-code", "17", root + "/.lock", "true"]
        try child.run()
        child.waitUntilExit()
        XCTAssertEqual(child.terminationStatus, 17)
        withExtendedLifetime(held) {}
    }

    func testLockTimesOutWithStateLockedCode() throws {
        let state = StateDirectory(root: root)
        let held = try state.lock()
        XCTAssertThrowsError(try StateLock(stateRoot: root, timeout: 0.05)) { error in
            XCTAssertEqual((error as? LPError)?.exitCode, .stateLocked)
            XCTAssertEqual((error as? LPError)?.diagnostics.first?.code, "LP_STATE_LOCKED")
        }
        withExtendedLifetime(held) {}
    }

    func testUnsafePathComponentsAreRefused() {
        for bad in ["..", ".", "a/b", "", "a\u{0}b", "ä", String(repeating: "a", count: 200)] {
            XCTAssertThrowsError(try StateDirectory.checkComponent(bad, what: "app id"), bad)
        }
        XCTAssertNoThrow(try StateDirectory.checkComponent("acme.payments-api_2", what: "app id"))
    }

    func testStateDirResolution() {
        XCTAssertEqual(StateDirectory.resolve(option: "/x", environment: ["X07LP_STATE_DIR": "/y"]).root, "/x")
        XCTAssertEqual(StateDirectory.resolve(option: nil, environment: ["X07LP_STATE_DIR": "/y"]).root, "/y")
        XCTAssertEqual(StateDirectory.resolve(option: nil, environment: [:]).root, ".x07lp")
        XCTAssertEqual(StateDirectory.blob("abcdef"), "store/blobs/sha256/ab/abcdef")
    }
}
