import LPCore
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// A real x07lpd for a test: `x07lpd init --dev-ca` on a free loopback port, a deploy token and a
/// read token, nginx + fcgiwrap started, and curl (nothing else) to talk to it. `stop()` ends it.
struct DaemonHarness {
    let state: String
    let port: Int
    let deployToken: String
    let readToken: String
    var url: String { "https://127.0.0.1:\(port)" }
    var ca: String { state + "/.x07lpd/tls/ca.pem" }

    static func start(trustedKey: String) throws -> DaemonHarness {
        guard access("/usr/sbin/nginx", X_OK) == 0, access("/usr/sbin/fcgiwrap", X_OK) == 0 else {
            throw XCTSkip("nginx and fcgiwrap are not installed (scripts/bootstrap installs them)")
        }
        let state = StageProcess.temporaryDirectory() + "/daemon"
        let port = try freePort()
        let x07lpd = StageProcess.binary("x07lpd")
        let initialized = try StageProcess.run(x07lpd, ["init", "--state-dir", state, "--addr", "127.0.0.1:\(port)", "--dev-ca",
                                                        "--trusted-key", trustedKey, "--json"])
        XCTAssertEqual(initialized.status, 0, initialized.stderr)
        func token(_ name: String, _ scope: String) throws -> String {
            let added = try StageProcess.run(x07lpd, ["token", "add", "--state-dir", state, "--name", name, "--scope", scope, "--json"])
            return try JSONParser.parse(added.stdout)["result"]?["token"]?.stringValue ?? ""
        }
        let harness = DaemonHarness(state: state, port: port, deployToken: try token("ci", "deploy"), readToken: try token("viewer", "read"))
        let started = try StageProcess.run(x07lpd, ["start", "--state-dir", state, "--json"])
        XCTAssertEqual(started.status, 0, started.stderr)
        return harness
    }

    func stop() {
        _ = try? StageProcess.run(StageProcess.binary("x07lpd"), ["stop", "--state-dir", state, "--json"])
    }

    struct Response {
        var status: Int
        var body: JSON
        var raw: [UInt8]
    }

    /// One request with curl: `token` nil sends none; `data` is a JSON body or `@file` to upload.
    func request(_ method: String, _ path: String, token: String?, json: JSON? = nil, file: String? = nil,
                 headers: [String] = []) throws -> Response {
        var arguments = ["-s", "-S", "--cacert", ca, "-X", method, "-o", "-", "-w", "\n%{http_code}", url + path]
        if let token { arguments += ["-H", "Authorization: Bearer " + token] }
        if let json { arguments += ["-H", "Content-Type: application/json", "--data-binary", json.canonicalString] }
        if let file { arguments += ["--data-binary", "@" + file] }
        for header in headers { arguments += ["-H", header] }
        let result = try StageProcess.run("/usr/bin/curl", arguments)
        let text = String(decoding: result.stdout, as: UTF8.self)
        guard let newline = text.lastIndex(of: "\n"), let status = Int(text[text.index(after: newline)...]) else {
            XCTFail("curl \(method) \(path): \(result.stderr)")
            return Response(status: 0, body: .null, raw: [])
        }
        let raw = Array(text[..<newline].utf8)
        return Response(status: status, body: (try? JSONParser.parse(raw)) ?? .null, raw: raw)
    }

    /// Uploads a file to the CAS; returns its `sha256:<hex>` reference.
    func upload(_ path: String) throws -> String {
        let sha = SHA256.hex(try InputDocument.readFile(path, limit: 1 << 30))
        let response = try request("PUT", "/v1/artifacts/cas/objects/" + sha, token: deployToken, file: path)
        XCTAssertEqual(response.status, 200, "\(path): \(response.body.canonicalString)")
        return "sha256:" + sha
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw XCTSkip("cannot bind a loopback port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
