/// The device release line's contracts (docs/device-release.md), named once.
extension SchemaVersion {
    public static let deviceCapabilities = "x07.device.capabilities@0.2.0"
    public static let devicePackageManifest = "x07.device.package.manifest@0.1.0"
    public static let devicePackageReport = "x07.wasm.device.package.report@0.2.0"
    public static let deviceProfile = "x07.device.profile@0.1.0"
    public static let deviceProviderProfile = "lp.device.store.provider.profile@0.1.0"
    public static let deviceReleaseExecution = "lp.device.release.execution@0.2.0"
    public static let deviceReleasePlan = "lp.device.release.plan@0.2.0"
    public static let deviceReleaseQueryResult = "lp.device.release.query.result@0.2.0"
    public static let deviceReleaseRunResult = "lp.device.release.run.result@0.2.0"
    public static let deviceTelemetryProfile = "x07.device.telemetry.profile@0.1.0"
    public static let webUITrace = "x07.web_ui.trace@0.1.0"
}
