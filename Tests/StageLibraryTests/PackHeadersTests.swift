import LPCore
@testable import LPRuntime
import XCTest

/// Pack headers reach nginx only when they cannot break the exchange or x07lp's own tags.
final class PackHeadersTests: XCTestCase {
    func testHostileHeadersAreLeftOut() {
        let manifest: JSON = ["assets": [
            ["serve_path": "/a.js", "content_type": "text/javascript", "headers": [
                ["k": "cache-control", "v": "max-age=300"],
                ["k": "X-Injected", "v": "a\r\nSet-Cookie: session=1"],
                ["k": "Content-Length", "v": "1"],
                ["k": "Transfer-Encoding", "v": "chunked"],
                ["k": "X-LP-Slot", "v": "candidate"],
                ["k": "bad name", "v": "x"],
                ["k": "X-Long", "v": .string(String(repeating: "v", count: 1025))],
                ["k": "X-Unicode", "v": "caf\u{e9}"]]],
            ["serve_path": "/../etc/passwd", "headers": [["k": "cache-control", "v": "no-store"]]],
            ["serve_path": "/plain.txt", "headers": []]]]
        XCTAssertEqual(PackHeaders.of(manifest: manifest),
                       ["/a.js": [["cache-control", "max-age=300"], ["Content-Type", "text/javascript"]]])
    }
}
