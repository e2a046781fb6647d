import LPCore
import Foundation
import XCTest

/// Requests through a served listener with curl: many in one process (`--config`, `next`
/// between requests, one keep-alive connection), each answering the headers asked for.
enum ServeHarness {
    /// For each route key (nil: no header), the `X-LP-Slot` and `X-LP-Revision` nginx answered
    /// (empty when the request failed: curl then exits non-zero, which is left to the caller).
    static func slots(port: Int, keys: [String?], path: String = "/") throws -> [(slot: String, revision: String)] {
        let config = StageProcess.temporaryDirectory() + "/curl.config"
        let entries = keys.map { key -> String in
            var entry = "url = \"http://127.0.0.1:\(port)\(path)\"\noutput = \"/dev/null\"\n"
            entry += "write-out = \"%header{x-lp-slot} %header{x-lp-revision}\\n\"\n"
            if let key { entry += "header = \"X-LP-Route-Key: \(key)\"\n" }
            return entry
        }
        try entries.joined(separator: "next\n").write(toFile: config, atomically: true, encoding: .utf8)
        let result = try StageProcess.run("/usr/bin/curl", ["-s", "--config", config])
        return result.stdoutText.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map { line in
            let words = line.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            return (words.first ?? "", words.count > 1 ? words[1] : "")
        }
    }

    /// `x07lp deploy run` of `id` with `--metrics-from access-log`, in the background; once `ready`
    /// says the listener is up (it comes up at the run's prepare step), `batch` is sent again and
    /// again until the run ends. The run's end is read from its result, never by taking the
    /// semaphore in a loop (a take in the first loop would leave the second waiting forever);
    /// 5 minutes bound both loops.
    static func runWithTraffic<Batch>(id: String, plan: String, state: String, ready: () throws -> Bool,
                                      batch: () throws -> Batch) throws -> (StageResult, [Batch]) {
        let result = Locked<StageResult?>(nil)
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            let run = try? StageProcess.x07lp(["deploy", "run", "--deployment-id", id, "--metrics-from", "access-log",
                                               "--plan", plan, "--state-dir", state, "--json"])
            result.update { $0 = run }
            done.signal()
        }
        func running() -> Bool { result.value == nil }
        let deadline = DispatchTime.now() + .seconds(300)
        while running(), DispatchTime.now() < deadline, try !ready() { usleep(50_000) }
        var batches: [Batch] = []
        while running(), DispatchTime.now() < deadline { batches.append(try batch()) }
        XCTAssertEqual(done.wait(timeout: deadline), .success, "the run did not end within 5 minutes")
        return (try XCTUnwrap(result.value), batches)
    }

    static func serve(_ verb: String, state: String) throws -> JSON {
        let result = try StageProcess.x07lp(["serve", verb, "--state-dir", state, "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        return try JSONParser.parse(result.stdout)["result"] ?? .null
    }
}
