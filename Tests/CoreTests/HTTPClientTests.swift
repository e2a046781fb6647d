import LPCore
import LPHTTPClient
import TestFixtures
import Foundation
import XCTest

/// LPHTTPClient against the test peer Tests/Peers/http_peer.py: bodies in and out, streaming
/// uploads, the response bound, timeouts, retries of idempotent requests only, TLS trust,
/// public-key pinning and proxies from the environment.
final class HTTPClientTests: XCTestCase {
    var scratch = ""

    override func setUpWithError() throws {
        scratch = NSTemporaryDirectory() + "/x07lp-http-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: scratch)
    }

    func plain(_ configure: (inout HTTPClientOptions) -> Void = { _ in }) -> HTTPClient {
        var options = HTTPClientOptions()
        options.allowPlainHTTP = true
        options.retry.initialDelay = 0.01
        configure(&options)
        return HTTPClient(options: options)
    }

    func json(_ response: HTTPResponse) throws -> JSON { try JSONParser.parse(response.body) }

    func testBodiesAndHeadersGoBothWays() throws {
        let peer = try PeerProcess(script: "http_peer.py")
        let base = "http://127.0.0.1:\(peer.port)"
        let payload = Array("{\"a\":1}".utf8)
        let response = try plain().send(.json(.post, base + "/echo", body: payload, headers: [HTTPHeader("X-Test", "yes")]))
        XCTAssertEqual(response.status, 200)
        let echo = try json(response)
        XCTAssertEqual(echo["method"], "POST")
        XCTAssertEqual(echo["headers"]?["x-test"], "yes")
        XCTAssertEqual(echo["headers"]?["content-type"], "application/json")
        XCTAssertEqual(echo["body_sha256"]?.stringValue, SHA256.hex(payload))
        XCTAssertEqual(response.header("Content-Type"), "application/json")

        for method in [HTTPRequest.Method.get, .head, .delete, .patch, .put] {
            let answer = try plain().send(HTTPRequest(method, base + "/echo"))
            XCTAssertEqual(answer.status, 200, method.rawValue)
            if method != .head { XCTAssertEqual(try json(answer)["method"]?.stringValue, method.rawValue) }
        }
    }

