import LPCore
import Foundation
import XCTest

/// Two CI runners at once: two processes, each with its own configuration directory, deploying
/// through one daemon. Different app/env: both promoted. The same app/env: one run holds the
/// lease, the other is refused with LP_REMOTE_LEASE_CONFLICT.
extension RemoteTargetTests {
    func testTwoRunnersAtOnceThroughOneDaemon() throws {
        let daemon = try DaemonHarness.start(trustedKey: ExamplePacks.hello + "/keys/test-signing.pub.pem")
        defer { daemon.stop() }
        let dir = StageProcess.temporaryDirectory()
        let path = try profile(dir, "prod", url: daemon.url, tls: ["mode": "ca_bundle", "ca_bundle_path": .string(daemon.ca)],
                               tokenRef: "env:LP_TEST_TOKEN")
        let hello = ExamplePacks.hello
        // The second runner deploys to prod: another app/env, so another lease.
        var change = try JSONParser.parse(try InputDocument.readFile(hello + "/change_request.ops.json", limit: 1 << 20))
        change = change.setting("change_id", "lpcr_hello0000000000000000000099")
            .setting("target", ["app_id": "example.hello.web", "environment": ["kind": "prod"]])
        try write(dir + "/change.prod.json", change.canonicalString)
        var runners = [Client(config: dir + "/runner1", token: daemon.deployToken), Client(config: dir + "/runner2", token: daemon.deployToken)]
        func accept(_ runner: inout Client, change: String) throws -> String {
            XCTAssertEqual(try runner.x07lp(["target", "add", "--profile", path]).status, 0)
            XCTAssertEqual(try runner.x07lp(["target", "use", "--name", "prod"]).status, 0)
            let accepted = try runner.x07lp(["deploy", "accept", "--pack", hello + "/pack.tar.zst", "--change", change,
                                             "--ops", hello + "/ops.canary.json", "--slo", hello + "/slo.json",
                                             "--policy", hello + "/policy.baseline.json", "--provenance", hello + "/provenance.dsse.json", "--json"])
            return try XCTUnwrap(Self.json(accepted)["result"]?["deployment_id"]?.stringValue, accepted.stderr + accepted.stdoutText)
        }
        let staging = try accept(&runners[0], change: hello + "/change_request.ops.json")
        let prod = try accept(&runners[1], change: dir + "/change.prod.json")
        let metrics = StageProcess.repoRoot + "/examples/hello/metrics"

        /// Both runners' `deploy run --wait` as two processes at the same time.
        func together(_ ids: [String], pauseScale: String) -> [StageResult?] {
            let results = Locked<[StageResult?]>([nil, nil])
            let frozen = runners
            DispatchQueue.concurrentPerform(iterations: 2) { index in
                var runner = frozen[index]
                let result = try? runner.x07lp(["deploy", "run", "--deployment-id", ids[index], "--metrics-dir", metrics,
                                                "--pause-scale", pauseScale, "--wait", "--json"])
                results.update { $0[index] = result }
            }
            for (index, result) in results.value.enumerated() { runners[index].outputs.append((result?.stdoutText ?? "") + (result?.stderr ?? "")) }
            return results.value
        }
        let different = together([staging, prod], pauseScale: "0")
        for (index, result) in different.enumerated() {
            XCTAssertEqual(result?.status, 0, "runner \(index + 1): \(result?.stderr ?? "") \(result?.stdoutText ?? "")")
            XCTAssertEqual(result.flatMap(Self.outcome), "promoted", "runner \(index + 1)")
        }

        // The same app/env from both runners at once: exactly one runs, the other meets the lease.
        let first = try accept(&runners[0], change: hello + "/change_request.ops.json")
        let second = try accept(&runners[1], change: hello + "/change_request.ops.json")
        let same = together([first, second], pauseScale: "1")
        let statuses = same.map { $0?.status }.compactMap { $0 }.sorted()
        XCTAssertEqual(statuses, [0, 13], same.map { ($0?.stdoutText ?? "") }.joined(separator: "\n"))
        if let refused = same.first(where: { $0?.status == 13 }) ?? nil {
            XCTAssertEqual(Self.codes(refused), ["LP_REMOTE_LEASE_CONFLICT"])
            if let root = Upstream.root {
                let expected = try TemplateMatch.load(root + "/fixtures/remote-oss/remote_lease_conflict/expected/deploy.run.report.json")
                XCTAssertEqual(TemplateMatch.mismatches(expected: expected, actual: try Self.json(refused)), [])
            }
        }
        for runner in runners { try assertNoToken(runner, daemon) }
    }
}
