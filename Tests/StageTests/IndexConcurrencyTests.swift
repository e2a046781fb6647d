import LPCore
import LPState
import LPModel
@testable import LPIndex
import LPStage
import Foundation
import XCTest

/// Issue 13: concurrent writers and readers of one state directory must never leave the query
/// index different from its files while it claims to be current (docs/index.md, "Concurrency").
/// Eight worker threads each run forty commands as real processes, all started together: intake
/// (`deploy accept` at its own clock), incident captures, signed pause/resume controls, `index
/// rebuild` and plain queries, interleaved. Afterwards every row of both index files is compared
/// with a fresh build of a copy of the same state. (Before the index stored the state generation,
/// about two runs in three lost a row here: a worker's query did not find the incident it had just
/// captured, from an index whose directory stamps looked current.)
final class IndexConcurrencyTests: XCTestCase {
    static let base = "1767225600000"

    /// X07LP_CONCURRENCY_WRITERS / X07LP_CONCURRENCY_ROUNDS raise the load for experiments.
    static func setting(_ name: String, _ fallback: Int) -> Int {
        ProcessInfo.processInfo.environment[name].flatMap(Int.init) ?? fallback
    }

    enum Operation: String, CaseIterable, Sendable {
        case accept, capture, pause, resume, rebuild, query
    }

    /// The order each worker cycles through (worker `w` starts at a different place), so every
    /// kind of write meets every other kind and the rebuilds race them.
    static let schedule: [Operation] = [.accept, .capture, .query, .pause, .rebuild, .capture, .resume, .query, .accept, .rebuild]

    struct Outcome: Sendable {
        var operation: Operation
        var status: Int32
        var stderr: String
        var seconds: Double
    }

    func testConcurrentWritersAndRebuildsLeaveTheIndexEqualToAFreshBuild() throws {
        let writers = Self.setting("X07LP_CONCURRENCY_WRITERS", 8), rounds = Self.setting("X07LP_CONCURRENCY_ROUNDS", 40)
        let hello = ExamplePacks.hello
        let state = StageProcess.temporaryDirectory(), work = StageProcess.temporaryDirectory()
        for (name, json) in [("request.json", IncidentTests.request), ("response.json", IncidentTests.response)] {
            try Data(json.encoded(.pretty)).write(to: URL(fileURLWithPath: work + "/" + name))
        }
        let first = try StageProcess.x07lp(Workload.accept(hello: hello, state: state, now: Self.base))
        XCTAssertEqual(first.status, 0, first.stderr)
        let deployment = try XCTUnwrap(try JSONParser.parse(first.stdout)["result"]?["exec_id"]?.stringValue)
        let built = try StageProcess.x07lp(["index", "rebuild", "--state-dir", state])
        XCTAssertEqual(built.status, 0, built.stderr)

        // All workers start together; each runs its rounds one process after the other.
        let workload = Workload(state: state, work: work, hello: hello, deployment: deployment)
        let outcomes = Locked([Outcome]())
        let start = DispatchSemaphore(value: 0), done = DispatchGroup()
        let began = Date()
        for worker in 0..<writers {
            done.enter()
            let thread = Thread {
                start.wait()
                let results = workload.run(worker: worker, rounds: rounds)
                outcomes.update { $0 += results }
                done.leave()
            }
            thread.start()
        }
        for _ in 0..<writers { start.signal() }
        done.wait()
        let elapsed = Date().timeIntervalSince(began)

        // Every command did its job (a pause of a paused deployment, or a resume of a running
        // one, is refused with exit 2: the workers race each other on purpose).
        var summary: [String: [Int32: Int]] = [:]
        for outcome in outcomes.value {
            summary[outcome.operation.rawValue, default: [:]][outcome.status, default: 0] += 1
            let allowed: Set<Int32> = outcome.operation == .pause || outcome.operation == .resume ? [0, 2] : [0]
            XCTAssertTrue(allowed.contains(outcome.status), "\(outcome.operation) exited \(outcome.status): \(outcome.stderr)")
        }
        print(String(format: "index concurrency: %d workers x %d rounds in %.1f s; ", writers, rounds, elapsed)
              + summary.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.sorted { $0.key < $1.key })" }.joined(separator: ", "))
        XCTAssertEqual(outcomes.value.count, writers * rounds)

        let generation = StateGeneration.read(StateDirectory(root: state))
        XCTAssertGreaterThan(generation, UInt64(writers))
        let fresh = try freshBuild(of: state)

        // As the workers left it, each file either says it is stale (its generation is not the
        // state's) or holds exactly the rows of a fresh build.
        for location in IndexLocation.allCases {
            let path = state + "/" + location.rawValue
            let stored = try storedGeneration(path)
            if stored == generation {
                try assertSameRows(path, fresh, "\(location.rawValue) as the workers left it claims generation \(generation)")
            }
        }
        // A plain query brings both files up to date (rebuilding only what is stale): both must
        // then equal the fresh build and say the state's generation.
        let query = try StageProcess.x07lp(["app", "list", "--state-dir", state, "--json"])
        XCTAssertEqual(query.status, 0, query.stderr)
        for location in IndexLocation.allCases {
            let path = state + "/" + location.rawValue
            XCTAssertEqual(try storedGeneration(path), generation, "\(location.rawValue) after a query")
            try assertSameRows(path, fresh, "\(location.rawValue) after a query")
        }
    }

