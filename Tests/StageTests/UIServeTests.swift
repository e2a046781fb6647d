import LPCore
@testable import LPServe
import Foundation
import XCTest

/// The Command Center API in-process: routes, and every refusal that comes before a command runs.
final class UIServeTests: XCTestCase {
    let state = StageProcess.temporaryDirectory()
    var context: ServeContext { ServeContext(state: state, environment: [:], nowMs: 1, serveBinary: "/nonexistent") }

    func answer(_ method: HTTPMethod, _ path: String, headers: [String: String] = [:], body: String = "",
                localControl: Bool = false) -> HTTPResponse {
        UIServe.handle(HTTPRequest(method: method, path: path, headers: headers), body: HTTPBody(bytes: Array(body.utf8)),
                       context: context, mode: UIMode(localControl: localControl))
    }

    func testRoutesNameTheirCommands() throws {
        XCTAssertEqual(UIRoute.match(["apps"]), .apps)
        XCTAssertEqual(UIRoute.match(["deployments", "d1", "pause"]), .control("d1", op: "pause"))
        XCTAssertEqual(UIRoute.match(["apps", "a", "e", "kill"]), .appKill(app: "a", env: "e", op: "kill"))
        XCTAssertEqual(UIRoute.match(["platform", "unkill"]), .platformKill(op: "unkill"))
        XCTAssertEqual(UIRoute.match(["device-releases"]), .deviceReleases)
        XCTAssertEqual(UIRoute.match(["device-releases", "r1", "incidents"]), .deviceReleaseIncidents("r1"))
        XCTAssertEqual(UIRoute.match(["device-releases", "r1", "observe"]), .deviceControl("r1", op: "observe"))
        XCTAssertNil(UIRoute.match(["device-releases", "r1", "promote"]), "a device release has no promote")
        XCTAssertNil(UIRoute.match(["blobs", "nothex"]))
        let (words, arguments) = try UIRoute.control("d1", op: "rerun").verb([:], context)
        XCTAssertEqual(words, ["deploy", "rerun"])
        XCTAssertEqual(arguments, ["--deployment-id", "d1", "--reason=http_rerun", "--from-step=0"])
        XCTAssertEqual(try UIRoute.platformKill(op: "kill").verb(["reason": "drill"], context).1, ["--reason=drill"])
        XCTAssertEqual(try UIRoute.deviceReleases.verb([:], context).0, ["device", "release-list"])
        XCTAssertEqual(try UIRoute.deviceRelease("r1").verb([:], context).1, ["--release", "r1", "--view", "full"])
        let device = try UIRoute.deviceControl("r1", op: "rerun").verb(["from_step": 2], context)
        XCTAssertEqual(device.0, ["device", "release-rerun"])
        XCTAssertEqual(device.1, ["--release", "r1", "--reason=http_device_release_rerun", "--from-step=2"])
        XCTAssertThrowsError(try UIRoute.deviceControl("r1", op: "rerun").verb(["from_step": -1], context))
        XCTAssertThrowsError(try UIRoute.regress("i1").verb(["name": "../x"], context))
        XCTAssertThrowsError(try UIRoute.control("d1", op: "pause").verb(["reason": 7], context))
    }

    func testRefusalsComeBeforeAnyCommand() {
        let json = ["content-type": "application/json", "x-x07lp-ui": "1"]
        let cases: [(HTTPResponse, Int, String)] = [
            (answer(.get, "/api/nothing"), 404, "LP_HTTP_NOT_FOUND"),
            (answer(.get, "/api/incidents/a%2Fb"), 400, "LP_INVALID_HTTP_REQUEST"),
            (answer(.get, "/api/incidents/.."), 400, "LP_INVALID_HTTP_REQUEST"),
            (answer(.post, "/api/apps"), 405, "LP_INVALID_HTTP_REQUEST"),
            (answer(.post, "/api/platform/kill", headers: json), 401, "LP_REMOTE_AUTH_FAILED"),
            (answer(.post, "/api/platform/kill", headers: json.merging(["authorization": "Bearer x07lpd_00"]) { $1 }), 401, "LP_REMOTE_AUTH_FAILED"),
            // A browser's POST (it names its origin or fetch site) needs the custom header too.
            (answer(.post, "/api/platform/kill", headers: ["content-type": "application/json", "origin": "http://127.0.0.1:1",
                                                           "host": "127.0.0.1:1"], localControl: true), 403, "LP_UI_CROSS_ORIGIN"),
            (answer(.post, "/api/platform/kill", headers: ["content-type": "application/json", "sec-fetch-site": "same-origin"],
                    localControl: true), 403, "LP_UI_CROSS_ORIGIN"),
            (answer(.post, "/api/platform/kill", headers: ["content-type": "text/plain"], localControl: true), 403, "LP_UI_CROSS_ORIGIN"),
            // DNS rebinding: the page's own origin, but a name that is not loopback.
            (answer(.get, "/api/apps", headers: ["host": "evil.example:17090"]), 403, "LP_UI_FOREIGN_HOST"),
            (answer(.get, "/api/apps", headers: ["host": "127.0.0.1.evil.example"]), 403, "LP_UI_FOREIGN_HOST"),
            (answer(.post, "/api/platform/kill", headers: json.merging(["origin": "http://evil.example:17090", "host": "evil.example:17090"]) { $1 },
                    localControl: true), 403, "LP_UI_FOREIGN_HOST"),
            (answer(.post, "/api/platform/kill", headers: ["x-x07lp-ui": "1", "content-type": "text/plain"], localControl: true), 403, "LP_UI_CROSS_ORIGIN"),
            (answer(.post, "/api/platform/kill", headers: json.merging(["origin": "http://evil.example", "host": "127.0.0.1:1"]) { $1 },
                    localControl: true), 403, "LP_UI_CROSS_ORIGIN"),
            (answer(.get, "/api/apps", headers: ["sec-fetch-site": "cross-site"]), 403, "LP_UI_CROSS_ORIGIN"),
            (answer(.post, "/api/platform/kill", headers: json, body: "[1]", localControl: true), 400, "LP_INVALID_HTTP_REQUEST"),
            (answer(.post, "/api/platform/kill", headers: json, body: "{", localControl: true), 400, "LP_INVALID_HTTP_REQUEST"),
        ]
        for (index, (response, status, code)) in cases.enumerated() {
            XCTAssertEqual(response.status, status, "case \(index)")
            XCTAssertEqual(response.body["command"], "ui serve", "case \(index)")
            XCTAssertEqual(response.body["diagnostics"]?.arrayValue?.first?["code"]?.stringValue, code, "case \(index)")
        }
        XCTAssertEqual(Array(StateFiles.all(state).keys), [], "a refused request writes nothing")
        XCTAssertEqual(answer(.get, "/healthz").body, ["ok": true])
    }

    /// A script's POST (curl, the reference CI) needs only the JSON body; on loopback names.
    func testAScriptsJSONPostAndLoopbackHostsPass() {
        for host in ["127.0.0.1:17090", "localhost:17090", "[::1]:17090", "127.0.0.2", "LOCALHOST"] {
            XCTAssertEqual(answer(.get, "/api/nothing", headers: ["host": host]).status, 404, host)
        }
        let kill = answer(.post, "/api/platform/kill", headers: ["content-type": "application/json", "host": "127.0.0.1:17090"],
                          body: #"{"reason":"drill"}"#, localControl: true)
        XCTAssertEqual(kill.status, 200, "\(kill.body)")
        XCTAssertEqual(kill.body["command"], "platform kill")
    }
}
