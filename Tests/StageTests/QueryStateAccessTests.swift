import LPCore
import LPState
import LPStage
import LPQuery
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// lp-query's read views and the state directory they are pointed at: one that does not exist is
/// an error naming it, and one this process cannot write is still answered (docs/index.md).
final class QueryStateAccessTests: XCTestCase {
    static var lpQuery: String { StageProcess.binary("lp-query") }

    /// Every read view of lp-query (all its commands but `index rebuild`), with the ids it needs.
    static func readViews(deployment: String, incident: String) -> [[String]] {
        QueryStage.definition.commands.filter { $0.words != ["index", "rebuild"] }.map { command in
            var args = command.words
            let options = Set(command.spec.options.map(\.name))
            if options.contains("--incident-id") { args += ["--incident-id", incident] }
            else if options.contains("--deployment-id") { args += ["--deployment-id", deployment] }
            else if options.contains("--release") { args += ["--release", "lpexec_00000000000000000000000001"] }
            else if options.contains("--env") { args += ["--app-id", "example.hello.web", "--env", "staging"] }
            if options.contains("--route-key") { args += ["--route-key", "user-42"] }
            if command.spec.positionals == ["DIGEST"] { args.append("sha256:" + String(repeating: "0", count: 64)) }
            return args
        }
    }

    func testEveryReadViewRefusesAStateDirectoryThatDoesNotExist() throws {
        let missing = StageProcess.temporaryDirectory() + "/no-such-state"
        let views = Self.readViews(deployment: "lpexec_00000000000000000000000000", incident: "lpinc_00000000000000000000000000")
        XCTAssertGreaterThanOrEqual(views.count, 5)
        for args in views {
            let result = try StageProcess.run(Self.lpQuery, args + ["--state-dir", missing])
            XCTAssertEqual(result.status, 2, "\(args): \(result.stdoutText) \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("error[LP_NOT_FOUND]"), "\(args): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("no state directory at \(missing)"), "\(args): \(result.stderr)")
            let report = try StageProcess.run(Self.lpQuery, args + ["--state-dir", missing, "--json"])
            XCTAssertEqual(report.status, 2, "\(args)")
            XCTAssertEqual(try JSONParser.parse(report.stdout)["diagnostics"]?.arrayValue?.first?["code"], "LP_NOT_FOUND", "\(args)")
        }
        // Also through $X07LP_STATE_DIR, and nothing is created.
        let apps = try StageProcess.run(Self.lpQuery, ["apps"], environment: ["X07LP_STATE_DIR": missing])
        XCTAssertEqual(apps.status, 2, apps.stdoutText)
        XCTAssertFalse(FileManager.default.fileExists(atPath: missing))
    }

    // MARK: read-only

    /// Runs lp-query as a process that cannot write `state`: as root (CI), as the unprivileged user
    /// 65534 (`setpriv`), for whom the root-owned state directory is read-only; otherwise with
    /// every write permission of the state removed. Either way the kernel refuses the writes.
    struct ReadOnlyReader {
        let state: String
        let asRoot = geteuid() == 0

        init(state: String) throws {
            self.state = state
            if asRoot {
                guard FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else {
                    throw XCTSkip("running as root and no /usr/bin/setpriv to drop to an unprivileged user")
                }
                // Readable (but not writable) for the other user, like a state shared read-only.
                try Self.shell("chmod -R go+rX,go-w '\(state)'")
            } else {
                try Self.shell("chmod -R a-w '\(state)'")
            }
        }

        func restore() {
            if !asRoot { try? Self.shell("chmod -R u+w '\(state)'") }
        }

        func run(_ executable: String, _ args: [String]) throws -> StageResult {
            guard asRoot else { return try StageProcess.run(executable, args) }
            return try StageProcess.run("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "--", executable] + args,
                                        cwd: "/")
        }

        static func shell(_ command: String) throws {
            let result = try StageProcess.run("/bin/sh", ["-c", command])
            XCTAssertEqual(result.status, 0, "\(command): \(result.stderr)")
        }
    }

