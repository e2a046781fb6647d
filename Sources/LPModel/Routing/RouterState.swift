import LPCore
import LPState
import Foundation

/// Lifecycle of one runtime slot, as the router state and `lp.deploy.execution.meta.local` record it.
/// The local target goes from `planned` straight to `healthy` (or `failed`) when it checks the
/// tree; `started` is for providers whose slots run a while before they pass a health check.
public enum SlotStatus: String, Codable, Sendable {
    case planned, started, healthy, stopped, failed

    /// True when the slot may carry traffic.
    public var isServing: Bool { self == .started || self == .healthy }
}

/// One slot as the router state records it. `path` is where the slot lives (for the local
/// target: its directory relative to the state dir); `revision_digest` is the canonical digest of
/// the pack manifest it holds, null before anything was prepared.
public struct SlotState: Codable, Equatable, Sendable {
    public var status: SlotStatus
    public var path: String
    @Nullable public var revision_digest: DigestRef?

    public init(status: SlotStatus, path: String, revision_digest: DigestRef?) {
        self.status = status
        self.path = path
        self.revision_digest = revision_digest
    }
}

/// `router/<exec>.json` (x07lp.router.state@0.1.0, contract `x07lp.router.state.schema.json`):
/// the candidate weight, the routing rule and the state of both slots of one deployment.
public struct RouterState: Codable, Equatable, Sendable {
    public static let schemaVersion = SchemaVersion.routerState

    public var schema_version: String
    public var exec_id: String
    public var weight_pct: Int
    public var route_key_header: String
    public var algorithm: String
    public var stable: SlotState
    public var candidate: SlotState
    public var public_listener: String
    public var updated_unix_ms: Int64

    /// A fresh deployment: weight 0, both slots planned and empty.
    public init(execId: String, nowUnixMs: Int64) {
        schema_version = Self.schemaVersion
        exec_id = execId
        weight_pct = 0
        route_key_header = RoutingRule.routeKeyHeader
        algorithm = RoutingRule.algorithm
        stable = SlotState(status: .planned, path: StateDirectory.runtimeSlot(execId, Slot.stable.rawValue), revision_digest: nil)
        candidate = SlotState(status: .planned, path: StateDirectory.runtimeSlot(execId, Slot.candidate.rawValue), revision_digest: nil)
        public_listener = RoutingRule.publicListener(execId: execId)
        updated_unix_ms = nowUnixMs
    }

    public subscript(slot: Slot) -> SlotState {
        get { slot == .stable ? stable : candidate }
        set {
            switch slot {
            case .stable: stable = newValue
            case .candidate: candidate = newValue
            }
        }
    }

    /// Where a request goes under this state.
    public func route(routeKey: String?, path: String) -> RouteAnswer {
        let key = RoutingRule.effectiveKey(routeKey: routeKey, path: path)
        return RouteAnswer(slot: RoutingRule.slot(routeKey: key, path: path, weightPct: weight_pct),
                           bucket: RoutingRule.bucket(routeKey: key), weight_pct: weight_pct)
    }

    /// The document as written to disk (canonical bytes are its digest).
    public func document() throws -> JSON { try JSON(encoding: self) }

    /// The router state of `execId`, or nil when the deployment has none yet. A file that is not
    /// a router state of this execution fails with LP_STATE_CORRUPT (exit 19).
    public static func load(state: any StateReading, execId: String) throws -> RouterState? {
        try StateDirectory.checkComponent(execId, what: "execution id")
        let relative = StateDirectory.router(execId)
        guard state.exists(relative) else { return nil }
        let router: RouterState
        do { router = try state.readJSON(relative).decode(RouterState.self) } catch let error as LPError {
            throw error
        } catch {
            throw corrupt(state, execId, "not a router state: \(error)")
        }
        guard router.schema_version == schemaVersion else {
            throw corrupt(state, execId, "schema_version is \(router.schema_version), expected \(schemaVersion)")
        }
        guard router.exec_id == execId else { throw corrupt(state, execId, "it belongs to execution \(router.exec_id)") }
        guard (0...100).contains(router.weight_pct) else { throw corrupt(state, execId, "weight_pct \(router.weight_pct) is outside 0...100") }
        return router
    }

    /// Writes `router/<exec>.json` atomically as canonical JSON.
    public func write(in tx: WriteTransaction) throws {
        try tx.writeFile(try document().canonicalBytes, at: StateDirectory.router(exec_id))
    }

    private static func corrupt(_ state: any StateReading, _ execId: String, _ why: String) -> LPError {
        LPError(.stateCorrupt, code: "LP_STATE_CORRUPT", "\(state.state.path(StateDirectory.router(execId))): \(why)")
    }
}
