import LPCore
import LPState
import LPModel
import Foundation

/// `incident.meta.remote.json` (`lp.incident.bundle.meta.remote@0.2.0`) beside the
/// `incident.meta.local.json` of each incident of a deployment run through x07lpd: the local
/// lifecycle plus the daemon and runtime it happened on. The local meta stays the record (the
/// incident verbs read it); this file is derived from it and written again after every change
/// the daemon makes (capture, regress, the end of a run), so it never tells an older status.
enum RemoteIncidentMeta {
    static let schemaVersion = "lp.incident.bundle.meta.remote@0.2.0"
    static let fileName = "incident.meta.remote.json"
    static let classifications: Set = ["http_5xx", "runtime_start_failed", "runtime_health_failed", "slo_rollback", "manual_capture",
                                       "app_kill", "platform_kill", "remote_upload_failed", "remote_secret_not_found",
                                       "remote_capabilities_mismatch", "remote_probe_failed"]
    static let sources: Set = ["router", "runtime", "slo", "manual", "control_plane", "remote_api"]

    /// Every incident of deployment `id` (when it was run through x07lpd with a target profile).
    static func materialize(state root: String, deploymentId id: String) {
        let state = StateDirectory(root: root)
        guard let execution = try? ExecutionStore(state: state).load(id), let json = try? JSON(encoding: execution),
              let meta = json["meta"], let profile = meta["ext"]?["remote"]?["target_profile"], case .object = profile,
              let app = meta["target"]?["app_id"]?.stringValue, let env = meta["target"]?["environment"]?.stringValue else { return }
        let parent = root + "/" + StateDirectory.incidentDirectory(app: app, env: env, id: "")
        for incident in ((try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? []).sorted() {
            let location = IncidentLocation(app: app, env: env, id: incident)
            guard let bytes = try? InputDocument.readFile(root + "/" + location.metaPath, limit: 1 << 20),
                  let local = try? JSONParser.parse(bytes), local["deployment_id"] == .string(id),
                  let document = view(of: local, execution: meta, profile: profile) else { continue }
            _ = try? AtomicFile.write(document.canonicalBytes, to: root + "/" + location.directory + "/" + fileName)
        }
    }

    /// The incident `incidentId`'s deployment, then `materialize` (after a regression).
    static func materialize(state root: String, incidentId: String) {
        let base = root + "/incidents"
        for app in (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? [] {
            for env in (try? FileManager.default.contentsOfDirectory(atPath: base + "/" + app)) ?? [] {
                let location = IncidentLocation(app: app, env: env, id: incidentId)
                guard let bytes = try? InputDocument.readFile(root + "/" + location.metaPath, limit: 1 << 20),
                      let deployment = (try? JSONParser.parse(bytes))?["deployment_id"]?.stringValue else { continue }
                materialize(state: root, deploymentId: deployment)
                return
            }
        }
    }

    /// The remote meta of one local incident meta; nil when its classification or source has no
    /// remote counterpart (device release incidents never run through x07lpd).
    static func view(of local: JSON, execution meta: JSON, profile: JSON) -> JSON? {
        guard let classification = local["classification"]?.stringValue, classifications.contains(classification),
              let source = local["source"]?.stringValue, let target = local["target"] else { return nil }
        let app = target["app_id"]?.stringValue ?? "", env = target["environment"]?.stringValue ?? ""
        var document: JSON = [
            "schema_version": .string(schemaVersion), "classification": .string(classification),
            "source": .string(sources.contains(source) ? source : "remote_api"),
            "provider": ["server_id": .string(Capabilities.serverId), "runtime_provider": "lp.impl.runtime.wasmcloud_v1",
                         "routing_provider": "lp.impl.routing.edge_http_v1", "telemetry_provider": .null],
            "remote_runtime": ["lattice_id": .string(profile["lattice_id"]?.stringValue ?? "default"), "application_name": .string(app + "-" + env),
                               "instance_ref": .null],
            "public_base_url": meta["public_listener"] ?? .null,
            "release_plan_id": .null, "release_exec_id": .null, "edge_request_id": .null, "device_release": .null, "native_context": .null,
        ]
        for key in ["incident_status", "deployment_id", "run_id", "target", "captured_unix_ms", "request_id", "trace_id", "pack_digest",
                    "slot", "candidate_weight_pct", "status_code", "route_key", "decision_id", "regression_id"] {
            document = document.setting(key, local[key] ?? .null)
        }
        if document["slot"] == .null { document = document.setting("slot", "none") }
        return document
    }
}
