/// Where the device release line keeps its files (docs/device-release.md#state), relative to the
/// state directory. Ids and digests in these paths are checked by the callers
/// (`StateDirectory.checkComponent`) before they reach the file system.
public enum DeviceReleasePaths {
    public static let root = "device_release"
    public static let plans = root + "/plans"
    public static let executions = root + "/executions"
    public static let evidence = root + "/evidence"
    public static let telemetry = root + "/telemetry"

    /// `lp.device.store.provider.profile@0.1.0` as the last create or run used it.
    public static func provider(_ providerId: String) -> String { "\(root)/providers/\(providerId).json" }
    /// The package manifest (canonical), by the SHA-256 of its canonical bytes.
    public static func packageManifest(_ sha256: String) -> String { "\(root)/packages/\(sha256).json" }
    /// The package as created: manifest, sidecars and payload, by the manifest's canonical SHA-256.
    public static func packageSource(_ sha256: String) -> String { "\(root)/package_sources/\(sha256)" }
    public static let sourceManifestFile = "package.manifest.json"
    /// The package staged for one execution (its telemetry profile names the release).
    public static func stagedPackage(_ execId: String) -> String { "\(root)/packages/\(execId)" }
    public static let stagedManifestFile = "device.package.manifest.json"
    public static func packageReport(_ sha256: String) -> String { "\(root)/package_reports/\(sha256).json" }
    public static func sloProfile(_ sha256: String) -> String { "\(root)/slo_profiles/\(sha256).json" }
    public static func plan(_ planId: String) -> String { "\(plans)/\(planId).json" }
    public static func execution(_ execId: String) -> String { "\(executions)/\(execId).json" }
    /// Evidence of one step or control of an execution (`step_2_rollout_25`, `control_pause`).
    public static func evidence(_ execId: String, _ suffix: String) -> String { "\(evidence)/\(execId).\(suffix).json" }
    /// The OTLP export an operator or collector drops for observation `seq`, and its fallback.
    public static func telemetryExport(_ execId: String, seq: Int) -> String { "\(telemetry)/\(execId)/analysis.\(seq).jsonl" }
    public static func telemetryFallback(_ execId: String) -> String { "\(telemetry)/\(execId)/otlp.jsonl" }
    /// The metrics snapshot derived from export `seq`.
    public static func metricsSnapshot(_ execId: String, seq: Int) -> String { "\(telemetry)/\(execId)/analysis.\(seq).json" }
    /// Incidents of releases live with the others, under this environment name.
    public static let incidentEnvironment = "device_release"
}
