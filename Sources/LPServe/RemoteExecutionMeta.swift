import LPCore

/// `lp.deploy.execution.meta.remote@0.1.0`: what `deploy query --view full` on x07lpd shows as
/// `execution.meta` of an execution run through it (one whose stored local meta carries
/// `ext.remote`). It is a view, built when queried from the stored meta, as the reference does:
/// the stored record stays `lp.deploy.execution.meta.local@0.1.0`, so local tools read it alike.
/// The contract is shaped on a wasmCloud runtime; docs/remote.md says how x07lpd's parts map.
enum RemoteExecutionMeta {
    static let schemaVersion = "lp.deploy.execution.meta.remote@0.1.0"
    static let outcomes: Set = ["unknown", "promoted", "rolled_back", "aborted", "failed"]
    static let slotStatuses: Set = ["planned", "started", "healthy", "stopped", "failed"]
    static let analysisDecisions: Set = ["none", "promote", "rollback", "inconclusive"]

    /// The view of a stored execution document, or nil when it was not run through x07lpd with
    /// a target profile (then its local meta is shown as it is).
    static func view(of execution: JSON, nowMs: Int64) -> JSON? {
        guard let meta = execution["meta"], let remote = meta["ext"]?["remote"], let profile = remote["target_profile"],
              case .object = profile, let app = meta["target"]?["app_id"]?.stringValue,
              let env = meta["target"]?["environment"]?.stringValue else { return nil }
        let runtime = meta["runtime"] ?? .null
        guard let revision = runtime["candidate"]?["revision_digest"] ?? runtime["stable"]?["revision_digest"],
              revision["sha256"]?.stringValue != nil else { return nil }
        let capabilities = Capabilities.document(nowMs: nowMs)
        let listener = meta["public_listener"] ?? meta["routing"]?["public_listener"] ?? .null
        let application = app + "-" + env
        let created = execution["created_unix_ms"] ?? .number(Double(nowMs))
        func slot(_ name: String) -> JSON {
            let stored = runtime[name] ?? .null
            let status = stored["status"]?.stringValue.flatMap { slotStatuses.contains($0) ? $0 : nil } ?? "planned"
            let health = stored["health"] ?? .null
            return ["revision_digest": stored["revision_digest"] ?? .null, "app_name": .string(application),
                    "instance_ref": .string("\(Capabilities.serverId)/\(execution["exec_id"]?.stringValue ?? "")/\(name)"),
                    "endpoint_url": name == "candidate" ? listener : .null, "status": .string(status),
                    "started_unix_ms": stored["started_unix_ms"] ?? .null, "ended_unix_ms": stored["ended_unix_ms"] ?? .null,
                    "health": ["ok": health["ok"] ?? false, "last_probe_unix_ms": health["last_probe_unix_ms"] ?? .null,
                               "last_report": artifact(health["last_report"])]]
        }
        let routing = meta["routing"] ?? .null
        let analysis = meta["analysis"] ?? .null
        let control = remote["control"] ?? .null
        let outcome = meta["outcome"]?.stringValue.flatMap { outcomes.contains($0) ? $0 : nil } ?? "unknown"
        let decision = analysis["last_slo_decision"]?.stringValue.flatMap { analysisDecisions.contains($0) ? $0 : nil } ?? "none"
        var plan = JSON.null
        if meta["plan"]?["kind"] == "x07.deploy.plan@0.2.0", let digest = meta["plan"]?["digest"] {
            plan = ["kind": "x07.deploy.plan@0.2.0", "digest": digest]
        }
        return [
            "schema_version": .string(schemaVersion), "mode": "remote", "artifact_kind": "x07.app.pack@0.1.0",
            "target": ["app_id": .string(app), "environment": .string(env)],
            "target_profile": profile,
            "server": ["server_id": .string(Capabilities.serverId), "base_url": profile["base_url"] ?? .null, "api_version": "v1",
                       "capabilities_digest": capabilities["capabilities_digest"] ?? .null],
            "provider": ["runtime_provider": capabilities["runtime_provider"] ?? .null, "routing_provider": capabilities["routing_provider"] ?? .null,
                         "telemetry_provider": capabilities["telemetry_provider"] ?? .null, "secrets_provider": capabilities["secrets_provider"] ?? .null,
                         "component_registry": capabilities["component_registry"] ?? .null],
            "outcome": .string(outcome),
            "started_unix_ms": meta["started_unix_ms"] ?? .null, "updated_unix_ms": meta["updated_unix_ms"] ?? created,
            "ended_unix_ms": meta["ended_unix_ms"] ?? .null, "latest_decision_id": meta["latest_decision_id"] ?? .null,
            "plan": plan,
            "runtime": ["lattice_id": .string(profile["lattice_id"]?.stringValue ?? "default"),
                        "application_name": .string(application), "stable": slot("stable"), "candidate": slot("candidate")],
            "publish": publish(remote["publish"], revision: revision, app: app, env: env, published: meta["started_unix_ms"] ?? created),
            "routing": ["public_base_url": listener, "listener_id": .null,
                        "candidate_weight_pct": routing["candidate_weight_pct"] ?? 0, "algorithm": "hash_bucket_v1",
                        "route_key_header": "X-LP-Route-Key", "last_updated_step_idx": routing["last_updated_step_idx"] ?? .null,
                        "router_state": artifact(routing["router_state"])],
            "analysis": ["last_slo_decision": .string(decision), "last_snapshot": artifact(analysis["last_snapshot"]),
                         "last_slo_report": artifact(analysis["last_slo_report"]),
                         "last_analysis_step_idx": analysis["last_analysis_step_idx"] ?? .null],
            "control": ["lock_id": control["lock_id"] ?? .null, "lease_expires_unix_ms": control["lease_expires_unix_ms"] ?? .null,
                        "target_generation": control["target_generation"] ?? 0, "lease_holder": control["lease_holder"] ?? .null,
                        "last_idempotency_key": .null],
            // What the contract has no member for: who asked, when the lease was let go, the OCI tag.
            "ext": ["x07lpd": ["requested_by": remote["requested_by"] ?? .null, "lease_released_unix_ms": control["released_unix_ms"] ?? .null,
                               "oci_tag": remote["publish"]?["tag"] ?? .null,
                               "oci_manifest_digest": remote["publish"]?["oci_manifest_digest"] ?? .null]],
        ]
    }

