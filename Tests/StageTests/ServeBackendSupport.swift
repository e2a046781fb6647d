import LPCore
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Real wasi:http back ends for the serving tests: the example's Python handler made into a component by
/// componentize-py against the wasi:http WIT in ../shared/upstream, built once per source and
/// componentize-py version (cached in .build/serve-components), then run once under
/// `wasmtime serve` so wasmtime's own compilation cache holds it (a first compilation of the
/// 18 MB component takes a minute; later starts take under a second).
enum ServeBackends {
    /// examples/hello/backend/app.py: `/api/hello` answers 200 (500 when `failing`), `/api/fail`
    /// 500, anything else 404.
    static func source(failing: Bool) throws -> String {
        let text = try String(contentsOfFile: StageProcess.repoRoot + "/examples/hello/backend/app.py", encoding: .utf8)
        guard text.contains("\nFAILING = False\n") else { throw ServeBackendError("examples/hello/backend/app.py has no FAILING = False line") }
        return failing ? text.replacingOccurrences(of: "\nFAILING = False\n", with: "\nFAILING = True\n") : text
    }

    static var wit: String { StageProcess.repoRoot + "/../shared/upstream/wasi-http-wit" }

    static func requireTools() throws {
        guard FileManager.default.fileExists(atPath: wit + "/proxy.wit") else {
            throw XCTSkip("../shared/upstream/wasi-http-wit is absent: no WIT to build a test back end from")
        }
    }

    /// The components' paths (healthy, failing), or the reason they could not be had.
    static let components: Result<(healthy: String, failing: String), Error> = Result {
        (try build(failing: false), try build(failing: true))
    }

    static func build(failing: Bool) throws -> String {
        let version = try StageProcess.run("/usr/bin/env", ["componentize-py", "--version"])
        guard version.status == 0 else { throw ServeBackendError("componentize-py is not installed (scripts/bootstrap installs it)") }
        let text = try source(failing: failing)
        let key = SHA256.hex((Array((text + version.stdoutText).utf8)))
        let cache = StageProcess.repoRoot + "/.build/serve-components"
        let component = cache + "/\(key.prefix(16)).wasm"
        if !FileManager.default.fileExists(atPath: component) {
            let app = StageProcess.temporaryDirectory()
            try text.write(toFile: app + "/app.py", atomically: true, encoding: .utf8)
            try FileManager.default.createDirectory(atPath: cache, withIntermediateDirectories: true)
            let result = try StageProcess.run("/usr/bin/env", ["componentize-py", "-d", wit, "-w", "wasi:http/proxy", "componentize",
                                                               "-p", app, "app", "-o", component + ".tmp"])
            guard result.status == 0 else { throw ServeBackendError("componentize-py failed: \(result.stderr.suffix(800))") }
            guard rename(component + ".tmp", component) == 0 else { throw ServeBackendError("cannot rename \(component).tmp") }
        }
        try warm(component)
        return component
    }

    /// Serves the component once, so later `wasmtime serve` runs start from wasmtime's cache.
    static func warm(_ component: String) throws {
        let port = 39_000 + Int.random(in: 0..<900)
        let log = StageProcess.temporaryDirectory() + "/warm.log"
        let pid = try ChildProcess.start("/usr/bin/env", ["wasmtime", "serve", "-S", "cli=y", "--addr", "127.0.0.1:\(port)", component],
                                         environment: ProcessInfo.processInfo.environment, log: log, newSession: false)
        defer {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
        for _ in 0..<1200 {
            let answer = try StageProcess.run("/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(port)/api/hello"])
            if answer.stdoutText != "000" { return }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                throw ServeBackendError("wasmtime serve ended: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
            }
            usleep(250_000)
        }
        throw ServeBackendError("wasmtime serve did not answer within 300 s")
    }

    /// A pack of the example app with `component` as its back end, `label` making its revision.
    static func pack(component: String, label: String) throws -> String {
        let out = StageProcess.temporaryDirectory()
        let result = try StageProcess.run(StageProcess.repoRoot + "/scripts/make-example-packs",
                                          [out, "--backend", component, "--label", label, "--no-archives"])
        guard result.status == 0 else { throw ServeBackendError("make-example-packs failed: \(result.stderr)") }
        return out + "/hello"
    }

    /// Accepts `pack` (a make-example-packs output) into `state`; its deployment id.
    static func accept(_ pack: String, state: String) throws -> String {
        let result = try StageProcess.x07lp(["deploy", "accept", "--pack", pack + "/pack", "--change", pack + "/change_request.ops.json",
                                             "--ops", pack + "/ops.blue_green.json", "--slo", pack + "/slo.json",
                                             "--state-dir", state, "--json"])
        guard result.status == 0, let id = try JSONParser.parse(result.stdout)["result"]?["exec_id"]?.stringValue else {
            throw ServeBackendError("deploy accept failed: \(result.stdoutText)")
        }
        return id
    }

    struct ServeBackendError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    struct Answer {
        var slot: String
        var revision: String
        var status: Int
        var body: String
    }

    /// For each route key, what GET `path` answered through the listener (one curl, one
    /// keep-alive connection); status 0 when the request failed.
    static func get(port: Int, keys: [String?], path: String) throws -> [Answer] {
        let dir = StageProcess.temporaryDirectory()
        let entries = keys.enumerated().map { index, key -> String in
            var entry = "url = \"http://127.0.0.1:\(port)\(path)\"\noutput = \"\(dir)/\(index).body\"\n"
            entry += "write-out = \"%{http_code} %header{x-lp-slot} %header{x-lp-revision}\\n\"\n"
            if let key { entry += "header = \"X-LP-Route-Key: \(key)\"\n" }
            return entry
        }
        try entries.joined(separator: "next\n").write(toFile: dir + "/curl.config", atomically: true, encoding: .utf8)
        let result = try StageProcess.run("/usr/bin/curl", ["-s", "--config", dir + "/curl.config"])
        let lines = result.stdoutText.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        return lines.enumerated().map { index, line in
            let words = line.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            let body = (try? String(contentsOfFile: "\(dir)/\(index).body", encoding: .utf8)) ?? ""
            return Answer(slot: words.count > 1 ? words[1] : "", revision: words.count > 2 ? words[2] : "",
                          status: Int(words.first ?? "") ?? 0, body: body)
        }
    }
}
