import LPCore
import LPState
import LPModel
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// `x07lp serve` for real: nginx + njs serving the example pack's slots on the deployment's
/// public listener, split exactly as `x07lp route` says.
final class ServeTests: XCTestCase, ExampleDeploymentSupport {
    /// The example app with a real back end (`ServeBackends`) accepted: its slots pass the
    /// health probe's back-end request.
    func acceptedWithBackend() throws -> Fixture {
        try ServeBackends.requireTools()
        let (healthy, _) = try ServeBackends.components.get()
        let pack = try ServeBackends.pack(component: healthy, label: "serve")
        let state = StageProcess.temporaryDirectory()
        let fixture = Fixture(state: state, work: StageProcess.temporaryDirectory(), id: try ServeBackends.accept(pack, state: state))
        try FileManager.default.copyItem(atPath: pack + "/slo.json", toPath: fixture.work + "/slo.json")
        return fixture
    }

    /// A canary held at weight 37 (its analysis finds no snapshot), served while it runs.
    func servedCanary() throws -> (Fixture, port: Int) {
        let fixture = try acceptedWithBackend()
        try startServing(fixture)
        let plan = try plan(fixture, strategy: ["type": "canary", "canary": ["steps": [
            ["set_weight": 37], ["analysis": ["kind": "slo.eval", "require_decision": "promote"]]]]])
        let held = try run(fixture, plan: plan, metricsDir: try metrics(fixture, []))
        XCTAssertEqual(held.status, 16, held.stderr + held.stdoutText)
        let listener = RoutingRule.publicListener(execId: fixture.id)
        return (fixture, Int(listener.split(separator: ":").last ?? "") ?? 0)
    }

    func testNginxSplitsAThousandKeysExactlyAsRoute() throws {
        let (fixture, port) = try servedCanary()
        let state = StateDirectory(root: fixture.state)
        let keys: [String?] = (0..<1000).map { "user-\($0)" } + ["ключ", "k\u{e9}y 7", nil]
        let answers = try ServeHarness.slots(port: port, keys: keys)
        XCTAssertEqual(answers.count, keys.count)
        let router = try XCTUnwrap(RouterState.load(state: state, execId: fixture.id))
        var candidates = 0
        for (key, answer) in zip(keys, answers) {
            let expected = try route(state: state, execId: fixture.id, routeKey: key, path: "/")
            XCTAssertEqual(answer.slot, expected.slot.rawValue, "key \(key ?? "(none)")")
            XCTAssertEqual(answer.revision, router[expected.slot].revision_digest?.sha256, "key \(key ?? "(none)")")
            if expected.slot == .candidate { candidates += 1 }
        }
        XCTAssertTrue((300...440).contains(candidates), "\(candidates) of 1003 keys reached the candidate at weight 37")
        // The CLI is the same rule: a sample through `x07lp route`.
        for (key, answer) in zip(keys, answers).prefix(20) {
            let result = try StageProcess.x07lp(["route", "--deployment-id", fixture.id, "--route-key", key ?? "", "--state-dir", fixture.state])
            XCTAssertEqual(try JSONParser.parse(result.stdout)["slot"], .string(answer.slot))
        }
    }

