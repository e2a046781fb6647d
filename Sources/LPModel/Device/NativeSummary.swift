import LPCore

/// Native device capabilities a package declares (the plan's `native_summary.capabilities`).
public struct NativeCapabilities: Codable, Equatable, Sendable {
    public struct BlobStore: Codable, Equatable, Sendable {
        public var enabled: Bool
        public var max_total_bytes: Int
        public var max_item_bytes: Int

        public init(enabled: Bool, max_total_bytes: Int, max_item_bytes: Int) {
            self.enabled = enabled
            self.max_total_bytes = max_total_bytes
            self.max_item_bytes = max_item_bytes
        }
    }

    public var camera_photo: Bool
    public var files_pick: Bool
    public var blob_store: BlobStore
    public var location_foreground: Bool
    public var notifications_local: Bool
    public var notifications_push: Bool

    public init(camera_photo: Bool, files_pick: Bool, blob_store: BlobStore, location_foreground: Bool,
                notifications_local: Bool, notifications_push: Bool) {
        self.camera_photo = camera_photo
        self.files_pick = files_pick
        self.blob_store = blob_store
        self.location_foreground = location_foreground
        self.notifications_local = notifications_local
        self.notifications_push = notifications_push
    }
}

/// What a sealed package asks of the device, frozen into the plan when a release is created.
public struct NativeSummary: Codable, Equatable, Sendable {
    public var target_kind: ReleaseTarget
    public var provider_kind: StoreProviderKind
    /// SHA-256 (64 hex) of the package manifest file the package report describes.
    public var package_manifest_sha256: String
    public var capabilities: NativeCapabilities
    public var permission_declarations: [String]
    public var telemetry_classes: [String]

    public init(target_kind: ReleaseTarget, provider_kind: StoreProviderKind, package_manifest_sha256: String,
                capabilities: NativeCapabilities, permission_declarations: [String], telemetry_classes: [String]) {
        self.target_kind = target_kind
        self.provider_kind = provider_kind
        self.package_manifest_sha256 = package_manifest_sha256
        self.capabilities = capabilities
        self.permission_declarations = permission_declarations
        self.telemetry_classes = telemetry_classes
    }

    /// The seven event classes a device host must report.
    public static let standardTelemetryClasses = [
        "app.lifecycle", "app.http", "runtime.error", "bridge.timing", "reducer.timing", "policy.violation", "host.webview_crash",
    ]
}

/// Whether a package may be released, with the problems found (`release_readiness`).
public struct ReleaseReadiness: Codable, Equatable, Sendable {
    public struct Issue: Codable, Equatable, Sendable {
        public var code: String
        public var message: String
        public var field: String?

        public init(code: String, message: String, field: String? = nil) {
            self.code = code
            self.message = message
            self.field = field
        }
    }

    public var status: ReadinessStatus
    public var warnings: [Issue]
    public var errors: [Issue]

    /// Blocked with any error, a warning without errors, else ok.
    public init(warnings: [Issue], errors: [Issue]) {
        self.status = !errors.isEmpty ? .blocked : (!warnings.isEmpty ? .warn : .ok)
        self.warnings = warnings
        self.errors = errors
    }

    public var isBlocking: Bool { status == .blocked || !errors.isEmpty }
}

/// Native incidents of a release, counted per class (`latest_native_health_rollup`).
public struct NativeHealthRollup: Codable, Equatable, Sendable {
    public enum Status: String, Codable, Sendable {
        case unknown, healthy, degraded, failed
    }

    public var status: Status
    public var native_runtime_error_count = 0
    public var native_policy_violation_count = 0
    public var native_bridge_timeout_count = 0
    public var native_host_crash_count = 0
    public var native_permission_blocked_count = 0
    @Nullable public var last_native_event_unix_ms: Int64?

    public init(status: Status = .unknown) {
        self.status = status
        self.last_native_event_unix_ms = nil
    }

    public var total: Int {
        native_runtime_error_count + native_policy_violation_count + native_bridge_timeout_count + native_host_crash_count
            + native_permission_blocked_count
    }

    public mutating func count(_ classification: NativeClassification) {
        switch classification {
        case .runtimeError: native_runtime_error_count += 1
        case .policyViolation: native_policy_violation_count += 1
        case .bridgeTimeout: native_bridge_timeout_count += 1
        case .hostCrash: native_host_crash_count += 1
        case .permissionBlocked: native_permission_blocked_count += 1
        }
    }
}
