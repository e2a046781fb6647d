import LPCore

/// What a device-native incident records about the device (`native_context`), sanitized: the
/// package's capabilities, permission states, lifecycle and connectivity, and the host events
/// that led to it.
public struct NativeContext: Codable, Equatable, Sendable {
    public struct Breadcrumb: Codable, Equatable, Sendable {
        public var ord: Int
        public var event_class: String
        public var op: String
        public var status: String
        @Nullable public var request_id: String?
        @Nullable public var unix_ms: Int64?
        public var duration_ms: Int?
        public var permission: String?

        public init(ord: Int, event_class: String, op: String, status: String, request_id: String?, unix_ms: Int64?,
                    duration_ms: Int?, permission: String?) {
            self.ord = ord
            self.event_class = event_class
            self.op = op
            self.status = status
            self.request_id = request_id
            self.unix_ms = unix_ms
            self.duration_ms = duration_ms
            self.permission = permission
        }
    }

    public var kind = "device_native"
    @Nullable public var release_plan_id: String?
    @Nullable public var release_exec_id: String?
    @Nullable public var provider_kind: StoreProviderKind?
    public var platform: ReleaseTarget
    @Nullable public var package_manifest_sha256: String?
    public var capabilities_summary: NativeCapabilities
    @Nullable public var permission_state_snapshot: [String: String]?
    @Nullable public var lifecycle_state: String?
    @Nullable public var connectivity_state: String?
    public var breadcrumbs: [Breadcrumb]

    /// The context every incident of `execution` starts from: nothing known about the device yet.
    public init(_ execution: DeviceReleaseExecution) {
        release_plan_id = execution.plan_id
        release_exec_id = execution.exec_id
        provider_kind = execution.meta.provider_kind
        platform = execution.meta.target
        package_manifest_sha256 = "sha256:" + execution.meta.native_summary.package_manifest_sha256
        capabilities_summary = execution.meta.native_summary.capabilities
        breadcrumbs = []
    }

    /// The permission states, lifecycle and connectivity values the contract knows.
    public static let permissionStates: Set = ["granted", "denied", "prompt", "restricted", "unsupported"]
    public static let lifecycleStates: Set = ["foreground", "background", "resume", "unknown"]
    public static let connectivityStates: Set = ["online", "offline", "unknown"]
}

/// An incident's link to the device release it happened in (`device_release`).
public struct DeviceReleaseLink: Codable, Equatable, Sendable {
    public var release_exec_id: String
    @Nullable public var release_plan_id: String?
    public var provider_kind: StoreProviderKind
    public var distribution_lane: DistributionLane
    @Nullable public var package_digest: DigestRef?
    public var target_kind: ReleaseTarget
    @Nullable public var package_manifest_sha256: String?

    public init(_ execution: DeviceReleaseExecution) {
        release_exec_id = execution.exec_id
        release_plan_id = execution.plan_id
        provider_kind = execution.meta.provider_kind
        distribution_lane = execution.meta.distribution_lane
        package_digest = execution.meta.package_digest
        target_kind = execution.meta.target
        package_manifest_sha256 = "sha256:" + execution.meta.native_summary.package_manifest_sha256
    }
}