    func testAFileBodyIsStreamedAndSentAgainOnEachAttempt() throws {
        let peer = try PeerProcess(script: "http_peer.py")
        let path = scratch + "/upload.bin"
        var bytes = [UInt8](repeating: 0, count: 3 << 20)
        for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: i &* 31) }
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        let put = try plain().send(HTTPRequest(.put, "http://127.0.0.1:\(peer.port)/echo", body: .file(path)))
        XCTAssertEqual(try json(put)["body_sha256"]?.stringValue, SHA256.hex(bytes))
        XCTAssertEqual(try json(put)["body_len"]?.intValue, bytes.count)
        let post = try plain().send(HTTPRequest(.post, "http://127.0.0.1:\(peer.port)/echo", body: .file(path)))
        XCTAssertEqual(try json(post)["body_sha256"]?.stringValue, SHA256.hex(bytes))
        // Through a symbolic link: the file's bytes and length, not the link's.
        try FileManager.default.createSymbolicLink(atPath: path + ".link", withDestinationPath: path)
        let linked = try plain().send(HTTPRequest(.put, "http://127.0.0.1:\(peer.port)/echo", body: .file(path + ".link")))
        XCTAssertEqual(try json(linked)["body_len"]?.intValue, bytes.count)
        XCTAssertThrowsError(try plain().send(HTTPRequest(.put, "http://127.0.0.1:\(peer.port)/echo", body: .file(scratch + "/absent")))) {
            XCTAssertEqual(($0 as? HTTPClientError)?.kind, .upload)
        }
    }

    func testTheResponseIsBounded() throws {
        let peer = try PeerProcess(script: "http_peer.py")
        let client = plain { $0.maxResponseBytes = 1000 }
        XCTAssertEqual(try client.send(HTTPRequest(.get, "http://127.0.0.1:\(peer.port)/big?n=1000")).body.count, 1000)
        XCTAssertThrowsError(try client.send(HTTPRequest(.get, "http://127.0.0.1:\(peer.port)/big?n=100000"))) {
            XCTAssertEqual(($0 as? HTTPClientError)?.kind, .tooLarge)
            XCTAssertEqual(($0 as? HTTPClientError)?.attempts, 1, "a size failure is not retried")
        }
    }

    func testTimeoutsAreRetriedThenReported() throws {
        let peer = try PeerProcess(script: "http_peer.py")
        let client = plain { $0.totalTimeout = 0.3; $0.retry.maxAttempts = 2 }
        let started = Date()
        XCTAssertThrowsError(try client.send(HTTPRequest(.get, "http://127.0.0.1:\(peer.port)/slow?ms=3000"))) {
            XCTAssertEqual(($0 as? HTTPClientError)?.kind, .timeout)
            XCTAssertEqual(($0 as? HTTPClientError)?.attempts, 2)
            XCTAssertEqual(($0 as? HTTPClientError)?.code, "LP_HTTP_TIMEOUT")
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 2.5)
    }

    func testOnlyIdempotentRequestsAreRetried() throws {
        let peer = try PeerProcess(script: "http_peer.py")
        let base = "http://127.0.0.1:\(peer.port)"
        let get = try plain().send(HTTPRequest(.get, base + "/flaky/get?fail=2&status=503"))
        XCTAssertEqual(get.status, 200)
        XCTAssertEqual(get.attempts, 3)
        let exhausted = try plain { $0.retry.maxAttempts = 2 }.send(HTTPRequest(.get, base + "/flaky/two?fail=5&status=429"))
        XCTAssertEqual(exhausted.status, 429, "after the last attempt the retryable status is the answer")
        let post = try plain().send(HTTPRequest(.post, base + "/flaky/post?fail=1&status=503", body: .bytes([1])))
        XCTAssertEqual(post.status, 503)
        XCTAssertEqual(try plain().send(HTTPRequest(.get, base + "/count/post")).text, "1")
        let keyed = try plain().send(HTTPRequest(.post, base + "/flaky/keyed?fail=1&status=503", body: .bytes([1]), idempotent: true))
        XCTAssertEqual(keyed.status, 200, "a POST the caller marks idempotent is retried")
        let notFound = try plain().send(HTTPRequest(.get, base + "/no-such-path"))
        XCTAssertEqual(notFound.status, 404)
        XCTAssertEqual(notFound.attempts, 1)
        let dropped = try plain().send(HTTPRequest(.get, base + "/drop/get?fail=1"))
        XCTAssertEqual(dropped.status, 200, "a connection closed without an answer is retried")
    }

    func testRefusedConnectionsAndRequests() throws {
        let closedPort = try PeerProcess(script: "http_peer.py").port
        XCTAssertThrowsError(try plain { $0.retry.maxAttempts = 1 }.send(HTTPRequest(.get, "http://127.0.0.1:\(closedPort)/echo"))) {
            XCTAssertEqual(($0 as? HTTPClientError)?.kind, .connect)
        }
        XCTAssertThrowsError(try HTTPClient().send(HTTPRequest(.get, "http://127.0.0.1:\(closedPort)/echo"))) {
            XCTAssertEqual(($0 as? HTTPClientError)?.kind, .invalidRequest, "plain HTTP needs allowPlainHTTP")
        }
        for request in [HTTPRequest(.get, "ftp://127.0.0.1/x"), HTTPRequest(.get, "https://h/x", headers: [HTTPHeader("a", "b\r\nc: d")]),
                        HTTPRequest(.get, "https://h/x?token=secret\n")] {
            XCTAssertThrowsError(try HTTPClient().send(request)) { error in
                XCTAssertEqual((error as? HTTPClientError)?.kind, .invalidRequest)
                XCTAssertFalse("\(error)".contains("secret"), "messages leave the query out: \(error)")
            }
        }
    }

    func testTLSTrustAndPinning() throws {
        let certificate = try LoopbackCertificate(directory: scratch)
        let peer = try PeerProcess(script: "http_peer.py", arguments: [certificate.certificatePath, certificate.keyPath])
        let url = "https://127.0.0.1:\(peer.port)/echo"
        func client(ca: String?, pins: [String] = []) -> HTTPClient {
            var options = HTTPClientOptions(caBundlePath: ca, pinnedPublicKeys: pins)
            options.retry.maxAttempts = 1
            return HTTPClient(options: options)
        }
        XCTAssertEqual(try client(ca: certificate.certificatePath).send(HTTPRequest(.get, url)).status, 200)
        XCTAssertThrowsError(try client(ca: nil).send(HTTPRequest(.get, url))) {
            XCTAssertEqual(($0 as? HTTPClientError)?.kind, .tls, "a self-signed server is not in the system's trust")
        }
        XCTAssertEqual(try client(ca: certificate.certificatePath, pins: [certificate.pin]).send(HTTPRequest(.get, url)).status, 200)
        let other = "sha256//" + Data(SHA256.digest(Array("another key".utf8))).base64EncodedString()
        XCTAssertEqual(try client(ca: certificate.certificatePath, pins: [other, certificate.pin]).send(HTTPRequest(.get, url)).status, 200)
        XCTAssertThrowsError(try client(ca: certificate.certificatePath, pins: [other]).send(HTTPRequest(.get, url))) {
            XCTAssertEqual(($0 as? HTTPClientError)?.kind, .pinning)
        }
    }

    /// libcurl takes the proxy from the process environment, like every other libcurl program.
    func testProxyComesFromTheEnvironment() throws {
        let proxy = try PeerProcess(script: "http_peer.py")
        setenv("http_proxy", "http://127.0.0.1:\(proxy.port)", 1)
        defer { unsetenv("http_proxy") }
        let response = try plain().send(HTTPRequest(.get, "http://proxied.example.invalid/echo"))
        XCTAssertEqual(try json(response)["proxied"], true)
        XCTAssertEqual(try json(response)["path"], "http://proxied.example.invalid/echo")
    }

    func testRetryDelaysDoubleAndHonourRetryAfter() {
        let policy = RetryPolicy(maxAttempts: 5, initialDelay: 0.5, maxDelay: 3)
        XCTAssertEqual([1, 2, 3, 4].map { policy.delay(afterAttempt: $0) }, [0.5, 1, 2, 3])
        XCTAssertEqual(policy.delay(afterAttempt: 1, retryAfter: "2"), 2)
        XCTAssertEqual(policy.delay(afterAttempt: 1, retryAfter: "120"), 3)
        XCTAssertEqual(policy.delay(afterAttempt: 2, retryAfter: "Wed, 21 Oct 2015 07:28:00 GMT"), 1)
    }
}
