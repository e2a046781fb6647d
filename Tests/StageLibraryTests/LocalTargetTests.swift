@testable import LPCore
@testable import LPState
@testable import LPModel
@testable import LPIndex
@testable import LPStage
@testable import LPValidate
@testable import LPPlan
@testable import LPIncident
@testable import LPApply
@testable import LPRegress
@testable import LPQuery
import Foundation
import XCTest

/// The routing rule, the router state and the local target (docs/deploy.md). Expected buckets and
/// ports were computed independently with Python's hashlib:
/// `int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big") % 100`.
final class LocalTargetTests: XCTestCase {
    static let execId = "lpexec_0123456789abcdefghjkmnpqrs"
    static let projectRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    var root = ""
    var state: StateDirectory { StateDirectory(root: root) }
    var target: LocalTarget { LocalTarget(state: state) }
    let now: Int64 = 1_762_147_200_000

    override func setUpWithError() throws {
        root = NSTemporaryDirectory() + "lp-target-\(UUID().uuidString)"
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: root)
    }

    // MARK: - Routing rule

    func testBucketsMatchAnIndependentComputation() {
        let expected = ["user-1": 52, "user-42": 83, "alice": 1, "/index.html": 13, "/api/health": 57, "": 10, "é-key": 84]
        for (key, bucket) in expected {
            XCTAssertEqual(RoutingRule.bucket(routeKey: key), bucket, key)
        }
    }

    func testWeight30SendsAboutThirtyPercentToTheCandidate() {
        let candidates = (0..<10_000).filter {
            RoutingRule.slot(routeKey: "user-\($0)", path: "/", weightPct: 30) == .candidate
        }.count
        XCTAssertTrue((2_500...3_500).contains(candidates), "\(candidates) of 10000")
    }

    func testWeightEdgesAndBucketBoundary() {
        for key in ["user-1", "user-42", "alice", ""] {
            XCTAssertEqual(RoutingRule.slot(routeKey: key, path: "/", weightPct: 0), .stable)
            XCTAssertEqual(RoutingRule.slot(routeKey: key, path: "/", weightPct: 100), .candidate)
            XCTAssertEqual(RoutingRule.slot(routeKey: key, path: "/", weightPct: -7), .stable)
            XCTAssertEqual(RoutingRule.slot(routeKey: key, path: "/", weightPct: 250), .candidate)
        }
        // "alice" is bucket 1: candidate iff bucket < weight.
        XCTAssertEqual(RoutingRule.slot(routeKey: "alice", path: "/", weightPct: 1), .stable)
        XCTAssertEqual(RoutingRule.slot(routeKey: "alice", path: "/", weightPct: 2), .candidate)
    }

    func testWithoutARouteKeyThePathIsTheKey() {
        // "/index.html" is bucket 13.
        XCTAssertEqual(RoutingRule.slot(routeKey: nil, path: "/index.html", weightPct: 13), .stable)
        XCTAssertEqual(RoutingRule.slot(routeKey: nil, path: "/index.html", weightPct: 14), .candidate)
        XCTAssertEqual(RoutingRule.slot(routeKey: "", path: "/index.html", weightPct: 14), .candidate)
        // A key wins over the path: "user-1" is bucket 52.
        XCTAssertEqual(RoutingRule.slot(routeKey: "user-1", path: "/index.html", weightPct: 14), .stable)
    }

    func testPublicListenerIsDeterministicAndInRange() {
        XCTAssertEqual(RoutingRule.publicListener(execId: Self.execId), "http://127.0.0.1:26956")
        XCTAssertEqual(RoutingRule.publicListener(execId: "user-1"), "http://127.0.0.1:38052")
        for i in 0..<2_000 {
            let listener = RoutingRule.publicListener(execId: "lpexec_\(i)")
            let port = Int(listener.dropFirst("http://127.0.0.1:".count)) ?? -1
            XCTAssertTrue((20_000...39_999).contains(port), listener)
        }
    }

    // MARK: - Pack layout

    func testServePathsThatWouldEscapeTheSlotAreRefused() {
        for path in ["/../x", "/a/../../x", "//etc/passwd", "/a//b", "/./a", "/", "/a/", "relative", "/a\\b", "/a\u{0}b",
                     "/_backend/component.wasm"] {
            XCTAssertThrowsError(try PackLayout.from(manifest: Self.manifest(assets: [(path, Self.blobA)])), path) { error in
                XCTAssertEqual((error as? LPError)?.exitCode, .invalidInput, path)
                XCTAssertEqual((error as? LPError)?.diagnostics.first?.code, "LP_UNSAFE_NAME", path)
            }
        }
        XCTAssertNoThrow(try PackLayout.from(manifest: Self.manifest(assets: [("/.well-known/a..b", Self.blobA)])))
    }

    func testServePathsThatClashAreRefused() {
        let duplicate = Self.manifest(assets: [("/a", Self.blobA), ("/a", Self.blobB)])
        XCTAssertThrowsError(try PackLayout.from(manifest: duplicate)) { error in
            XCTAssertEqual((error as? LPError)?.diagnostics.first?.code, "LP_PACK_SERVE_PATH_DUPLICATE")
        }
        let conflict = Self.manifest(assets: [("/a/b/c", Self.blobA), ("/a/b", Self.blobB)])
        XCTAssertThrowsError(try PackLayout.from(manifest: conflict)) { error in
            XCTAssertEqual((error as? LPError)?.diagnostics.first?.code, "LP_PACK_SERVE_PATH_CONFLICT")
        }
        let badDigest = Self.manifest(assets: [("/a", Self.blobA)]).setting("backend", ["component": ["sha256": "../../etc", "bytes_len": 1]])
        XCTAssertThrowsError(try PackLayout.from(manifest: badDigest)) { error in
            XCTAssertEqual((error as? LPError)?.diagnostics.first?.code, "LP_PACK_MANIFEST_INVALID")
        }
    }

    // MARK: - Local target

    func testPrepareAndStartBuildHardLinkedServedTrees() throws {
        let (packA, packB) = try storePacks()
        try target.prepare(.stable, execId: Self.execId, pack: packA, nowUnixMs: now)
        try target.prepare(.candidate, execId: Self.execId, pack: packB, nowUnixMs: now + 1)
        XCTAssertEqual(try target.startSlot(.stable, execId: Self.execId, nowUnixMs: now + 2).status, .healthy)
        XCTAssertEqual(try target.startSlot(.candidate, execId: Self.execId, nowUnixMs: now + 3).status, .healthy)

        let stable = slotPath(.stable), candidate = slotPath(.candidate)
        XCTAssertEqual(try read(stable + "/index.html"), Self.blobA)
        XCTAssertEqual(try read(stable + "/static/js/app.js"), Self.blobB)
        XCTAssertEqual(try read(candidate + "/index.html"), Self.blobC)
        XCTAssertEqual(try read(stable + "/_backend/component.wasm"), Self.backend)
        XCTAssertEqual(try inode(stable + "/index.html"), try inode(blobPath(Self.blobA)))
        XCTAssertEqual(try inode(candidate + "/_backend/component.wasm"), try inode(blobPath(Self.backend)))
        XCTAssertEqual(DigestRef(of: try read(stable + "/_backend/app.pack.json")), packA.revision)

        let router = try XCTUnwrap(try RouterState.load(state: state, execId: Self.execId))
        XCTAssertEqual(router.weight_pct, 0)
        XCTAssertEqual(router.stable, SlotState(status: .healthy, path: "runtime/\(Self.execId)/stable", revision_digest: packA.revision))
        XCTAssertEqual(router.candidate, SlotState(status: .healthy, path: "runtime/\(Self.execId)/candidate", revision_digest: packB.revision))
        XCTAssertEqual(router.public_listener, "http://127.0.0.1:26956")
        XCTAssertEqual(router.updated_unix_ms, now + 3)
        XCTAssertEqual(try state.read(StateDirectory.router(Self.execId)), try router.document().canonicalBytes)
        XCTAssertTrue(target.health(.stable, execId: Self.execId).ok)
        XCTAssertEqual(try leftovers(), [])
    }

    func testRouterStateMatchesItsContract() throws {
        let (packA, _) = try storePacks()
        try target.prepare(.stable, execId: Self.execId, pack: packA, nowUnixMs: now)
        let document = try state.readJSON(StateDirectory.router(Self.execId))
        XCTAssertEqual(document["revision_digest"], nil)
        XCTAssertEqual(document["candidate"]?["revision_digest"], .null)
        XCTAssertEqual(document["algorithm"], "sha256-u32be-mod100")
        XCTAssertEqual(document["route_key_header"], "X-LP-Route-Key")

        let contracts = Self.projectRoot.appendingPathComponent("contracts").path
        let registry = try SchemaRegistry.load(directory: contracts)
        try registry.add(directory: contracts + "/meta")
        let name = "x07lp.router.state.schema.json"
        let published = contracts + "/" + name
        let schemaPath = FileManager.default.fileExists(atPath: published)
            ? published : Self.projectRoot.appendingPathComponent("contracts-pending/" + name).path
        let schema = try JSONParser.parse(try read(schemaPath))
        let validator = SchemaValidator(registry: registry)
        XCTAssertEqual(try validator.validate(schema, schemaID: "https://x07lp.dev/contracts/meta/x07lp.schema-subset.schema.json"), [])
        XCTAssertEqual(try validator.validate(document, schema: schema), [])
        XCTAssertNotEqual(try validator.validate(document.setting("weight_pct", 101), schema: schema), [])
        XCTAssertNotEqual(try validator.validate(document.setting("public_listener", "http://127.0.0.1:40000"), schema: schema), [])
    }

    func testSetWeightRecordsTheWeightAndRoutes() throws {
        try prepareAndStartBoth()
        XCTAssertThrowsError(try route(state: state, execId: "lpexec_unknown", routeKey: "x", path: "/")) { error in
            XCTAssertEqual((error as? LPError)?.exitCode, .usage)
            XCTAssertEqual((error as? LPError)?.diagnostics.first?.code, "LP_NOT_FOUND")
        }
        XCTAssertEqual(try route(state: state, execId: Self.execId, routeKey: "alice", path: "/"),
                       RouteAnswer(slot: .stable, bucket: 1, weight_pct: 0))

        let router = try target.setWeight(30, execId: Self.execId, nowUnixMs: now + 10)
        XCTAssertEqual(router.weight_pct, 30)
        XCTAssertEqual(try RouterState.load(state: state, execId: Self.execId), router)
        XCTAssertEqual(try route(state: state, execId: Self.execId, routeKey: "alice", path: "/"),
                       RouteAnswer(slot: .candidate, bucket: 1, weight_pct: 30))
        XCTAssertEqual(try route(state: state, execId: Self.execId, routeKey: nil, path: "/api/health"),
                       RouteAnswer(slot: .stable, bucket: 57, weight_pct: 30))
        XCTAssertEqual(try JSON(encoding: RouteAnswer(slot: .candidate, bucket: 1, weight_pct: 30)).canonicalString,
                       #"{"bucket":1,"slot":"candidate","weight_pct":30}"#)

        // Re-running the same step changes nothing, not even the timestamp.
        XCTAssertEqual(try target.setWeight(30, execId: Self.execId, nowUnixMs: now + 99).updated_unix_ms, now + 10)
        for bad in [-1, 101] {
            XCTAssertThrowsError(try target.setWeight(bad, execId: Self.execId, nowUnixMs: now)) { error in
                XCTAssertEqual((error as? LPError)?.diagnostics.first?.code, "LP_WEIGHT_RANGE")
            }
        }
        XCTAssertThrowsError(try target.setWeight(10, execId: "lpexec_unknown", nowUnixMs: now)) { error in
            XCTAssertEqual((error as? LPError)?.diagnostics.first?.code, "LP_NOT_FOUND")
        }
    }

    func testWeightNeedsAStartedCandidateAndAServingCandidateIsNotReplaced() throws {
        let (packA, packB) = try storePacks()
        try target.prepare(.candidate, execId: Self.execId, pack: packB, nowUnixMs: now)
        XCTAssertThrowsError(try target.setWeight(10, execId: Self.execId, nowUnixMs: now)) { error in
            XCTAssertEqual((error as? LPError)?.diagnostics.first?.code, "LP_SLOT_NOT_STARTED")
        }
        XCTAssertEqual(try target.setWeight(0, execId: Self.execId, nowUnixMs: now).weight_pct, 0)
        try target.startSlot(.candidate, execId: Self.execId, nowUnixMs: now)
        try target.setWeight(10, execId: Self.execId, nowUnixMs: now)
        // The same revision again is a no-op; another one would change what live traffic sees.
        XCTAssertEqual(try target.prepare(.candidate, execId: Self.execId, pack: packB, nowUnixMs: now + 5).status, .healthy)
        XCTAssertThrowsError(try target.prepare(.candidate, execId: Self.execId, pack: packA, nowUnixMs: now)) { error in
            XCTAssertEqual((error as? LPError)?.diagnostics.first?.code, "LP_SLOT_BUSY")
        }
    }

    func testPromoteMakesTheCandidateTreeStable() throws {
        let (_, packB) = try prepareAndStartBoth()
        try target.setWeight(100, execId: Self.execId, nowUnixMs: now + 10)
        let candidateIndexInode = try inode(slotPath(.candidate) + "/index.html")

        let router = try target.promote(execId: Self.execId, nowUnixMs: now + 11)
        XCTAssertEqual(router.weight_pct, 0)
        XCTAssertEqual(router.stable, SlotState(status: .healthy, path: "runtime/\(Self.execId)/stable", revision_digest: packB.revision))
        XCTAssertEqual(router.candidate.status, .stopped)
        XCTAssertEqual(try read(slotPath(.stable) + "/index.html"), Self.blobC)
        XCTAssertEqual(try inode(slotPath(.stable) + "/index.html"), candidateIndexInode)
        XCTAssertFalse(FileManager.default.fileExists(atPath: slotPath(.candidate)))
        XCTAssertEqual(try leftovers(), [])
        XCTAssertTrue(target.health(.stable, execId: Self.execId).ok)
        XCTAssertFalse(target.health(.candidate, execId: Self.execId).ok)

        // Promoting again (a re-run after the step finished) is a no-op.
        let bytes = try state.read(StateDirectory.router(Self.execId))
        XCTAssertEqual(try target.promote(execId: Self.execId, nowUnixMs: now + 50), router)
        XCTAssertEqual(try state.read(StateDirectory.router(Self.execId)), bytes)
    }

    func testPromoteFinishesAfterACrashBetweenTheRenameAndTheRouterWrite() throws {
        let (_, packB) = try prepareAndStartBoth()
        // The crash: the candidate tree already replaced the stable one, the router state did not follow.
        try FileManager.default.removeItem(atPath: slotPath(.stable))
        try FileManager.default.moveItem(atPath: slotPath(.candidate), toPath: slotPath(.stable))
        try FileManager.default.createDirectory(atPath: root + "/runtime/\(Self.execId)/.stable.old-1-2/static", withIntermediateDirectories: true)

        let router = try target.promote(execId: Self.execId, nowUnixMs: now + 20)
        XCTAssertEqual(router.stable.revision_digest, packB.revision)
        XCTAssertEqual(router.candidate.status, .stopped)
        XCTAssertEqual(try read(slotPath(.stable) + "/index.html"), Self.blobC)
        XCTAssertEqual(try leftovers(), [])
    }

    func testStopCandidateIsTheRollbackPath() throws {
        let (packA, _) = try prepareAndStartBoth()
        try target.setWeight(50, execId: Self.execId, nowUnixMs: now + 10)

        let router = try target.stopSlot(.candidate, execId: Self.execId, nowUnixMs: now + 11)
        XCTAssertEqual(router.weight_pct, 0)
        XCTAssertEqual(router.candidate.status, .stopped)
        XCTAssertFalse(FileManager.default.fileExists(atPath: slotPath(.candidate)))
        XCTAssertEqual(router.stable.revision_digest, packA.revision)
        XCTAssertEqual(try read(slotPath(.stable) + "/index.html"), Self.blobA)
        XCTAssertEqual(try target.stopSlot(.candidate, execId: Self.execId, nowUnixMs: now + 12), router)

        XCTAssertThrowsError(try target.startSlot(.candidate, execId: Self.execId, nowUnixMs: now)) { error in
            XCTAssertEqual((error as? LPError)?.diagnostics.first?.code, "LP_SLOT_NOT_PREPARED")
        }
        XCTAssertThrowsError(try target.promote(execId: Self.execId, nowUnixMs: now)) { error in
            XCTAssertEqual((error as? LPError)?.diagnostics.first?.code, "LP_SLOT_NOT_STARTED")
        }
        XCTAssertEqual(try route(state: state, execId: Self.execId, routeKey: "alice", path: "/").slot, .stable)
    }

    func testHealthDetectsAMissingOrTruncatedFile() throws {
        let (packA, _) = try prepareAndStartBoth()
        let file = slotPath(.stable) + "/static/js/app.js"
        try FileManager.default.removeItem(atPath: file)
        let health = target.health(.stable, execId: Self.execId)
        XCTAssertFalse(health.ok)
        XCTAssertEqual(health.problems, ["/static/js/app.js is missing"])

        // A file of the wrong size (a new file: writing through the hard link would change the blob).
        try Data("short".utf8).write(to: URL(fileURLWithPath: file))
        XCTAssertEqual(target.health(.stable, execId: Self.execId).problems,
                       ["/static/js/app.js has 5 bytes, expected \(Self.blobB.count)"])
        XCTAssertThrowsError(try target.startSlot(.stable, execId: Self.execId, nowUnixMs: now + 10)) { error in
            XCTAssertEqual((error as? LPError)?.diagnostics.first?.code, "LP_SLOT_UNHEALTHY")
        }
        XCTAssertEqual(try RouterState.load(state: state, execId: Self.execId)?.stable.status, .failed)
        XCTAssertEqual(try read(blobPath(Self.blobB)), Self.blobB)

        // Preparing the same revision again repairs the tree.
        XCTAssertEqual(try target.prepare(.stable, execId: Self.execId, pack: packA, nowUnixMs: now + 11).status, .planned)
        XCTAssertEqual(try target.startSlot(.stable, execId: Self.execId, nowUnixMs: now + 12).status, .healthy)
        XCTAssertTrue(target.health(.stable, execId: Self.execId).ok)
    }

    func testPrepareAndStartSucceedAfterACrashMidBuild() throws {
        let (_, packB) = try storePacks()
        let runtime = root + "/runtime/\(Self.execId)"
        // A half-built tree and a half-deleted old one, left by a killed process.
        try FileManager.default.createDirectory(atPath: runtime + "/.candidate.tmp-4242-17/static", withIntermediateDirectories: true)
        try Data("partial".utf8).write(to: URL(fileURLWithPath: runtime + "/.candidate.tmp-4242-17/index.html"))
        try FileManager.default.createDirectory(atPath: runtime + "/.candidate.old-4242-18", withIntermediateDirectories: true)

        try target.prepare(.candidate, execId: Self.execId, pack: packB, nowUnixMs: now)
        XCTAssertEqual(try target.startSlot(.candidate, execId: Self.execId, nowUnixMs: now + 1).status, .healthy)
        XCTAssertEqual(try leftovers(), [])

        // A crash after the tree was built but before the router state was written: the re-run
        // finds the router state without the revision and builds the tree again.
        try FileManager.default.removeItem(atPath: root + "/" + StateDirectory.router(Self.execId))
        try target.prepare(.candidate, execId: Self.execId, pack: packB, nowUnixMs: now + 2)
        XCTAssertEqual(try target.startSlot(.candidate, execId: Self.execId, nowUnixMs: now + 3).status, .healthy)
        XCTAssertEqual(try target.startSlot(.candidate, execId: Self.execId, nowUnixMs: now + 4).status, .healthy)
        XCTAssertEqual(try RouterState.load(state: state, execId: Self.execId)?.updated_unix_ms, now + 3)
        XCTAssertEqual(try leftovers(), [])
    }

    func testPrepareRefusesUnsafeExecIdsAndMissingBlobs() throws {
        let (packA, _) = try storePacks()
        XCTAssertThrowsError(try target.prepare(.stable, execId: "../escape", pack: packA, nowUnixMs: now)) { error in
            XCTAssertEqual((error as? LPError)?.diagnostics.first?.code, "LP_UNSAFE_NAME")
        }
        let missing = try PackLayout.from(manifest: Self.manifest(assets: [("/index.html", Array("not stored".utf8))]))
        XCTAssertThrowsError(try target.prepare(.stable, execId: Self.execId, pack: missing, nowUnixMs: now)) { error in
            XCTAssertEqual((error as? LPError)?.exitCode, .stateCorrupt)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: slotPath(.stable)))
        XCTAssertEqual(try leftovers(), [])
    }

    func testCopyFallbackWritesAnIndependentFile() throws {
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let bytes = (0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try Data(bytes).write(to: URL(fileURLWithPath: root + "/source"))
        try SlotTree.copyFile(from: root + "/source", to: root + "/copy")
        XCTAssertEqual(try read(root + "/copy"), bytes)
        XCTAssertNotEqual(try inode(root + "/copy"), try inode(root + "/source"))
        XCTAssertThrowsError(try SlotTree.copyFile(from: root + "/source", to: root + "/copy"))
    }

    // MARK: - Fixtures

    static let blobA = Array("<!doctype html><title>v1</title>".utf8)
    static let blobB = Array("console.log('hello from the app');\n".utf8)
    static let blobC = Array("<!doctype html><title>v2, a longer page</title>".utf8)
    static let backend = Array("\u{0}asm backend component bytes".utf8)

    static func manifest(assets: [(String, [UInt8])]) -> JSON {
        func file(_ bytes: [UInt8]) -> JSON {
            let sha = SHA256.hex(bytes)
            return ["path": .string("assets/\(sha)"), "sha256": .string(sha), "bytes_len": .number(Double(bytes.count))]
        }
        return [
            "schema_version": "x07.app.pack@0.1.0",
            "profile_id": "test",
            "routing": ["api_prefix": "/api"],
            "bundle_manifest": file(Array("{}".utf8)),
            "frontend": ["index_path": "/index.html"],
            "backend": ["adapter": "wasi_http_proxy_v1", "component": file(backend)],
            "assets": .array(assets.map { ["serve_path": .string($0.0), "file": file($0.1), "headers": []] }),
        ]
    }

    /// Two revisions in the content store, as intake leaves them: every file and the manifest.
    @discardableResult
    func storePacks() throws -> (PackLayout, PackLayout) {
        let store = BlobStore(state: state)
        for bytes in [Self.blobA, Self.blobB, Self.blobC, Self.backend] {
            try store.put(bytes, logicalName: "asset", mediaType: "application/octet-stream")
        }
        let manifestA = Self.manifest(assets: [("/index.html", Self.blobA), ("/static/js/app.js", Self.blobB)])
        let manifestB = Self.manifest(assets: [("/index.html", Self.blobC), ("/static/js/app.js", Self.blobB)])
        try store.put(manifestA, logicalName: "pack_manifest")
        try store.put(manifestB, logicalName: "pack_manifest")
        return (try PackLayout.from(manifest: manifestA), try PackLayout.from(manifest: manifestB))
    }

    @discardableResult
    func prepareAndStartBoth() throws -> (PackLayout, PackLayout) {
        let (packA, packB) = try storePacks()
        try target.prepare(.stable, execId: Self.execId, pack: packA, nowUnixMs: now)
        try target.prepare(.candidate, execId: Self.execId, pack: packB, nowUnixMs: now)
        try target.startSlot(.stable, execId: Self.execId, nowUnixMs: now)
        try target.startSlot(.candidate, execId: Self.execId, nowUnixMs: now)
        return (packA, packB)
    }

    func slotPath(_ slot: Slot) -> String { root + "/" + StateDirectory.runtimeSlot(Self.execId, slot.rawValue) }

    func blobPath(_ bytes: [UInt8]) -> String { root + "/" + StateDirectory.blob(SHA256.hex(bytes)) }

    func read(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) }

    func inode(_ path: String) throws -> UInt64 {
        var info = stat()
        guard stat(path, &info) == 0 else { throw LPError(.usage, code: "LP_TEST", "stat \(path) failed") }
        return UInt64(info.st_ino)
    }

    /// Hidden `.tmp-` / `.old-` siblings in the runtime directory.
    func leftovers() throws -> [String] {
        let runtime = root + "/runtime/\(Self.execId)"
        return ((try? FileManager.default.contentsOfDirectory(atPath: runtime)) ?? []).filter { $0.hasPrefix(".") }.sorted()
    }
}