    /// Each file carries the headers its pack gives it, whichever slot serves it; the index
    /// fallback carries the index's.
    func testServedFilesCarryThePacksHeaders() throws {
        let (_, port) = try servedCanary()
        for (path, expected) in [("/app.js", "max-age=300"), ("/index.html", "no-cache"), ("/no/such/page", "no-cache")] {
            for key in ["user-1", "user-2", "user-3", "user-4"] {
                let head = try StageProcess.run("/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code} %header{cache-control} %header{x-lp-slot}",
                                                                  "-H", "X-LP-Route-Key: \(key)", "http://127.0.0.1:\(port)\(path)"])
                let words = head.stdoutText.split(separator: " ").map(String.init)
                XCTAssertEqual(words.prefix(2), ["200", expected], "\(path) for \(key): \(head.stdoutText)")
            }
        }
        let manifest = try StageProcess.run("/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}|%header{cache-control}|%header{content-type}",
                                                              "http://127.0.0.1:\(port)/app.manifest.json"])
        XCTAssertEqual(manifest.stdoutText, "200||application/json", "no pack header: nginx's MIME type alone")
    }

    /// start_candidate's evidence holds the HTTP probe of the candidate through the listener.
    func testStartCandidateProbesTheSlotOverHTTP() throws {
        let (fixture, port) = try servedCanary()
        let store = fixture.state + "/store"
        let probes = try FileManager.default.subpathsOfDirectory(atPath: store).compactMap { path -> JSON? in
            guard let data = FileManager.default.contents(atPath: store + "/" + path), data.count < 4096,
                  let document = try? JSONParser.parse([UInt8](data)), document["schema_version"] == "x07lp.slot.health@0.1.0" else { return nil }
            return document
        }
        let candidate = try XCTUnwrap(probes.first { $0["slot"] == "candidate" })
        XCTAssertEqual(candidate["ok"], true)
        XCTAssertEqual(candidate["http"]?.arrayValue?.first?["status"], 200)
        XCTAssertEqual(candidate["http"]?.arrayValue?.first?["url"], .string("http://127.0.0.1:\(port)/"))
        // The back end's prefix reached the component (its 404 for /api: it runs and answers).
        XCTAssertEqual(candidate["http"]?.arrayValue?.last?["route"], "backend")
        XCTAssertEqual(candidate["http"]?.arrayValue?.last?["url"], .string("http://127.0.0.1:\(port)/api"))
        XCTAssertEqual(candidate["http"]?.arrayValue?.last?["status"], 404)
        let log = try String(contentsOfFile: fixture.state + "/.x07lp-serve/logs/\(fixture.id).access.log", encoding: .utf8)
        XCTAssertTrue(log.contains("\"slot\":\"candidate\",\"status\":200"), log)
    }

    func testPromoteAndStopReachNginx() throws {
        let (fixture, port) = try servedCanary()
        let promote = try StageProcess.x07lp(["deploy", "promote", "--deployment-id", fixture.id, "--state-dir", fixture.state,
                                              "--reason", "test", "--json"])
        XCTAssertEqual(promote.status, 0, promote.stdoutText)
        let answers = try ServeHarness.slots(port: port, keys: (0..<50).map { "user-\($0)" })
        XCTAssertEqual(Set(answers.map(\.slot)), ["stable"])
        let status = try ServeHarness.serve("status", state: fixture.state)
        XCTAssertEqual(status["listeners"]?.arrayValue?.first?["weight_pct"], 0)
        func listener() throws -> JSON? {
            let status = try StageProcess.x07lp(["deploy", "status", "--deployment-id", fixture.id, "--state-dir", fixture.state, "--json"])
            return try JSONParser.parse(status.stdout)["result"]?["listener"]
        }
        XCTAssertEqual(try listener(), ["address": .string("http://127.0.0.1:\(port)"), "up": true, "detail": "serves this deployment"])
        XCTAssertEqual(try ServeHarness.serve("stop", state: fixture.state)["running"], false)
        let refused = try StageProcess.run("/usr/bin/curl", ["-s", "-o", "/dev/null", "http://127.0.0.1:\(port)/"])
        XCTAssertEqual(refused.status, 7, "nothing listens after serve stop")
        XCTAssertEqual(try listener()?["up"], false)
        XCTAssertEqual(try listener()?["detail"], "connection refused")
        let text = try StageProcess.x07lp(["deploy", "status", "--deployment-id", fixture.id, "--state-dir", fixture.state, "--output", "table"])
        XCTAssertTrue(text.stdoutText.contains("http://127.0.0.1:\(port) (not up)"), text.stdoutText)
    }

    /// A promote while requests for static files go on: none fails and none gets a 404 (nginx
    /// serves each revision from its own tree, which outlives the reload that stops using it).
    func testNoRequestFailsOrGets404DuringAPromote() throws {
        let (fixture, port) = try servedCanary()
        let answers = Locked<[ServeBackends.Answer]>([])
        let done = Locked(false)
        let finished = DispatchSemaphore(value: 0)
        for loop in 0..<3 {
            DispatchQueue.global().async {
                while !done.value {
                    let batch = (try? ServeBackends.get(port: port, keys: (0..<50).map { "user-\(loop)-\($0)" }, path: "/app.js")) ?? []
                    answers.update { $0 += batch }
                }
                finished.signal()
            }
        }
        while answers.value.count < 200 { usleep(10_000) }
        let promote = try StageProcess.x07lp(["deploy", "promote", "--deployment-id", fixture.id, "--state-dir", fixture.state,
                                              "--reason", "test", "--json"])
        let promotedAt = answers.value.count
        while answers.value.count < promotedAt + 200 { usleep(10_000) }
        done.update { $0 = true }
        for _ in 0..<3 { finished.wait() }
        XCTAssertEqual(promote.status, 0, promote.stdoutText)
        let all = answers.value
        XCTAssertEqual(all.filter { $0.status != 200 }.map { "\($0.slot) \($0.status)" }, [], "of \(all.count) requests")
        XCTAssertTrue(all.contains { $0.slot == "candidate" })
        XCTAssertEqual(all.suffix(100).filter { $0.slot != "stable" }.count, 0)
    }

    /// Runs `plan` with `--metrics-from access-log` while requests with route keys go to `path`
    /// through the listener (from the moment the run's prepare step has put it up).
    func runWithTraffic(_ fixture: Fixture, plan: String, path: String) throws -> (StageResult, [(slot: String, revision: String)]) {
        let port = Int(RoutingRule.publicListener(execId: fixture.id).split(separator: ":").last ?? "") ?? 0
        let (run, batches) = try ServeHarness.runWithTraffic(
            id: fixture.id, plan: plan, state: fixture.state,
            ready: { try ServeHarness.slots(port: port, keys: ["wait"], path: path).first?.slot.isEmpty == false },
            batch: { try ServeHarness.slots(port: port, keys: (0..<20).map { "user-\($0)" }, path: path) })
        return (run, batches.flatMap { $0 })
    }

    func startServing(_ fixture: Fixture) throws {
        XCTAssertEqual(try ServeHarness.serve("start", state: fixture.state)["running"], true)
        addTeardownBlock { _ = try? StageProcess.x07lp(["serve", "stop", "--state-dir", fixture.state]) }
    }

    /// A healthy canary through weights 10, 50 and 100 (a reload each) is promoted on its measured
    /// traffic, and no request fails to connect while the weights change.
    func testAHealthyCanaryIsPromotedOnItsTrafficWithoutAFailedRequest() throws {
        let fixture = try acceptedWithBackend()
        try startServing(fixture)
        let plan = try plan(fixture, strategy: ["type": "canary", "canary": ["steps": [
            ["set_weight": 10], ["pause_s": 1], ["set_weight": 50], ["pause_s": 1],
            ["analysis": ["kind": "slo.eval", "require_decision": "promote"]], ["set_weight": 100], ["pause_s": 1]]]])
        let (run, answers) = try runWithTraffic(fixture, plan: plan, path: "/")
        XCTAssertEqual(run.status, 0, run.stdoutText)
        XCTAssertGreaterThan(answers.count, 100)
        XCTAssertTrue(answers.allSatisfy { !$0.slot.isEmpty }, "every request was answered")
        XCTAssertEqual(Set(answers.map(\.slot)), ["stable", "candidate"])
        let stored = try stored(fixture)
        let snapshot = try XCTUnwrap(stored["meta"]?["analysis"]?["last_snapshot"]?["label"]?.stringValue)
        XCTAssertEqual(snapshot, "access-log.1.json")
    }
}

