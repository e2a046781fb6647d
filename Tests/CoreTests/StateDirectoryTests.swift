@testable import LPCore
@testable import LPState
@testable import LPModel
@testable import LPIndex
@testable import LPStage
import XCTest

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
        let ref = try state.write { try $0.writeRecord(doc, at: StateDirectory.execution("lpexec_test"), logicalName: "lp.deploy.execution") }
        XCTAssertEqual(ref.store_uri, "file:deploy/lpexec_test.json")
        let bytes = try state.read("deploy/lpexec_test.json")
        XCTAssertEqual(bytes, doc.canonicalBytes)
        XCTAssertEqual(DigestRef(of: bytes), ref.digest)
        XCTAssertEqual(try state.readJSON("deploy/lpexec_test.json"), doc)
        XCTAssertFalse(files(under: root + "/deploy").contains { $0.contains(".tmp-") })
    }

    func testBlobsAreContentAddressedVerifiedAndIdempotent() throws {
        let state = StateDirectory(root: root)
        let store = BlobStore(state: state)
        let bytes = Array("hello".utf8)
        let first = try state.write { try $0.putBlob(bytes, logicalName: "greeting", mediaType: "text/plain") }
        let second = try state.write { try $0.putBlob(bytes, logicalName: "greeting", mediaType: "text/plain") }
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
        XCTAssertThrowsError(try writer.stage(logicalName: "asset", mediaType: "text/plain",
                                              expected: DigestRef(sha256: String(repeating: "0", count: 64), bytes_len: 7))) { error in
            XCTAssertEqual((error as? LPError)?.exitCode, .digestMismatch)
        }
        XCTAssertEqual(files(under: root + "/store/blobs/sha256"), [])
    }

    func testWriterLockIsExclusiveAcrossProcesses() throws {
        let state = StateDirectory(root: root)
        try state.write { _ in
            // A second process asking for the lock must give up with exit 17 (flock is per open
            // file, so a child process is the honest test).
            let child = Process()
            child.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
            child.arguments = ["--nonblock", "--conflict-exit-code", "17", root + "/.lock", "true"]
            try child.run()
            child.waitUntilExit()
            XCTAssertEqual(child.terminationStatus, 17)
        }
    }

    func testLockTimesOutWithStateLockedCodeWhileAnotherProcessHoldsIt() throws {
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
        holder.arguments = [root + "/.lock", "sleep", "2"]
        try holder.run()
        defer { holder.terminate(); holder.waitUntilExit() }
        // Wait until the child holds it.
        let deadline = Date().addingTimeInterval(2)
        while Date() < deadline {
            let probe = Process()
            probe.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
            probe.arguments = ["--nonblock", "--conflict-exit-code", "17", root + "/.lock", "true"]
            try probe.run()
            probe.waitUntilExit()
            if probe.terminationStatus == 17 { break }
        }
        let started = Date()
        XCTAssertThrowsError(try StateDirectory(root: root).write(timeout: 0.05) { _ in }) { error in
            XCTAssertEqual((error as? LPError)?.exitCode, .stateLocked)
            XCTAssertEqual((error as? LPError)?.diagnostics.first?.code, "LP_STATE_LOCKED")
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 1.5)
    }

    func testNestedTransactionFailsAtOnceInsteadOfWaiting() throws {
        let state = StateDirectory(root: root)
        let started = Date()
        XCTAssertThrowsError(try state.write { _ in try state.write(timeout: 5) { _ in } }) { error in
            XCTAssertEqual((error as? LPError)?.exitCode, .internalError)
            XCTAssertEqual((error as? LPError)?.diagnostics.first?.code, "LP_STATE_LOCK_NESTED")
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 1, "a nested transaction must not wait for the timeout")
        // The outer transaction released the lock: a new one succeeds.
        XCTAssertNoThrow(try state.write { try $0.writeRecord(["a": 1], at: "deploy/x.json", logicalName: "x") })
    }

    func testTransactionCannotBeUsedAfterItEnded() throws {
        let state = StateDirectory(root: root)
        let escaped = try state.write { $0 }
        XCTAssertThrowsError(try escaped.writeRecord(["a": 1], at: "deploy/x.json", logicalName: "x")) { error in
            XCTAssertEqual((error as? LPError)?.diagnostics.first?.code, "LP_STATE_TX_CLOSED")
        }
        XCTAssertFalse(state.exists("deploy/x.json"))
    }

    func testObserverGetsEveryChangeOfTheTransactionAtCommitOnly() throws {
        final class Recorder: StateObserver, StateObserverSession, @unchecked Sendable {
            var began = 0
            var committed: [[String]] = []
            func begin(_ state: StateDirectory, generation: UInt64) -> (any StateObserverSession)? { began += 1; return self }
            func commit(_ changes: [StateChange], generation: UInt64) {
                committed.append(changes.map {
                    switch $0 {
                    case .record(let path, _, _): return path
                    case .blob(let ref): return ref.store_uri
                    }
                })
            }
        }
        let recorder = Recorder()
        let state = StateDirectory(root: root, observer: recorder)
        try state.write { tx in
            try tx.writeRecord(["a": 1], at: "deploy/a.json", logicalName: "a")
            try tx.putBlob(Array("b".utf8), logicalName: "b")
            XCTAssertEqual(recorder.committed, [], "nothing is handed over before commit")
        }
        XCTAssertEqual(recorder.began, 1)
        XCTAssertEqual(recorder.committed, [["deploy/a.json", "sha256:" + SHA256.hex(Array("b".utf8))]])
        // A body that throws writes none of its records, and nothing is handed over.
        XCTAssertThrowsError(try state.write { tx in
            try tx.writeRecord(["c": 1], at: "deploy/c.json", logicalName: "c")
            XCTAssertEqual(try tx.readJSON("deploy/c.json"), ["c": 1], "the transaction reads its own writes")
            XCTAssertFalse(state.exists("deploy/c.json"), "nothing is on disk before commit")
            throw LPError(.usage, code: "LP_TEST", "stop")
        })
        XCTAssertFalse(state.exists("deploy/c.json"))
        XCTAssertEqual(recorder.committed.count, 1)
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

    func testEveryCommitMovesTheGenerationOnAndAJournalLeftByACrashIsReplayed() throws {
        let state = StateDirectory(root: root)
        XCTAssertEqual(StateGeneration.read(state), 0)
        _ = try state.write { try $0.writeRecord(["a": 1], at: "deploy/a.json", logicalName: "a") }
        XCTAssertEqual(StateGeneration.read(state), 1)
        try state.write { _ in }
        XCTAssertEqual(StateGeneration.read(state), 1, "a transaction that wrote nothing leaves it")
        // A crash after the journal was written, before the files: the next writer finishes it.
        let journal = StateJournal(generation: 2, writes: [.init(path: "deploy/b.json", mode: 0o644, bytes: Array("{\"b\":2}".utf8)),
                                                           .init(path: "deploy/a.json", mode: 0o644, bytes: Array("{\"a\":3}".utf8))])
        try AtomicFile.write(journal.encoded().canonicalBytes, to: state.path(StateJournal.file))
        try state.write { tx in XCTAssertEqual(try tx.readJSON("deploy/b.json"), ["b": 2], "replayed before the body runs") }
        XCTAssertEqual(try state.readJSON("deploy/a.json"), ["a": 3])
        XCTAssertEqual(StateGeneration.read(state), 2)
        XCTAssertFalse(state.exists(StateJournal.file))
        // A journal whose write was cut short never started its files: it is dropped.
        try AtomicFile.write(Array("{\"schema_version\":".utf8), to: state.path(StateJournal.file))
        try state.write { _ in }
        XCTAssertFalse(state.exists(StateJournal.file))
        XCTAssertEqual(try state.readJSON("deploy/a.json"), ["a": 3])
        // A journal naming a path outside the state is refused, not followed.
        let escape = StateJournal(generation: 3, writes: [.init(path: "../escape.json", mode: 0o644, bytes: [0x7B, 0x7D])])
        try AtomicFile.write(escape.encoded().canonicalBytes, to: state.path(StateJournal.file))
        XCTAssertThrowsError(try state.write { _ in }) { XCTAssertEqual(($0 as? LPError)?.exitCode, .stateCorrupt) }
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/../escape.json"))
    }
}
