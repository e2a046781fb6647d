import LPCore

/// `lp.device.release.plan@0.2.0`: the store target, the sealed package (by digest), the native
/// summary and readiness frozen at creation, and the steps to run. Written once under its id.
public struct DeviceReleasePlan: Codable, Equatable, Sendable {
    public struct ProviderRef: Codable, Equatable, Sendable {
        public var kind = SchemaVersion.deviceProviderProfile
        public var digest: DigestRef
        public var provider_id: String?

        public init(digest: DigestRef, provider_id: String?) {
            self.digest = digest
            self.provider_id = provider_id
        }
    }

    public struct PackageRef: Codable, Equatable, Sendable {
        public var kind = SchemaVersion.devicePackageManifest
        /// SHA-256 of the manifest's canonical bytes: the name of its copy in the state.
        public var digest: DigestRef
        public var label: String?

        public init(digest: DigestRef, label: String?) {
            self.digest = digest
            self.label = label
        }
    }

    /// The app a release ships.
    public struct App: Codable, Equatable, Sendable {
        public var app_id: String
        public var track_or_lane: String
        public var version: String
        public var build: String

        public init(app_id: String, track_or_lane: String, version: String, build: String) {
            self.app_id = app_id
            self.track_or_lane = track_or_lane
            self.version = version
            self.build = build
        }
    }

    /// Limits recorded for the operator; the engine runs a plan's steps as listed.
    public struct Strategy: Codable, Equatable, Sendable {
        public var max_auto_steps = 16
        public var max_total_wait_seconds = 3600
        public var on_provider_error = "pause"

        public init() {}
    }

    public struct Step: Codable, Equatable, Sendable {
        public var id: String
        public var op: ReleaseOp
        public var percent: Int?
        public var window_seconds: Int?
        public var thresholds: TypedRef?
        public var on_fail: String?

        public init(id: String, op: ReleaseOp, percent: Int? = nil, window_seconds: Int? = nil, thresholds: TypedRef? = nil,
                    on_fail: String? = nil) {
            self.id = id
            self.op = op
            self.percent = percent
            self.window_seconds = window_seconds
            self.thresholds = thresholds
            self.on_fail = on_fail
        }
    }

    public var schema_version = SchemaVersion.deviceReleasePlan
    public var plan_id: String
    public var created_unix_ms: Int64
    public var provider_profile: ProviderRef
    public var target: ReleaseTarget
    public var app: App
    public var package: PackageRef
    public var native_summary: NativeSummary
    public var release_readiness: ReleaseReadiness
    public var strategy: Strategy
    public var steps: [Step]

    public init(plan_id: String, created_unix_ms: Int64, provider_profile: ProviderRef, target: ReleaseTarget, app: App,
                package: PackageRef, native_summary: NativeSummary, release_readiness: ReleaseReadiness, steps: [Step]) {
        self.plan_id = plan_id
        self.created_unix_ms = created_unix_ms
        self.provider_profile = provider_profile
        self.target = target
        self.app = app
        self.package = package
        self.native_summary = native_summary
        self.release_readiness = release_readiness
        self.strategy = Strategy()
        self.steps = steps
    }
}
