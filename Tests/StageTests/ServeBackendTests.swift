import LPCore
import LPState
import LPModel
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Deployments whose packs carry a real wasi:http back end (componentize-py), served by nginx in
/// front of `wasmtime serve`: the canary is split exactly as `x07lp route` says on the back end's
/// routes too, a failing back end is rolled back by the analysis of its served requests, and a
/// crashed back end is started again.
final class ServeBackendTests: XCTestCase, ExampleDeploymentSupport {
    struct Served {
        var state: String
        var port: Int
        var stableRevision: String
    }

    override func setUpWithError() throws {
        try ServeBackends.requireTools()
    }

    /// Serving runs and a first release (healthy back end, label v1) is promoted and answers.
    func servedRelease() throws -> (Served, healthy: String, failing: String) {
        let (healthy, failing) = try ServeBackends.components.get()
        let state = StageProcess.temporaryDirectory()
        let first = try ServeBackends.accept(try ServeBackends.pack(component: healthy, label: "v1"), state: state)
        XCTAssertEqual(try ServeHarness.serve("start", state: state)["running"], true)
        addTeardownBlock { _ = try? StageProcess.x07lp(["serve", "stop", "--state-dir", state]) }
        let fixture = Fixture(state: state, work: StageProcess.temporaryDirectory(), id: first)
        let run = try run(fixture, plan: nil, metricsDir: try metrics(fixture, [Self.good]))
        XCTAssertEqual(run.status, 0, run.stdoutText)
        let router = try XCTUnwrap(RouterState.load(state: StateDirectory(root: state), execId: first))
        let port = Int(RoutingRule.publicListener(execId: first).split(separator: ":").last ?? "") ?? 0
        let answer = try XCTUnwrap(ServeBackends.get(port: port, keys: ["k"], path: "/api/hello").first)
        XCTAssertEqual(answer.status, 200)
        XCTAssertEqual(answer.body, "{\"hello\":\"world\"}\n")
        XCTAssertEqual(answer.slot, "stable")
        return (Served(state: state, port: port, stableRevision: try XCTUnwrap(router.stable.revision_digest?.sha256)), healthy, failing)
    }

    /// Runs the canary `steps` of deployment `id` with `--metrics-from access-log` while batches
    /// of keyed requests go to `/api/hello` through the new deployment's listener.
    func runWithTraffic(_ served: Served, id: String, steps: [JSON], keys: [String]) throws -> (StageResult, [[ServeBackends.Answer]]) {
        let fixture = Fixture(state: served.state, work: StageProcess.temporaryDirectory(), id: id)
        let plan = try plan(fixture, strategy: ["type": "canary", "canary": ["steps": .array(steps)]])
        let port = Int(RoutingRule.publicListener(execId: id).split(separator: ":").last ?? "") ?? 0
        return try ServeHarness.runWithTraffic(
            id: id, plan: plan, state: served.state,
            ready: { try ServeBackends.get(port: port, keys: ["wait"], path: "/").first?.status == 200 },
            batch: { try ServeBackends.get(port: port, keys: keys, path: "/api/hello") })
    }

    /// The weights in `candidates` under which every answer of `batch` is where `route` sends its key.
    func weights(_ batch: [ServeBackends.Answer], keys: [String], candidates: [Int]) -> [Int] {
        candidates.filter { weight in
            zip(keys, batch).allSatisfy { key, answer in
                RoutingRule.slot(routeKey: key, path: "/api/hello", weightPct: weight).rawValue == answer.slot
            }
        }
    }

