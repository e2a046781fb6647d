import LPCore
import LPState
import LPModel
import LPIndex
import LPStage

/// Where a file sits in the state directory (docs/state.md#layout) and therefore what `state verify` checks.
enum StateArea: Equatable {
    /// `store/blobs/sha256/<prefix>/<name>`
    case blob(prefix: String, name: String)
    /// `store/meta/sha256/<prefix>/<name>` (name without `.json`)
    case blobMeta(prefix: String, name: String)
    /// Any other file in the blob or meta area.
    case strayInStore
    case record(RecordFile)
    /// `keys/*.key.pem`
    case privateKey
    /// A temp file left by an interrupted atomic write: `.<name>.tmp-*`, including the blob
    /// writer's `.incoming.tmp-*`.
    case temporary
    /// Not checked: `index/`, `.lock`, `runtime/`, `router/`, public keys (read separately).
    case ignored
}

/// A JSON record and what its location says about it.
struct RecordFile: Equatable {
    enum Kind: Equatable {
        case run, decision, execution, plan, controlAction, killSwitch, incidentBundle, incidentMeta, regression
        // device releases (`device_release/`)
        case devicePlan, deviceExecution, deviceProvider, devicePackageManifest, devicePackageReport, deviceSLOProfile
        case deviceEvidence, deviceMetricsSnapshot
    }

    var path: String
    var kind: Kind
    /// The schema name (before `@`) a record in this place must declare, when the place fixes it.
    var expectedSchema: String?
    /// The member that must equal `expectedId` (the file's stem or its directory's name).
    var idField: String?
    var expectedId: String?
}

enum StateLayout {
    static func isTemporary(_ name: String) -> Bool {
        name.hasPrefix(".") && name.contains(".tmp-")
    }

    static func classify(_ path: String) -> StateArea {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard let name = parts.last else { return .ignored }
        if isTemporary(name) { return .temporary }
        switch parts.first {
        case "store":
            if parts.count == 5, parts[1] == "blobs", parts[2] == "sha256" {
                return .blob(prefix: parts[3], name: name)
            }
            if parts.count == 5, parts[1] == "meta", parts[2] == "sha256", name.hasSuffix(".json") {
                return .blobMeta(prefix: parts[3], name: String(name.dropLast(5)))
            }
            let inStore = parts.count > 3 && ["blobs", "meta"].contains(parts[1]) && parts[2] == "sha256"
            return inStore ? .strayInStore : .ignored
        case "keys":
            return parts.count == 2 && name.hasSuffix(".key.pem") ? .privateKey : .ignored
        default:
            return record(path, parts, name).map(StateArea.record) ?? .ignored
        }
    }

    private static func record(_ path: String, _ parts: [String], _ name: String) -> RecordFile? {
        guard name.hasSuffix(".json") else { return nil }
        let stem = String(name.dropLast(5))
        func file(_ kind: RecordFile.Kind, _ schema: String?, _ idField: String? = nil, _ id: String? = nil) -> RecordFile {
            RecordFile(path: path, kind: kind, expectedSchema: schema, idField: idField, expectedId: idField == nil ? nil : id)
        }
        switch (parts.first, parts.count) {
        case ("runs", 2): return file(.run, "lp.pipeline.run", "run_id", stem)
        case ("decisions", 2): return file(.decision, "lp.decision.record", "decision_id", stem)
        case ("deploy", 2): return file(.execution, "lp.deploy.execution", "exec_id", stem)
        case ("plans", 2): return file(.plan, "x07.deploy.plan")
        case ("control", 3) where parts[1] == "actions":
            return file(.controlAction, "lp.control.action.result", "action_id", stem)
        case ("control", let n) where n >= 3 && parts[1] == "kill": return file(.killSwitch, nil)
        case ("incidents", 5) where name == IncidentLocation.bundleFile:
            return file(.incidentBundle, "lp.incident.bundle", "incident_id", parts[3])
        case ("incidents", 5) where name == IncidentLocation.metaFile:
            return file(.incidentMeta, "lp.incident.bundle.meta.local")
        case (DeviceReleasePaths.root, _):
            return deviceRecord(path, parts, name, stem)
        case ("regressions", let n) where n >= 3:
            switch (n, name) {
            case (3, "request.json"): return file(.regression, "lp.regression.request", "regression_id", parts[1])
            case (3, "result.json"): return file(.regression, "lp.regression.run.result", "regression_id", parts[1])
            default: return file(.regression, nil)
            }
        default: return nil
        }
    }

    /// `device_release/...` (docs/device-release.md#state). The package copies are opaque files
    /// except their manifests; telemetry exports (`.jsonl`) are input, not records.
    private static func deviceRecord(_ path: String, _ parts: [String], _ name: String, _ stem: String) -> RecordFile? {
        func file(_ kind: RecordFile.Kind, _ schema: String?, _ idField: String? = nil) -> RecordFile {
            RecordFile(path: path, kind: kind, expectedSchema: schema, idField: idField, expectedId: idField == nil ? nil : stem)
        }
        switch (parts.count, parts[1]) {
        case (3, "plans"): return file(.devicePlan, "lp.device.release.plan", "plan_id")
        case (3, "executions"): return file(.deviceExecution, "lp.device.release.execution", "exec_id")
        case (3, "providers"): return file(.deviceProvider, "lp.device.store.provider.profile", "provider_id")
        case (3, "packages"): return file(.devicePackageManifest, "x07.device.package.manifest")
        case (3, "package_reports"): return file(.devicePackageReport, "x07.wasm.device.package.report")
        case (3, "slo_profiles"): return file(.deviceSLOProfile, "x07.slo.profile")
        case (3, "evidence"): return file(.deviceEvidence, nil)
        case (4, "telemetry") where name.hasPrefix("analysis."): return file(.deviceMetricsSnapshot, "x07.metrics.snapshot")
        case (4, "package_sources") where name == DeviceReleasePaths.sourceManifestFile,
             (4, "packages") where name == DeviceReleasePaths.stagedManifestFile:
            return file(.devicePackageManifest, "x07.device.package.manifest")
        default: return nil
        }
    }
}
