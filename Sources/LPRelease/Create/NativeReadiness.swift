import LPCore
import LPModel

/// The native summary and release readiness of a package, derived when a release is created
/// (docs/device-release.md#create) from the package report, checked against the package itself
/// and the provider profile. Errors block the release; warnings are recorded.
struct NativeReadiness {
    var summary: NativeSummary
    var readiness: ReleaseReadiness

    static let defaultReportCode = "X07WASM_DEVICE_REPORT"

    static func derive(provider: ProviderProfile, package: DevicePackage, report: PackageReport) -> NativeReadiness {
        let result = report.result
        let reported = result["native_summary"]?.objectValue.map(JSON.object)
        var warnings: [ReleaseReadiness.Issue] = []
        var errors: [ReleaseReadiness.Issue] = []
        for diagnostic in report.json["diagnostics"]?.arrayValue ?? [] {
            switch diagnostic["severity"]?.stringValue {
            case "warning": warnings.append(issue(diagnostic))
            case "error": errors.append(issue(diagnostic))
            default: break
            }
        }
        let reportReadiness = result["release_readiness"] ?? reported?["release_readiness"]
        warnings += (reportReadiness?["warnings"]?.arrayValue ?? []).map(issue)

        // The report must describe this manifest, for this platform, and say it packaged it.
        let reportedManifest = result["package_manifest"]?["sha256"]?.stringValue
        if let reportedManifest, reportedManifest != package.rawDigest.sha256 {
            errors.append(.init(code: "LP_DEVICE_RELEASE_PACKAGE_REPORT_MISMATCH",
                                message: "the package report describes manifest sha256 \(reportedManifest), not \(package.manifestPath) (sha256 \(package.rawDigest.sha256))",
                                field: "result.package_manifest.sha256"))
        }
        if let reportedTarget = result["target"]?.stringValue, reportedTarget != package.target {
            errors.append(.init(code: "LP_DEVICE_RELEASE_PACKAGE_REPORT_MISMATCH",
                                message: "the package report is for target \(reportedTarget), the package manifest for \(package.target)",
                                field: "result.target"))
        }
        if report.json["ok"]?.boolValue == false {
            errors.append(.init(code: "LP_DEVICE_PACKAGE_REPORT_FAILED",
                                message: "the package report says x07-wasm device package failed (exit \(report.json["exit_code"]?.intValue ?? -1))",
                                field: "ok"))
        }
        let target = ReleaseTarget(rawValue: package.target)
        if target != provider.target {
            errors.append(.init(code: "LP_DEVICE_RELEASE_TARGET_MISMATCH",
                                message: "the package targets \(package.target), the provider \(provider.id) releases to \(provider.target.rawValue)",
                                field: "target"))
        }
        let declared = Set(package.telemetry["event_classes"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        let missing = NativeSummary.standardTelemetryClasses.filter { !declared.contains($0) }
        if !missing.isEmpty {
            errors.append(.init(code: "LP_DEVICE_RELEASE_TELEMETRY_CLASSES_MISSING",
                                message: "the telemetry profile does not report \(missing.joined(separator: ", "))", field: "telemetry_profile"))
        }
        let sidecar = capabilities(fromSidecar: package.capabilities)
        if permissions(of: sidecar).isEmpty {
            errors.append(.init(code: "LP_DEVICE_RELEASE_PERMISSION_DECLARATIONS_MISSING",
                                message: "the package's capabilities declare no permission a store release can carry", field: "capabilities"))
        }
        errors += (reportReadiness?["errors"]?.arrayValue ?? []).map(issue)
        if reportReadiness?["status"]?.stringValue == "error", errors.isEmpty {
            errors.append(.init(code: "LP_DEVICE_RELEASE_NATIVE_SUMMARY_INVALID",
                                message: "the package report's release readiness is error without naming an error", field: "release_readiness"))
        }

        let capabilities = reported?["capabilities"].flatMap(Self.capabilities(fromReport:)) ?? sidecar
        let summary = NativeSummary(
            target_kind: target ?? provider.target, provider_kind: provider.kind,
            package_manifest_sha256: reportedManifest ?? package.rawDigest.sha256,
            capabilities: capabilities,
            permission_declarations: reported?["permission_declarations"]?.arrayValue?.compactMap(\.stringValue) ?? permissions(of: sidecar),
            telemetry_classes: reported?["telemetry_classes"]?.arrayValue?.compactMap(\.stringValue)
                ?? package.telemetry["event_classes"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        return NativeReadiness(summary: summary, readiness: ReleaseReadiness(warnings: warnings, errors: errors))
    }

    /// A report diagnostic or readiness item as a readiness issue, its code and message made to
    /// fit the plan's contract (an upper-case code of at most 64 characters, a message).
    static func issue(_ item: JSON) -> ReleaseReadiness.Issue {
        var code = item["code"]?.stringValue ?? ""
        let fits = code.utf8.count <= 64 && code.first.map { $0.isASCII && $0.isUppercase } == true
            && code.unicodeScalars.allSatisfy { ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-" }
        if !fits { code = defaultReportCode }
        var message = item["message"]?.stringValue ?? ""
        if message.isEmpty { message = code }
        let field = item["field"]?.stringValue ?? item["path"]?.stringValue
        return .init(code: code, message: String(message.prefix(4096)), field: field.map { String($0.prefix(256)) })
    }

    /// `x07.device.capabilities@0.2.0` (validated) → the summary's six capabilities.
    static func capabilities(fromSidecar sidecar: JSON) -> NativeCapabilities {
        let device = sidecar["device"] ?? [:]
        let blob = device["blob_store"] ?? [:]
        return NativeCapabilities(
            camera_photo: device["camera"]?["photo"]?.boolValue ?? false,
            files_pick: device["files"]?["pick"]?.boolValue ?? false,
            blob_store: .init(enabled: blob["enabled"]?.boolValue ?? false, max_total_bytes: blob["max_total_bytes"]?.intValue ?? 1,
                              max_item_bytes: blob["max_item_bytes"]?.intValue ?? 1),
            location_foreground: device["location"]?["foreground"]?.boolValue ?? false,
            notifications_local: device["notifications"]?["local"]?.boolValue ?? false,
            notifications_push: device["notifications"]?["push"]?.boolValue ?? false)
    }

    /// A report's capability summary (validated) → the six capabilities a plan keeps.
    static func capabilities(fromReport report: JSON) -> NativeCapabilities? {
        guard let blob = report["blob_store"] else { return nil }
        func flag(_ name: String) -> Bool { report[name]?.boolValue ?? false }
        return NativeCapabilities(
            camera_photo: flag("camera_photo"), files_pick: flag("files_pick"),
            blob_store: .init(enabled: blob["enabled"]?.boolValue ?? false, max_total_bytes: blob["max_total_bytes"]?.intValue ?? 0,
                              max_item_bytes: blob["max_item_bytes"]?.intValue ?? 0),
            location_foreground: flag("location_foreground"), notifications_local: flag("notifications_local"),
            notifications_push: flag("notifications_push"))
    }

    /// The permissions a store listing declares for these capabilities, in a fixed order.
    static func permissions(of capabilities: NativeCapabilities) -> [String] {
        [("camera", capabilities.camera_photo), ("files_pick", capabilities.files_pick),
         ("location_foreground", capabilities.location_foreground),
         ("notifications", capabilities.notifications_local || capabilities.notifications_push)]
            .filter(\.1).map(\.0)
    }
}
