import LPCore
import LPState
import LPModel
import LPStage
import Foundation

/// `lp-release create` (`x07lp device release-create`): reads a provider profile, a sealed device
/// package and its package report, freezes the native summary and release readiness into an
/// `lp.device.release.plan@0.2.0`, stores the inputs and the plan, and writes the plan to --out.
/// A package that is not ready (readiness errors) is refused with exit 10 and nothing written.
enum CreateCommand {
    static let command = StageCommand(
        words: ["create"],
        spec: CommandSpec(
            name: "lp-release create", reportCommand: "device release create",
            summary: "create a device release plan from a provider profile and a sealed device package",
            usage: ["lp-release create --provider-profile FILE --package-manifest FILE --package-report FILE --out PLAN "
                    + "[--slo-profile FILE [--metrics-window-seconds N] [--metrics-on-fail ACTION]]"],
            options: [
                ReleaseOptions.providerProfile, ReleaseOptions.packageManifest,
                OptionSpec("--package-report", value: "FILE", "x07.wasm.device.package.report@0.2.0 (x07-wasm device package --json)"),
                OptionSpec("--out", value: "FILE", "where to write the plan (also stored in the state)"),
                OptionSpec("--slo-profile", value: "FILE", "x07.slo.profile@0.1.0: adds a metrics gate after the rollout steps"),
                OptionSpec("--metrics-window-seconds", value: "N", "the gate's window (default 900)"),
                OptionSpec("--metrics-on-fail", value: "ACTION", "release.pause (default), release.halt or require_human"),
            ],
            examples: ["x07lp device release-create --provider-profile providers/mock_production_ios.json "
                       + "--package-manifest pkg/device.package.manifest.json --package-report pkg/device.package.report.json "
                       + "--out plan.json --json"],
            exitCodes: ReleaseOptions.readingCodes + [.releaseNotReady],
            notes: ["The package report must describe this manifest (its sha256) for the provider's platform. Readiness",
                    "errors (LP_DEVICE_RELEASE_TARGET_MISMATCH, ..._TELEMETRY_CLASSES_MISSING, ..._PERMISSION_DECLARATIONS_MISSING,",
                    "..._PACKAGE_REPORT_MISMATCH, the report's own errors) exit 10 and write nothing."]),
        body: run)

    static func run(_ ctx: StageContext) throws -> StageOutput {
        let catalog = try ContractCatalog.locate(environment: ctx.environment)
        let args = ctx.arguments
        let provider = try ProviderProfile.read(path: try args.required("--provider-profile", ctx.spec), catalog: catalog)
        let package = try DevicePackage.read(path: try args.required("--package-manifest", ctx.spec), catalog: catalog)
        let report = try PackageReport.read(path: try args.required("--package-report", ctx.spec), catalog: catalog)
        let given = try args.required("--out", ctx.spec)
        let out = given.contains("/") ? given : "./" + given
        let window = Int(try args.integer("--metrics-window-seconds", range: 1...31_536_000) ?? 900)
        let onFailText = args.value("--metrics-on-fail") ?? MetricsOnFail.pause.rawValue
        guard let onFail = MetricsOnFail(rawValue: onFailText) else {
            throw LPError(.usage, code: "LP_USAGE", "--metrics-on-fail is release.pause, release.halt or require_human, not \(onFailText.prefix(40))")
        }
        let slo = try args.value("--slo-profile").map { try ContractDocument(path: $0, contract: SchemaVersion.sloProfile, catalog: catalog) }
        let native = NativeReadiness.derive(provider: provider, package: package, report: report)
        let reportRef: JSON = ["kind": .string(SchemaVersion.devicePackageReport), "digest": report.rawDigest.json,
                               "label": .string((report.path as NSString).lastPathComponent)]
        var result: [String: JSON] = [
            "native_summary": try JSON(encoding: native.summary), "release_readiness": try JSON(encoding: native.readiness),
            "native_validation_warnings": try JSON(encoding: native.readiness.warnings),
            "native_validation_errors": try JSON(encoding: native.readiness.errors), "package_report": reportRef,
        ]
        guard native.readiness.errors.isEmpty else {
            let diagnostics = native.readiness.errors.map { Diagnostic(code: $0.code, message: $0.message) }
            return StageOutput(result: .object(result), exitCode: .releaseNotReady, diagnostics: diagnostics)
        }

        let gate = slo.map { PlanBuilder.Gate(slo: TypedRef(kind: SchemaVersion.sloProfile, digest: $0.canonicalDigest,
                                                            label: ($0.path as NSString).lastPathComponent),
                                              windowSeconds: window, onFail: onFail) }
        let plan = PlanBuilder.plan(createdUnixMs: ctx.clock.unixMs(), provider: provider, package: package, native: native, gate: gate)
        let planJSON = try JSON(encoding: plan)
        do {
            try catalog.validate(planJSON, as: SchemaVersion.deviceReleasePlan, source: "the plan")
        } catch let error as LPError where error.exitCode == .invalidInput {
            // Only the package's summary (its permission names, capability bounds) can break it.
            throw LPError(.releaseNotReady, error.diagnostics.map {
                Diagnostic(code: "LP_DEVICE_RELEASE_NATIVE_SUMMARY_INVALID", message: $0.message, data: $0.data)
            })
        }
        try PlanValidation.check(plan, provider: provider)
        let outDirectory = (out as NSString).deletingLastPathComponent
        guard outDirectory.isEmpty || FileManager.default.fileExists(atPath: outDirectory) else {
            throw LPError(.usage, code: "LP_NOT_FOUND", "--out \(out): the directory \(outDirectory) does not exist")
        }

        let files = try package.contents()
        let artifacts = try ctx.state.write { tx -> [ArtifactRef] in
            try PackageStore.storeSource(package, files: files, in: tx)
            var written = [try tx.writeRecord(provider.json, at: DeviceReleasePaths.provider(provider.id),
                                              logicalName: "lp.device.store.provider.profile")]
            // The report as the tool wrote it, named by its digest (what the plan's readiness came from).
            try tx.writeFile(report.bytes, at: DeviceReleasePaths.packageReport(report.rawDigest.sha256))
            if let slo {
                written.append(try tx.writeRecord(slo.json, at: DeviceReleasePaths.sloProfile(slo.canonicalDigest.sha256),
                                                  logicalName: "x07.slo.profile"))
            }
            written.append(try tx.writeRecord(planJSON, at: DeviceReleasePaths.plan(plan.plan_id), logicalName: "lp.device.release.plan"))
            return written
        }
        do {
            try AtomicFile.write(planJSON.canonicalBytes, to: out, mode: 0o644)
        } catch {
            throw LPError(.usage, code: "LP_IO", "cannot write the plan to \(out): \(error) (the plan is stored as \(DeviceReleasePaths.plan(plan.plan_id)))")
        }
        result.merge([
            "plan_id": .string(plan.plan_id), "out": .string(given), "provider_kind": .string(provider.kind.rawValue),
            "distribution_lane": .string(provider.lane.rawValue), "target": .string(provider.target.rawValue),
            "app": try JSON(encoding: plan.app), "capabilities": ProviderCapabilities(kind: provider.kind, lane: provider.lane).json,
        ]) { _, new in new }
        let warnings = native.readiness.warnings.map { Diagnostic(code: $0.code, severity: .warning, message: $0.message) }
        return StageOutput(result: .object(result), diagnostics: warnings, artifacts: artifacts)
    }
}
