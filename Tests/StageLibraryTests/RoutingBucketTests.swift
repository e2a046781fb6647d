@testable import LPModel
import XCTest

/// The routing rule (docs/deploy.md#routing): bucket = first 4 bytes of SHA-256(route key) read big-endian,
/// mod 100; a request goes to the candidate iff its bucket is below the weight.
final class RoutingBucketTests: XCTestCase {
    /// Computed outside Swift, in the shell, for each KEY:
    /// `h=$(printf '%s' KEY | sha256sum | cut -c1-8); echo $(( 16#$h % 100 ))`
    /// (the first 8 hex digits are the first 4 bytes, big-endian), cross-checked with Python's
    /// `int.from_bytes(hashlib.sha256(KEY.encode()).digest()[:4], "big") % 100`.
    static let buckets: [(key: String, bucket: Int)] = [
        ("user-0", 73),       // 7fad6a4d
        ("user-1", 52),       // c6c289e4
        ("user-2", 7),        // d92b69cf
        ("user-4", 1),        // beb21809
        ("user-10", 2),       // e4abd15e
        ("user-42", 83),      // 6d894aa3
        ("alice", 1),         // 2bd806c9
        ("bob", 12),          // 81b637d8
        ("/index.html", 13),  // 213456c5
        ("", 10),             // e3b0c442
        ("é-key", 84),        // c46c2300 (UTF-8 bytes c3 a9 ...)
        ("key-20", 0),        // 952958d4
        ("key-30", 4),        // 0b7edf04
        ("key-143", 5),       // 6a6815bd
        ("key-126", 99),      // d7ec46f3
    ]

    func testBucketsMatchTheTable() {
        for (key, bucket) in Self.buckets {
            XCTAssertEqual(RoutingRule.bucket(routeKey: key), bucket, "key \"\(key)\"")
        }
    }

    func testSlotFlipsToTheCandidateJustAboveTheBucket() {
        for (key, bucket) in Self.buckets {
            // The path is the key too, so the empty route key (which falls back to the path) is the same key.
            func slot(_ weight: Int) -> Slot { RoutingRule.slot(routeKey: key, path: key, weightPct: weight) }
            XCTAssertEqual(slot(0), .stable, "\"\(key)\" at 0")
            XCTAssertEqual(slot(bucket), .stable, "\"\(key)\" at its bucket \(bucket)")
            XCTAssertEqual(slot(bucket + 1), .candidate, "\"\(key)\" at \(bucket + 1)")
            XCTAssertEqual(slot(100), .candidate, "\"\(key)\" at 100")
        }
    }
}
