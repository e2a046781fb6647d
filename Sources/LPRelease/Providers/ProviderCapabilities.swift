import LPCore
import LPModel

/// What a store supports for a lane (docs/device-release.md#providers). A beta lane only
/// starts; production supports staged percentages, pause/resume/complete and rollback, except
/// App Store Connect, whose phased release has no percentages and no rollback.
struct ProviderCapabilities {
    let kind: StoreProviderKind
    let lane: DistributionLane
    let ops: [ReleaseOp]

    init(kind: StoreProviderKind, lane: DistributionLane) {
        self.kind = kind
        self.lane = lane
        switch (kind, lane) {
        case (_, .beta): ops = [.start]
        case (.appStoreConnect, .production): ops = [.start, .pause, .resume, .complete]
        case (.mock, .production), (.googlePlay, .production):
            ops = [.start, .setPercent, .pause, .resume, .complete, .rollbackPrevious]
        }
    }

    func supports(_ op: ReleaseOp) -> Bool { ops.contains(op) }
    var supportsPercent: Bool { supports(.setPercent) }

    /// As `lp.adapter.capabilities@0.1.0`.
    var json: JSON {
        [
            "schema_version": "lp.adapter.capabilities@0.1.0", "provider": .string("lp.impl.dist.\(kind.rawValue)"),
            "runtime_kind": "device_store", "routing_kind": "store_control", "artifact_distribution": "store_upload",
            "supports_incidents": true, "supports_regressions": true, "supports_pause": .bool(supports(.pause)),
            "supports_rerun": true, "supports_weighted_canary": .bool(supportsPercent), "supports_otlp": true,
            "supports_server_side_secrets": false,
            "device_release": [
                "supported_targets": ["ios", "android"], "supported_distribution_lanes": .array([.string(lane.rawValue)]),
                "supported_ops": .array(ops.map { .string($0.rawValue) }),
                "supports_percent_rollout": .bool(supportsPercent), "supports_release_pause": .bool(supports(.pause)),
                "supports_release_resume": .bool(supports(.resume)), "supports_release_complete": .bool(supports(.complete)),
                "supports_release_rollback": .bool(supports(.rollbackPrevious)),
            ],
        ]
    }
}
