@testable import LPCore
@testable import LPState
@testable import LPModel
@testable import LPIndex
import Foundation
import XCTest

/// The index stores the state generation it reflects (docs/index.md, "The staleness rule" and
/// "Concurrency"): every committed transaction is seen, a build that raced a commit claims
/// nothing, a writer updates only from the generation it began with, and content of an earlier
/// generation never replaces a later one.
final class IndexGenerationTests: XCTestCase {
    var root = ""
    var state: StateDirectory { StateDirectory(root: root) }

    override func setUpWithError() throws {
        root = NSTemporaryDirectory() + "lp-index-gen-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: root)
    }

    typealias R = StateIndexTests

    @discardableResult
    func write(_ document: JSON, at relative: String) throws -> ArtifactRef {
        try state.write { try $0.writeRecord(document, at: relative, logicalName: "test") }
    }

    func incidentMeta(_ id: String) -> String {
        StateDirectory.incidentDirectory(app: "shop", env: "staging", id: id) + "/incident.meta.local.json"
    }

    func smallState() throws {
        try write(R.run(R.runId(1), exec: R.execId(1), app: "shop", created: 1_000), at: StateDirectory.runRecord(R.runId(1)))
        try write(R.execution(R.execId(1), run: R.runId(1), app: "shop", created: 1_000), at: StateDirectory.execution(R.execId(1)))
    }

    func testEveryFileStoresTheGenerationItWasBuiltFor() throws {
        try smallState()
        let (index, rebuilt) = try StateIndex.open(state: state)
        XCTAssertTrue(rebuilt)
        XCTAssertEqual(StateGeneration.read(state), 2)
        XCTAssertEqual(try IndexGeneration.stored(index.db), 2)
        XCTAssertEqual(try IndexGeneration.stored(XCTUnwrap(index.mirror).db), 2)
    }

    func testATransactionNobodyReportedIsSeenWhateverTheDirectoriesLookLike() throws {
        // Rewriting an existing incident's meta changes no stamped directory; the generation
        // still moves, so the next open rebuilds.
        let incident = R.incidentId(1)
        try write(R.incidentBundle(incident, app: "shop", created: 3_000),
                  at: StateDirectory.incidentDirectory(app: "shop", env: "staging", id: incident) + "/incident.bundle.json")
        try write(R.incidentMeta(deployment: nil, run: R.runId(1), app: "shop", captured: 3_000), at: incidentMeta(incident))
        _ = try StateIndex.open(state: state)
        try write(R.incidentMeta(deployment: nil, run: R.runId(1), app: "shop", captured: 3_000, status: "resolved"),
                  at: incidentMeta(incident))
        let (index, rebuilt) = try StateIndex.open(state: state)
        XCTAssertTrue(rebuilt)
        XCTAssertEqual(try index.incident(id: incident)?.status, "resolved")
    }

    func testAHandEditOutsideATransactionIsTheFingerprintsLimit() throws {
        let incident = R.incidentId(1)
        try write(R.incidentBundle(incident, app: "shop", created: 3_000),
                  at: StateDirectory.incidentDirectory(app: "shop", env: "staging", id: incident) + "/incident.bundle.json")
        try write(R.incidentMeta(deployment: nil, run: R.runId(1), app: "shop", captured: 3_000), at: incidentMeta(incident))
        _ = try StateIndex.open(state: state)
        let edited = R.incidentMeta(deployment: nil, run: R.runId(1), app: "shop", captured: 3_000, status: "resolved")
        _ = try AtomicFile.write(edited.canonicalBytes, to: state.path(incidentMeta(incident)))
        let (index, rebuilt) = try StateIndex.open(state: state)
        XCTAssertFalse(rebuilt)
        XCTAssertEqual(try index.incident(id: incident)?.status, "open")
        try index.rebuild()
        XCTAssertEqual(try index.incident(id: incident)?.status, "resolved")
    }

