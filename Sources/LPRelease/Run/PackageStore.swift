import LPCore
import LPState
import LPModel

/// The package copies in the state: the source as created (`package_sources/<sha>/`, its
/// manifest as `package.manifest.json`), and per execution a staged copy whose telemetry
/// profile carries the release's correlation attributes.
enum PackageStore {
    static func storeSource(_ package: DevicePackage, files: [(relative: String, bytes: [UInt8])], in tx: WriteTransaction) throws {
        let sha = package.canonicalDigest.sha256
        let root = DeviceReleasePaths.packageSource(sha)
        for file in files {
            try StateDirectory.checkRelativePath(file.relative)
            try tx.writeFile(file.bytes, at: root + "/" + file.relative)
        }
        try tx.writeRecord(package.manifest, at: root + "/" + DeviceReleasePaths.sourceManifestFile, logicalName: "x07.device.package.manifest")
        try tx.writeRecord(package.manifest, at: DeviceReleasePaths.packageManifest(sha), logicalName: "x07.device.package.manifest")
    }

    /// The source package of a plan, as create stored it.
    static func source(of plan: DeviceReleasePlan, state: StateDirectory, catalog: ContractCatalog) throws -> DevicePackage {
        let sha = plan.package.digest.sha256
        let relative = DeviceReleasePaths.packageSource(sha) + "/" + DeviceReleasePaths.sourceManifestFile
        guard Hex.isSHA256(sha), state.exists(relative) else {
            throw LPError(.usage, code: "LP_NOT_FOUND",
                          "the package of plan \(plan.plan_id) (sha256 \(sha.prefix(64))) is not in \(state.root); "
                          + "rerun release-create or pass --package-manifest")
        }
        return try DevicePackage.read(path: state.path(relative), catalog: catalog)
    }

    /// Copies the package for `execution` and rewrites its telemetry profile to name the
    /// release (the host reports these resource attributes with every event), updating the
    /// staged manifest's digest of it. Returns the staged manifest's record.
    static func stage(_ package: DevicePackage, files: [(relative: String, bytes: [UInt8])], execId: String, planId: String,
                      plan: DeviceReleasePlan, rolloutPercent: Int?, lane: DistributionLane, catalog: ContractCatalog,
                      in tx: WriteTransaction) throws -> ArtifactRef {
        let root = DeviceReleasePaths.stagedPackage(execId)
        let telemetryPath = package.manifest["telemetry_profile"]?["path"]?.stringValue.map(DevicePackage.normalized) ?? ""
        var telemetry = package.telemetry
        telemetry = telemetry.setting("event_classes", .array(NativeSummary.standardTelemetryClasses.map(JSON.string)))
        telemetry = telemetry.setting("resource", [
            "app_id": .string(plan.app.app_id), "target": .string(plan.target.rawValue), "release_exec_id": .string(execId),
            "release_plan_id": .string(planId), "package_sha256": .string(plan.package.digest.sha256),
            "provider_kind": .string(plan.native_summary.provider_kind.rawValue), "provider_lane": .string(lane.rawValue),
            "rollout_percent": rolloutPercent.map { .number(Double($0)) } ?? .null,
        ])
        try catalog.validate(telemetry, as: SchemaVersion.deviceTelemetryProfile, source: "the staged telemetry profile")
        let telemetryBytes = telemetry.canonicalBytes
        for file in files where file.relative != telemetryPath {
            try tx.writeFile(file.bytes, at: root + "/" + file.relative)
        }
        try tx.writeFile(telemetryBytes, at: root + "/" + telemetryPath)
        let digest = DigestRef(of: telemetryBytes)
        let manifest = package.manifest.setting("telemetry_profile", (package.manifest["telemetry_profile"] ?? [:])
            .setting("sha256", .string(digest.sha256)).setting("bytes_len", .number(Double(digest.bytes_len))))
        return try tx.writeRecord(manifest, at: root + "/" + DeviceReleasePaths.stagedManifestFile,
                                  logicalName: "x07.device.package.manifest")
    }
}