    /// The component's OCI artifact when the run published one. Without a registry the contract
    /// still wants a publish: the pack manifest, under the reserved `registry.invalid` (it names
    /// no registry) as the reference does. `wadm_manifest_digest` is the pack manifest the slots
    /// were built from (x07lpd's runtime deploys it; there is no wadm).
    static func publish(_ stored: JSON?, revision: JSON, app: String, env: String, published: JSON) -> JSON {
        if let stored, let refs = stored["component_refs"] {
            return ["registry": stored["registry"] ?? .null, "repository": stored["repository"] ?? .null,
                    "namespace": stored["namespace"] ?? .null, "component_refs": refs, "wadm_manifest_digest": revision,
                    "published_unix_ms": stored["published_unix_ms"] ?? published]
        }
        let sha = revision["sha256"]?.stringValue ?? ""
        return ["registry": "registry.invalid", "repository": .string(app), "namespace": .string(env),
                "component_refs": [["role": "app", "oci_ref": .string("registry.invalid/\(env)/\(app)@sha256:\(sha)"), "digest": revision]],
                "wadm_manifest_digest": revision, "published_unix_ms": published]
    }

    /// An artifact reference as the contract's `artifact_ref_min` (kind, digest, label, store_uri,
    /// media_type; a label longer than the contract allows is left out).
    static func artifact(_ ref: JSON?) -> JSON {
        guard let ref, let digest = ref["digest"], digest != .null else { return .null }
        var out: JSON = ["digest": digest]
        for key in ["kind", "store_uri", "media_type"] { if let value = ref[key], value != .null { out = out.setting(key, value) } }
        if let label = ref["label"]?.stringValue, label.utf8.count <= 256 { out = out.setting("label", .string(label)) }
        return out
    }
}
