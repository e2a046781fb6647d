import LPCore
import LPState
/// One of the two runtime slots of a deployment.
public enum Slot: String, Codable, CaseIterable, Sendable {
    case stable, candidate
}

/// The routing rule (docs/deploy.md#routing), as pure functions: a request's route key falls in one of 100
/// buckets, and buckets below the candidate weight go to the candidate. The same key always
/// lands in the same bucket, so a user sticks to one slot while the weight does not cross it.
public enum RoutingRule {
    /// The request header that carries the route key.
    public static let routeKeyHeader = "X-LP-Route-Key"
    /// How `algorithm` names this rule in the router state.
    public static let algorithm = "sha256-u32be-mod100"

    /// First 4 bytes of SHA-256(UTF-8 of `routeKey`) as a big-endian u32, mod 100 (0...99).
    public static func bucket(routeKey: String) -> Int {
        Int(u32(routeKey) % 100)
    }

    /// The slot a request goes to: the candidate iff its bucket is below `weightPct`. Without a
    /// route key (nil or empty header) the request path is the key. Weights outside 0...100 are
    /// clamped, so 0 always means stable and 100 always means candidate.
    public static func slot(routeKey: String?, path: String, weightPct: Int) -> Slot {
        let weight = min(max(weightPct, 0), 100)
        return bucket(routeKey: effectiveKey(routeKey: routeKey, path: path)) < weight ? .candidate : .stable
    }

    /// `http://127.0.0.1:<20000 + u32 % 20000>` with u32 the first 4 bytes of SHA-256(execId):
    /// a deterministic port in 20000...39999, so reruns and queries agree without recording it.
    public static func publicListener(execId: String) -> String {
        "http://127.0.0.1:\(20000 + u32(execId) % 20000)"
    }

    /// The key a request is bucketed by.
    static func effectiveKey(routeKey: String?, path: String) -> String {
        guard let routeKey, !routeKey.isEmpty else { return path }
        return routeKey
    }

    private static func u32(_ text: String) -> UInt32 {
        SHA256.digest(Array(text.utf8)).prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    }
}

/// The answer of `lp-query route`: where a route key goes under the current weight.
public struct RouteAnswer: Codable, Equatable, Sendable {
    public var slot: Slot
    public var bucket: Int
    public var weight_pct: Int

    public init(slot: Slot, bucket: Int, weight_pct: Int) {
        self.slot = slot
        self.bucket = bucket
        self.weight_pct = weight_pct
    }
}

/// Routes one request of execution `execId` by its router state (a read: no lock needed).
/// A deployment without router state fails with LP_NOT_FOUND (exit 2).
public func route(state: StateDirectory, execId: String, routeKey: String?, path: String) throws -> RouteAnswer {
    guard let router = try RouterState.load(state: state, execId: execId) else {
        throw LPError(.usage, code: "LP_NOT_FOUND", "deployment \(execId) has no router state (\(state.path(StateDirectory.router(execId))))")
    }
    return router.route(routeKey: routeKey, path: path)
}