    /// One worker's commands. A query asks for what this worker wrote last (its latest accepted
    /// deployment, its latest incident): the write has returned, so an index that says it is
    /// current must know it.
    struct Workload: Sendable {
        var state: String
        var work: String
        var hello: String
        var deployment: String

        static func accept(hello: String, state: String, now: String) -> [String] {
            ["deploy", "accept", "--pack", hello + "/pack.tar.gz", "--change", hello + "/change_request.ops.json",
             "--ops", hello + "/ops.blue_green.json", "--slo", hello + "/slo.json", "--state-dir", state, "--now-unix-ms", now, "--json"]
        }

        func run(worker: Int, rounds: Int) -> [Outcome] {
            var outcomes: [Outcome] = []
            var lastDeployment: String?, lastIncident: String?
            for round in 0..<rounds {
                let operation = IndexConcurrencyTests.schedule[(worker * 3 + round) % IndexConcurrencyTests.schedule.count]
                let now = String(Int64(IndexConcurrencyTests.base)! + Int64(1_000 * (worker * 1_000 + round + 1)))
                let reason = "worker \(worker) round \(round)"
                let arguments: [String]
                switch operation {
                case .accept: arguments = Self.accept(hello: hello, state: state, now: now)
                case .capture:
                    arguments = ["incident", "capture", "--deployment-id", deployment, "--request", work + "/request.json",
                                 "--response", work + "/response.json", "--reason", reason, "--state-dir", state,
                                 "--now-unix-ms", now, "--json"]
                case .pause, .resume:
                    arguments = ["deploy", operation.rawValue, "--deployment-id", deployment, "--reason", reason,
                                 "--state-dir", state, "--now-unix-ms", now, "--json"]
                case .rebuild: arguments = ["index", "rebuild", "--state-dir", state]
                case .query:
                    if round % 2 == 0, let lastDeployment {
                        arguments = ["deploy", "query", "--deployment-id", lastDeployment, "--state-dir", state, "--json"]
                    } else if let lastIncident {
                        arguments = ["incident", "get", "--incident-id", lastIncident, "--state-dir", state, "--json"]
                    } else {
                        arguments = ["app", "list", "--state-dir", state, "--json"]
                    }
                }
                let clock = Date()
                do {
                    let result = try StageProcess.x07lp(arguments)
                    let document = try? JSONParser.parse(result.stdout)
                    if result.status == 0, operation == .accept { lastDeployment = document?["result"]?["exec_id"]?.stringValue }
                    if result.status == 0, operation == .capture { lastIncident = document?["result"]?["incident_id"]?.stringValue }
                    outcomes.append(Outcome(operation: operation, status: result.status,
                                            stderr: "\(arguments.prefix(2).joined(separator: " ")): \(result.stderr)",
                                            seconds: Date().timeIntervalSince(clock)))
                } catch {
                    outcomes.append(Outcome(operation: operation, status: -1, stderr: "\(error)", seconds: 0))
                }
            }
            return outcomes
        }
    }

    // MARK: comparing

    /// The rows of a fresh build of a copy of `state` (its index removed first).
    func freshBuild(of state: String) throws -> [String: [String]] {
        let copy = StageProcess.temporaryDirectory() + "/state"
        try FileManager.default.copyItem(atPath: state, toPath: copy)
        try FileManager.default.removeItem(atPath: copy + "/" + IndexLocation.directory)
        let index = try StateIndex.rebuild(state: StateDirectory(root: copy))
        XCTAssertEqual(try storedGeneration(index.path), StateGeneration.read(StateDirectory(root: copy)), "the fresh build's generation")
        return try dump(index.path)
    }

    /// The state generation an index file says it reflects (`meta`), nil when it says none.
    func storedGeneration(_ path: String) throws -> UInt64? {
        let db = try Database(path: path, create: false)
        return try db.first("SELECT v FROM meta WHERE k = 'state_generation'") { $0.string(0) }.flatMap { UInt64($0) }
    }

    /// Every row of every table but the index's own bookkeeping (build time, directory stamps,
    /// which differ in a copy), as sorted text.
    func dump(_ path: String) throws -> [String: [String]] {
        let db = try Database(path: path, create: false)
        var result: [String: [String]] = [:]
        for (name, type) in IndexSchema.objects where type == "table" && !["meta", "index_fingerprints"].contains(name) {
            var rows: [String] = []
            try db.query("SELECT * FROM \(name)") { row in
                rows.append((0..<row.columnCount).map { row.string($0) ?? "NULL" }.joined(separator: "|"))
            }
            result[name] = rows.sorted()
        }
        return result
    }

    func assertSameRows(_ path: String, _ expected: [String: [String]], _ context: String,
                        file: StaticString = #filePath, line: UInt = #line) throws {
        let actual = try dump(path)
        for table in Set(expected.keys).union(actual.keys).sorted() {
            let have = Set(actual[table] ?? []), want = Set(expected[table] ?? [])
            guard have != want || (actual[table] ?? []).count != (expected[table] ?? []).count else { continue }
            let missing = want.subtracting(have).sorted(), extra = have.subtracting(want).sorted()
            XCTFail("\(context): \(table) differs from a fresh build: \(missing.count) rows missing \(missing.prefix(3)), "
                    + "\(extra.count) rows extra \(extra.prefix(3))", file: file, line: line)
        }
    }
}