    func testQueriesOnAReadOnlyStateDirectoryAnswerAndSaySo() throws {
        let setup = try IncidentTests.promoted()
        let capture = try IncidentTests.capture(setup)
        XCTAssertEqual(capture.status, 0, capture.stderr)
        let incident = try IncidentTests.incidentId(capture)
        let state = setup.state
        // The index is on disk and current (built by a query, kept current by the writers).
        XCTAssertEqual(try StageProcess.run(Self.lpQuery, ["apps", "--state-dir", state]).status, 0)
        let warm = try JSONParser.parse(try StageProcess.run(Self.lpQuery, ["apps", "--state-dir", state, "--json"]).stdout)
        XCTAssertEqual(warm["result"]?["index"]?["rebuilt"], false)
        XCTAssertFalse((warm["diagnostics"]?.arrayValue ?? []).contains { $0["code"] == "LP_INDEX_READ_ONLY" })

        let reader = try ReadOnlyReader(state: state)
        defer { reader.restore() }
        // The simulation binds: this reader cannot write into the state directory.
        XCTAssertNotEqual(try reader.run("/usr/bin/touch", [state + "/probe"]).status, 0, "the reader can write the state")
        XCTAssertNotEqual(try reader.run("/usr/bin/touch", [state + "/index/probe"]).status, 0, "the reader can write the index")

        let views: [[String]] = [["deploy", "--deployment-id", setup.deployment, "--view", "full"], ["apps"],
                                 ["incidents", "--deployment-id", setup.deployment], ["incident", "--incident-id", incident]]
        func answers(_ label: String, rebuilt: Bool) throws -> [String: JSON] {
            var results: [String: JSON] = [:]
            for args in views {
                let result = try reader.run(Self.lpQuery, args + ["--state-dir", state, "--json"])
                XCTAssertEqual(result.status, 0, "\(label) \(args): \(result.stderr)")
                let report = try JSONParser.parse(result.stdout)
                let answer = report["result"] ?? .null
                XCTAssertTrue((report["diagnostics"]?.arrayValue ?? []).contains { $0["code"] == "LP_INDEX_READ_ONLY" },
                              "\(label) \(args): the answer says it was read read-only")
                XCTAssertNil(answer["index"]?["read_only"], "the index block keeps the contract's shape")
                XCTAssertEqual(answer["index"]?["used"], true, "\(label) \(args)")
                XCTAssertEqual(answer["index"]?["rebuilt"], .bool(rebuilt), "\(label) \(args)")
                XCTAssertEqual(answer["index"]?["db_path"], .string(state + "/index/control_plane.sqlite"), "\(label) \(args)")
                results[args[0]] = answer
            }
            return results
        }
        let before = StateFiles.all(state)

        // 1. The index file is current: read in place, read-only.
        var results = try answers("current index", rebuilt: false)
        XCTAssertEqual(results["deploy"]?["outcome"], "promoted")
        XCTAssertEqual(results["apps"]?["items"]?.arrayValue?.first?["latest_deployment_id"], .string(setup.deployment))
        XCTAssertEqual(results["incidents"]?["items"]?.arrayValue?.count, 1)
        XCTAssertEqual(results["incident"]?["incident_id"], .string(incident))
        XCTAssertEqual(StateFiles.all(state), before, "a read-only query changed the state")

        // 1b. Another process has the index open, with a commit still in its -wal (so the file
        // alone is not the index): read through the -wal and -shm, still without writing.
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/sqlite3") {
            reader.restore()
            let holder = Process()
            holder.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
            holder.arguments = [state + "/index/control_plane.sqlite"]
            let input = Pipe()
            holder.standardInput = input
            holder.standardOutput = FileHandle.nullDevice
            holder.standardError = FileHandle.nullDevice
            try holder.run()
            input.fileHandleForWriting.write(Data("""
                INSERT OR REPLACE INTO meta(k, v) VALUES ('probe', '1');
                BEGIN;
                SELECT count(*) FROM executions;

                """.utf8))
            let shm = state + "/index/control_plane.sqlite-shm"
            let wal = state + "/index/control_plane.sqlite-wal"
            func walSize() -> Int { (try? FileManager.default.attributesOfItem(atPath: wal)[.size] as? Int) ?? 0 }
            for _ in 0..<250 where !FileManager.default.fileExists(atPath: shm) || walSize() == 0 { usleep(20_000) }
            XCTAssertTrue(FileManager.default.fileExists(atPath: shm))
            XCTAssertGreaterThan(walSize(), 0)
            _ = try ReadOnlyReader(state: state)
            results = try answers("index held open", rebuilt: false)
            XCTAssertEqual(results["deploy"]?["outcome"], "promoted")
            try input.fileHandleForWriting.close()
            holder.waitUntilExit()
        }

        // 2. No index at all (and no index directory to build one in): answered from the files.
        reader.restore()
        try FileManager.default.removeItem(atPath: state + "/index")
        let withoutIndex = StateFiles.all(state)
        _ = try ReadOnlyReader(state: state)
        results = try answers("no index", rebuilt: true)
        XCTAssertEqual(results["deploy"]?["outcome"], "promoted")
        XCTAssertEqual(results["incidents"]?["items"]?.arrayValue?.count, 1)
        XCTAssertEqual(results["incident"]?["incident_id"], .string(incident))
        XCTAssertFalse(FileManager.default.fileExists(atPath: state + "/index"))
        XCTAssertEqual(StateFiles.all(state), withoutIndex, "a read-only query changed the state")

        // 3. A stale index (a record rewritten after it was built): answered from the files, not from it.
        reader.restore()
        XCTAssertEqual(try StageProcess.run(Self.lpQuery, ["apps", "--state-dir", state]).status, 0)
        let path = "\(state)/deploy/\(setup.deployment).json"
        let execution = try JSONParser.parse([UInt8](Data(contentsOf: URL(fileURLWithPath: path))))
        usleep(20_000)
        try AtomicFile.write(execution.setting("status", "aborted").canonicalBytes, to: path)
        _ = try ReadOnlyReader(state: state)
        results = try answers("stale index", rebuilt: true)
        XCTAssertEqual(results["deploy"]?["status"], "aborted")

        // `index rebuild` cannot do its job here, and says so.
        let rebuild = try reader.run(Self.lpQuery, ["index", "rebuild", "--state-dir", state])
        XCTAssertEqual(rebuild.status, 2, rebuild.stderr)
        XCTAssertTrue(rebuild.stderr.contains("LP_STATE_READ_ONLY"), rebuild.stderr)
    }
}