    func testACanaryWithABackendIsSplitAsRouteSaysAndPromoted() throws {
        let (served, healthy, _) = try servedRelease()
        let id = try ServeBackends.accept(try ServeBackends.pack(component: healthy, label: "v2"), state: served.state)
        let keys = (0..<60).map { "user-\($0)" }
        let (run, batches) = try runWithTraffic(served, id: id, steps: [
            ["set_weight": 10], ["pause_s": 2], ["set_weight": 50], ["pause_s": 2],
            ["analysis": ["kind": "slo.eval", "require_decision": "promote"]], ["set_weight": 100], ["pause_s": 2]], keys: keys)
        XCTAssertEqual(run.status, 0, run.stdoutText)
        let router = try XCTUnwrap(RouterState.load(state: StateDirectory(root: served.state), execId: id))
        let candidateRevision = try XCTUnwrap(router.candidate.revision_digest?.sha256)
        XCTAssertNotEqual(candidateRevision, served.stableRevision)

        let answers = batches.flatMap { $0 }
        XCTAssertGreaterThan(answers.count, 300)
        XCTAssertTrue(answers.allSatisfy { $0.status == 200 && $0.body == "{\"hello\":\"world\"}\n" },
                      "every request reached a back end: \(Set(answers.map(\.status)))")
        // The stable slot holds the first release until the promote, then the candidate's revision.
        var promoted = false
        for answer in answers {
            promoted = promoted || (answer.slot == "stable" && answer.revision == candidateRevision)
            XCTAssertEqual(answer.revision, answer.slot == "candidate" || promoted ? candidateRevision : served.stableRevision)
        }
        // Each batch is one weight's split (or the two sides of a reload); 0, 10, 50 and 100 are seen.
        var seen: Set<Int> = []
        for batch in batches {
            let whole = weights(batch, keys: keys, candidates: [0, 10, 50, 100])
            if whole.count == 1 { seen.insert(whole[0]) }
            let splits = (1..<batch.count).contains { cut in
                !weights(Array(batch[..<cut]), keys: Array(keys[..<cut]), candidates: [0, 10, 50, 100]).isEmpty
                    && !weights(Array(batch[cut...]), keys: Array(keys[cut...]), candidates: [0, 10, 50, 100]).isEmpty
            }
            XCTAssertTrue(!whole.isEmpty || splits, "a batch no weight explains: \(batch.map(\.slot))")
        }
        XCTAssertTrue(seen.isSuperset(of: [10, 50, 100]), "weights seen: \(seen.sorted())")
        // Promoted: the candidate's revision answers as the stable slot, on the back end too.
        let after = try ServeBackends.get(port: Int(RoutingRule.publicListener(execId: id).split(separator: ":").last ?? "") ?? 0,
                                          keys: keys, path: "/api/hello")
        XCTAssertTrue(after.allSatisfy { $0.slot == "stable" && $0.revision == candidateRevision && $0.status == 200 })
    }