/// `x07lp serve` and `--metrics-from` refuse what they cannot serve or measure, with a code.
final class ServeRefusalTests: XCTestCase, ExampleDeploymentSupport {
    func code(_ result: StageResult) throws -> String? {
        try JSONParser.parse(result.stdout)["diagnostics"]?.arrayValue?.first?["code"]?.stringValue
    }

    func testUnsafeStatePathsAndMetricsSourcesAreRefused() throws {
        let odd = StageProcess.temporaryDirectory() + "/state dir"
        try FileManager.default.createDirectory(atPath: odd, withIntermediateDirectories: true)
        let unsafe = try StageProcess.x07lp(["serve", "start", "--state-dir", odd, "--json"])
        XCTAssertEqual(unsafe.status, 2)
        XCTAssertEqual(try code(unsafe), "LP_SERVE_PATH_UNSAFE")
        let missing = try StageProcess.x07lp(["serve", "status", "--state-dir", odd + "/nothing", "--json"])
        XCTAssertEqual(try code(missing), "LP_STATE_NOT_FOUND")

        let fixture = try accepted()
        let metrics = try metrics(fixture, [Self.good])
        let cases: [([String], String)] = [
            (["--metrics-from", "prometheus"], "LP_METRICS_SOURCE_UNKNOWN"),
            (["--metrics-from", "access-log", "--metrics-dir", metrics], "LP_METRICS_SOURCE_CONFLICT"),
            (["--metrics-from", "access-log"], "LP_SERVE_NOT_RUNNING"),
        ]
        for (arguments, expected) in cases {
            let result = try StageProcess.x07lp(["deploy", "run", "--deployment-id", fixture.id, "--state-dir", fixture.state,
                                                 "--json"] + arguments)
            XCTAssertEqual(result.status, 2, "\(arguments)")
            XCTAssertEqual(try code(result), expected, "\(arguments)")
        }
        let status = try ServeHarness.serve("status", state: fixture.state)
        XCTAssertEqual(status["running"], false)
    }