    func testABuildDuringACommitClaimsNothingAndIsNotInstalled() throws {
        try smallState()
        let (built, _) = try StateIndex.open(state: state)
        XCTAssertEqual(try IndexGeneration.stored(built.db), 2)
        // A commit being written: its journal is there and the generation has moved on.
        _ = try AtomicFile.write(Array("{}".utf8), to: state.path(StateJournal.file))
        _ = try AtomicFile.write(Array("3\n".utf8), to: state.path(StateGeneration.file))
        let db = try Database(path: ":memory:", create: true)
        XCTAssertNil(try IndexBuilder(state: state).build(into: db, nowUnixMs: 0))
        XCTAssertNil(try IndexGeneration.stored(db))
        // A query then answers from memory and leaves the file as it was (stale).
        let (index, rebuilt) = try StateIndex.open(state: state)
        XCTAssertTrue(rebuilt)
        XCTAssertFalse(index.isPersistent)
        XCTAssertEqual(try index.execution(id: R.execId(1))?.app_id, "shop")
        XCTAssertEqual(try IndexGeneration.stored(Database(path: root + "/" + IndexLocation.controlPlane.rawValue, create: false)), 2)
        // Once the commit is done, the next open rebuilds the file and claims its generation.
        unlink(state.path(StateJournal.file))
        let (after, again) = try StateIndex.open(state: state)
        XCTAssertTrue(again)
        XCTAssertTrue(after.isPersistent)
        XCTAssertEqual(try IndexGeneration.stored(after.db), 3)
        XCTAssertFalse(try StateIndex.open(state: state).rebuilt)
    }

    func testAWriterUpdatesTheIndexOnlyFromTheGenerationItBeganWith() throws {
        try smallState()
        let (index, _) = try StateIndex.open(state: state)
        let document = try R.execution(R.execId(2), run: R.runId(1), app: "shop", created: 2_000)
        let ref = try write(document, at: StateDirectory.execution(R.execId(2)))
        let change = StateChange.record(relativePath: StateDirectory.execution(R.execId(2)), document: document, digest: ref.digest)
        // Began at 1 while the index says 2 (a reader rebuilt it meanwhile): left alone, stale.
        XCTAssertFalse(try index.transactionCommitted([change], from: 1, to: 3))
        XCTAssertNil(try index.execution(id: R.execId(2)))
        XCTAssertEqual(try IndexGeneration.stored(index.db), 2)
        XCTAssertTrue(try StateIndex.open(state: state).rebuilt)
        // Began at the generation the index says (3, after that rebuild): applied, and the index
        // moves on with it.
        let (current, _) = try StateIndex.open(state: state)
        let next = try R.execution(R.execId(3), run: R.runId(1), app: "shop", created: 3_000)
        let nextRef = try write(next, at: StateDirectory.execution(R.execId(3)))
        let nextChange = StateChange.record(relativePath: StateDirectory.execution(R.execId(3)), document: next, digest: nextRef.digest)
        XCTAssertTrue(try current.transactionCommitted([nextChange], from: 3, to: 4))
        XCTAssertEqual(try IndexGeneration.stored(current.db), 4)
        XCTAssertEqual(try IndexGeneration.stored(XCTUnwrap(current.mirror).db), 4)
        XCTAssertNotNil(try current.execution(id: R.execId(3)))
        XCTAssertFalse(try StateIndex.open(state: state).rebuilt)
    }

    func testContentOfAnEarlierGenerationNeverReplacesALaterOne() throws {
        try smallState()
        let (index, _) = try StateIndex.open(state: state)
        try IndexFile.withTempDatabase(state: state, location: .controlPlane) { older in
            try IndexBuilder(state: state).build(into: older, nowUnixMs: 0)
            try IndexGeneration.store(1, in: older)
            try older.run("DELETE FROM executions")
            XCTAssertFalse(try index.install(from: older))
            XCTAssertNotNil(try index.execution(id: R.execId(1)))
            try IndexGeneration.store(2, in: older)
            XCTAssertTrue(try index.install(from: older))
            XCTAssertNil(try index.execution(id: R.execId(1)))
        }
        XCTAssertEqual(IndexGeneration.mayReplace(live: nil, with: nil), true)
        XCTAssertEqual(IndexGeneration.mayReplace(live: 4, with: nil), false)
        XCTAssertEqual(IndexGeneration.mayReplace(live: 4, with: 3), false)
        XCTAssertEqual(IndexGeneration.mayReplace(live: 4, with: 4), true)
    }
}
