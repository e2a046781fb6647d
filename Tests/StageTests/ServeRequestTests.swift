import LPCore
@testable import LPServe
import Foundation
import XCTest

/// lp-serve's request handling in-process: names in paths, tokens, and refusals that happen
/// before any file is touched.
final class ServeRequestTests: XCTestCase {
    func testOnlyPlainNamesPassAsPathSegments() throws {
        XCTAssertEqual(try HTTPRequest(method: .get, path: "/v1/deployments/lpexec_1/query").segments(), ["deployments", "lpexec_1", "query"])
        for path in ["/v1/deployments/../query", "/v1/deployments/%2e%2e/query", "/v1/deployments/a%2Fb", "/v1/deployments//x",
                     "/v1/deployments/./query", "/v1/incidents/a b", "/v1/" + String(repeating: "a", count: 200)] {
            XCTAssertThrowsError(try HTTPRequest(method: .get, path: path).segments(), path)
        }
    }

    func testTokensMatchByHashOnly() {
        var store = TokenStore()
        let (token, entry) = TokenStore.mint(name: "ci", scope: .deploy, nowMs: 0)
        store.tokens = [entry]
        XCTAssertEqual(store.entry(for: token)?.name, "ci")
        XCTAssertNil(store.entry(for: token + "x"))
        XCTAssertNil(store.entry(for: ""))
        XCTAssertFalse(entry.sha256.contains(token.dropFirst(7)))
        XCTAssertTrue(Scope.deploy.allows(.read))
        XCTAssertFalse(Scope.read.allows(.deploy))
    }

    func testAnEmptyStateRefusesEveryAuthenticatedRoute() {
        let state = StageProcess.temporaryDirectory()
        let context = ServeContext(state: state, environment: [:], nowMs: 1, serveBinary: "/nonexistent")
        for (method, path) in [(HTTPMethod.get, "/v1/capabilities"), (.post, "/v1/deploy/accept"), (.get, "/v1/x")] {
            let response = Serve.handle(HTTPRequest(method: method, path: path, headers: ["authorization": "Bearer x07lpd_00"]),
                                        body: HTTPBody(bytes: []), context: context)
            XCTAssertEqual(response.status, 401, path)
            XCTAssertEqual(response.body["exit_code"], 41)
        }
        XCTAssertEqual(Serve.handle(HTTPRequest(method: .get, path: "/v1/health"), body: HTTPBody(bytes: []), context: context).status, 200)
        XCTAssertEqual(Array(StateFiles.all(state).keys), [], "a refused request writes nothing")
    }

    func testCGIResponsesCarryStatusAndJSON() {
        let bytes = HTTPResponse(status: 409, body: ["ok": false]).cgiBytes
        XCTAssertTrue(String(decoding: bytes, as: UTF8.self).hasPrefix("Status: 409 Conflict\r\nContent-Type: application/json\r\n"))
        XCTAssertTrue(String(decoding: bytes, as: UTF8.self).hasSuffix("\r\n\r\n{\"ok\":false}\n"))
    }

    func testSecretStoreRoundTripsAndRefusesAnotherKey() throws {
        let dir = StageProcess.temporaryDirectory()
        let key = try AESGCM.randomBytes(32)
        var store = SecretStore()
        store.scopes["app:shop"] = ["api_key": "s3cr3t-value"]
        try store.save(path: dir + "/s.json", key: key)
        let raw = String(decoding: try InputDocument.readFile(dir + "/s.json", limit: 1 << 20), as: UTF8.self)
        XCTAssertFalse(raw.contains("s3cr3t-value"))
        let loaded = try SecretStore.load(path: dir + "/s.json", key: key)
        XCTAssertEqual(loaded.resolve("api_key", app: "shop", env: "prod", target: "t"), .app("shop"))
        XCTAssertNil(loaded.resolve("db", app: "shop", env: "prod", target: "t"))
        XCTAssertThrowsError(try SecretStore.load(path: dir + "/s.json", key: try AESGCM.randomBytes(32)))
        chmod(dir + "/s.json", 0o644)
        XCTAssertThrowsError(try SecretStore.load(path: dir + "/s.json", key: key))
    }
}