    /// The example pack's back end is a bare core module, which `wasmtime serve` refuses: the
    /// supervisor sees it exit, so the health probe fails at once and no slot gets traffic.
    func testABackendWasmtimeRefusesMakesTheSlotUnhealthy() throws {
        let fixture = try accepted()
        XCTAssertEqual(try ServeHarness.serve("start", state: fixture.state)["running"], true)
        addTeardownBlock { _ = try? StageProcess.x07lp(["serve", "stop", "--state-dir", fixture.state]) }
        let started = Date()
        let run = try run(fixture, plan: nil, metricsDir: try metrics(fixture, [Self.good]))
        XCTAssertNotEqual(run.status, 0)
        XCTAssertEqual(try code(run), "LP_SLOT_UNHEALTHY", run.stdoutText)
        XCTAssertTrue(run.stdoutText.contains("/api answered 502"), run.stdoutText)
        XCTAssertLessThan(Date().timeIntervalSince(started), 30, "the probe did not wait for a back end that cannot start")
        let backends = try ServeHarness.serve("status", state: fixture.state)["backends"]?.arrayValue ?? []
        XCTAssertGreaterThan(backends.first?["restarts"]?.intValue ?? 0, 0)
    }

    /// A master that does not stop (here: stopped with SIGSTOP) is killed after 5 s, and its
    /// workers with it: `serve stop` leaves no process holding the listener ports, so the next
    /// start can bind them.
    func testStopEndsTheWorkersOfAMasterThatHadToBeKilled() throws {
        let fixture = try accepted()
        let started = try ServeHarness.serve("start", state: fixture.state)
        addTeardownBlock { _ = try? StageProcess.x07lp(["serve", "stop", "--state-dir", fixture.state]) }
        let master = try XCTUnwrap(started["pid"]?.intValue.map(Int32.init))
        let workers = ProcessTable.children(of: master)
        XCTAssertFalse(workers.isEmpty, "nginx runs workers")
        XCTAssertEqual(kill(master, SIGSTOP), 0)
        XCTAssertEqual(try ServeHarness.serve("stop", state: fixture.state)["running"], false)
        XCTAssertEqual(workers.filter(ProcessTable.isRunning), [], "workers of the killed master are left")
        XCTAssertEqual(try ServeHarness.serve("start", state: fixture.state)["running"], true)
    }

    /// A listener port taken by another process: nginx keeps its configuration and the run says so.
    func testATakenListenerPortFailsTheRefreshWithACode() throws {
        let fixture = try accepted()
        XCTAssertEqual(try ServeHarness.serve("start", state: fixture.state)["running"], true)
        addTeardownBlock { _ = try? StageProcess.x07lp(["serve", "stop", "--state-dir", fixture.state]) }
        let port = UInt16(RoutingRule.publicListener(execId: fixture.id).split(separator: ":").last ?? "") ?? 0
        let holder = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(holder) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(holder, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        XCTAssertEqual(bound, 0)
        XCTAssertEqual(listen(holder, 1), 0)
        let run = try run(fixture, plan: nil, metricsDir: try metrics(fixture, [Self.good]))
        XCTAssertNotEqual(run.status, 0)
        XCTAssertEqual(try code(run), "LP_SERVE_RELOAD_FAILED", run.stdoutText)
    }
}