    /// The failing pack's back end answers 500 on its api route while its health probe passes;
    /// the access-log analysis rolls it back in its first step with an slo_rollback incident whose
    /// snapshot evidence is the generated one, and no request went unanswered meanwhile.
    func testAFailingBackendIsRolledBackByTheAccessLogAnalysis() throws {
        let (served, _, failing) = try servedRelease()
        let id = try ServeBackends.accept(try ServeBackends.pack(component: failing, label: "v3"), state: served.state)
        let keys = (0..<40).map { "user-\($0)" }
        let (run, batches) = try runWithTraffic(served, id: id, steps: [
            ["set_weight": 50], ["pause_s": 2], ["analysis": ["kind": "slo.eval", "require_decision": "promote"]]], keys: keys)
        XCTAssertEqual(run.status, 14, run.stdoutText)
        let answers = batches.flatMap { $0 }
        XCTAssertTrue(answers.allSatisfy { !$0.slot.isEmpty && $0.status != 0 }, "every request was answered")
        XCTAssertTrue(answers.contains { $0.slot == "candidate" && $0.status == 500 })
        XCTAssertTrue(answers.allSatisfy { $0.slot == "candidate" || $0.status == 200 })

        let stored = try stored(Fixture(state: served.state, work: "", id: id))
        let snapshot = try XCTUnwrap(stored["meta"]?["analysis"]?["last_snapshot"])
        XCTAssertEqual(snapshot["label"], "access-log.1.json", "rolled back by the first analysis window")
        let list = try StageProcess.x07lp(["incident", "list", "--state-dir", served.state, "--json"])
        let incident = try XCTUnwrap(JSONParser.parse(list.stdout)["result"]?["items"]?.arrayValue?.first)
        XCTAssertEqual(incident["classification"], "slo_rollback")
        let incidentId = try XCTUnwrap(incident["incident_id"]?.stringValue)
        let shown = try StageProcess.x07lp(["incident", "get", "--incident-id", incidentId, "--state-dir", served.state, "--json"])
        XCTAssertEqual(shown.status, 0, shown.stdoutText)
        let digest = try XCTUnwrap(snapshot["digest"]?["sha256"]?.stringValue)
        XCTAssertTrue(shown.stdoutText.contains(digest), "the incident refers to the generated snapshot")
        // A 5xx the candidate answered is the incident's exchange, built from its log entry.
        let result = try XCTUnwrap(JSONParser.parse(shown.stdout)["result"])
        XCTAssertEqual(result["meta"]?["status_code"], 500)
        let routeKey = try XCTUnwrap(result["meta"]?["route_key"]?.stringValue)
        XCTAssertEqual(RoutingRule.slot(routeKey: routeKey, path: "/api/hello", weightPct: 50), .candidate)
        func blob(_ member: String) throws -> JSON {
            let sha = try XCTUnwrap(result[member]?["digest"]?["sha256"]?.stringValue)
            let path = "\(served.state)/store/blobs/sha256/\(sha.prefix(2))/\(sha)"
            return try JSONParser.parse([UInt8](Data(contentsOf: URL(fileURLWithPath: path))))
        }
        let request = try blob("request")
        let response = try blob("response")
        XCTAssertEqual(request["method"], "GET")
        XCTAssertEqual(request["path"], "/api/hello")
        XCTAssertEqual(request["id"], result["meta"]?["request_id"])
        XCTAssertEqual(response["request_id"], request["id"])
        XCTAssertEqual(response["status"], 500)
        // nginx's $body_bytes_sent: the back end's 31-byte body in chunked framing.
        XCTAssertEqual(response["body"]?["bytes_len"]?.intValue, 31 + "1f\r\n\r\n0\r\n\r\n".utf8.count)
        XCTAssertTrue(response["headers"]?.arrayValue?.contains(["k": "X-LP-Slot", "v": "candidate"]) == true)
        let verify = try StageProcess.x07lp(["state", "verify", "--state-dir", served.state, "--json"])
        XCTAssertEqual(verify.status, 0, verify.stdoutText)

        // The candidate's back end is stopped with its slot; the stable one still answers.
        let status = try ServeHarness.serve("status", state: served.state)
        let backends = status["backends"]?.arrayValue ?? []
        XCTAssertEqual(backends.compactMap { $0["revision"]?.stringValue }, [served.stableRevision])
    }

    /// A back end killed with SIGKILL is started again by the supervisor, and answers again.
    func testACrashedBackendIsRestarted() throws {
        let (served, _, _) = try servedRelease()
        let before = try XCTUnwrap(ServeHarness.serve("status", state: served.state)["backends"]?.arrayValue?.first)
        let pid = try XCTUnwrap(before["pid"]?.intValue)
        XCTAssertEqual(kill(Int32(pid), SIGKILL), 0)
        var answer: ServeBackends.Answer?
        for _ in 0..<100 {
            answer = try ServeBackends.get(port: served.port, keys: ["k"], path: "/api/hello").first
            if answer?.status == 200 { break }
            usleep(100_000)
        }
        XCTAssertEqual(answer?.status, 200)
        let after = try XCTUnwrap(ServeHarness.serve("status", state: served.state)["backends"]?.arrayValue?.first)
        XCTAssertEqual(after["restarts"], 1)
        XCTAssertNotEqual(after["pid"], before["pid"])
        XCTAssertEqual(after["running"], true)
        // A supervisor killed outright leaves its back end behind; serve stop ends it anyway.
        let supervisor = try XCTUnwrap(Int32(String(contentsOfFile: served.state + "/.x07lp-serve/run/backends.pid", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)))
        XCTAssertEqual(kill(supervisor, SIGKILL), 0)
        usleep(200_000)
        let orphan = try XCTUnwrap(after["pid"]?.intValue)
        XCTAssertEqual(kill(Int32(orphan), 0), 0, "the back end outlived its supervisor")
        XCTAssertEqual(try ServeHarness.serve("stop", state: served.state)["running"], false)
        // Gone, or a zombie waiting for whoever adopted it to reap it.
        let stat = (try? String(contentsOfFile: "/proc/\(orphan)/stat", encoding: .utf8)) ?? ""
        let state = stat.lastIndex(of: ")").map { stat[stat.index($0, offsetBy: 2)...].prefix(1) } ?? ""
        XCTAssertTrue(stat.isEmpty || state == "Z", "serve stop ended the orphaned back end: \(stat.prefix(80))")
    }
}
