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

    static func serve(_ verb: String, state: String) throws -> JSON {
        let result = try StageProcess.x07lp(["serve", verb, "--state-dir", state, "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        return try JSONParser.parse(result.stdout)["result"] ?? .null
    }
}
