import LPCore
import LPStage

/// `GET /v1/capabilities`: what this daemon offers (`lp.remote.capabilities.response@0.1.0`). The
/// digest covers everything but the time stamp, so a client can pin it in its target profile.
enum Capabilities {
    static let serverId = "x07lpd-self-hosted"

    static func document(nowMs: Int64) -> JSON {
        var doc = stable()
        doc = doc.setting("capabilities_digest", digest(of: doc))
        return doc.setting("generated_unix_ms", .number(Double(nowMs)))
    }

    /// Everything but `generated_unix_ms` and the digest itself.
    static func stable() -> JSON {
        let schemas = ((try? ContractCatalog.locate())?.entries.map(\.schema_version) ?? [])
            + ["lp.remote.capabilities.response@0.1.0", "lp.remote.events.result@0.1.0", "lp.remote.logs.result@0.1.0"]
        return [
            "schema_version": "lp.remote.capabilities.response@0.1.0",
            "api_version": "v1",
            "server_id": .string(serverId),
            // The contract fixes the provider ids; x07lpd's own parts are nginx, fcgiwrap and lp-serve.
            "runtime_provider": "lp.impl.runtime.wasmcloud_v1",
            "routing_provider": "lp.impl.routing.edge_http_v1",
            "telemetry_provider": "lp.impl.telemetry.otlp_http_v1",
            "secrets_provider": "lp.impl.secrets.server_store_v1",
            "component_registry": "lp.impl.component_registry.oci_v1",
            "artifact_distribution": "oci",
            "accepted_artifact_kinds": ["x07.app.pack@0.1.0"],
            "supported_schema_ids": .array(Set(schemas).sorted().map(JSON.string)),
            "supported_deploy_plan_versions": ["x07.deploy.plan@0.2.0"],
            "features": ["incidents": true, "regressions": true, "pause": true, "rerun": true, "weighted_canary": true,
                         "otlp": false, "server_side_secrets": true, "authenticated_oci_push": true, "registry_tls": true,
                         "event_stream": true, "signed_control_actions": true],
            "limits": ["max_blob_bytes": .number(Double(ServeLimits.maxBlobBytes)),
                       "max_parallel_uploads": .number(Double(ServeLimits.maxParallelUploads)),
                       "max_presence_batch": .number(Double(ServeLimits.maxPresenceBatch)),
                       "max_query_limit": .number(Double(ServeLimits.maxQueryLimit))],
            "auth": ["scheme": "bearer", "token_kind": "opaque",
                     "required_scopes": ["lp.deploy.read", "lp.deploy.write", "lp.artifacts.read", "lp.artifacts.write",
                                         "lp.incident.read", "lp.incident.write", "lp.regression.write", "lp.adapter.read"]],
        ]
    }

    static func digest(of document: JSON) -> JSON {
        let bytes = document.canonicalBytes
        return ["sha256": .string(SHA256.hex(bytes)), "bytes_len": .number(Double(bytes.count))]
    }
}
