import LPCore
import LPState
import LPModel
import LPIndex

/// `meta.ext.remote` of an execution run through x07lpd: the daemon, the token name that asked,
/// the app/env lease of the run (released or not), and where its component was published.
/// Each record sets its members and keeps the others.
enum RemoteMeta {
    /// After a run: the lease, who asked, and `members` from the run request (`RunFiles.remote`:
    /// the client's target profile, the publish of the run's component).
    static func record(state root: String, execId: String, lease: Lease, tokenName: String, releasedMs: Int64?,
                       members extra: [String: JSON]) throws {
        let control: JSON = ["lock_id": .string(lease.lock_id), "lease_holder": .string(lease.lease_holder),
                             "lease_expires_unix_ms": .number(Double(lease.lease_expires_unix_ms)),
                             "target_generation": .number(Double(lease.target_generation)),
                             "released_unix_ms": releasedMs.map { .number(Double($0)) } ?? .null]
        var members: [String: JSON] = ["server_id": .string(Capabilities.serverId), "requested_by": .string(tokenName), "control": control]
        for key in ["target_profile", "publish"] { if let value = extra[key] { members[key] = value } }
        try update(state: root, execId: execId, members)
    }

    /// The OCI artifact of a run's component, as `lp.deploy.execution.meta.remote` names its
    /// members (`oci_manifest_digest` and `tag` are ours: x07lpd has no wadm manifest).
    static func publish(_ published: OCIPublisher.Published, nowMs: Int64) throws -> JSON {
        let component: JSON = ["role": "app", "oci_ref": .string(published.reference), "digest": try JSON(encoding: published.component)]
        return ["registry": .string(published.registry), "namespace": .string(published.namespace),
                "repository": .string(published.repository), "tag": .string(published.tag),
                "component_refs": [component], "oci_manifest_digest": try JSON(encoding: published.manifest),
                "published_unix_ms": .number(Double(nowMs))]
    }

    private static func update(state root: String, execId: String, _ members: [String: JSON]) throws {
        let state = StateDirectory(root: root, observer: IndexMaintenance())
        let store = ExecutionStore(state: state)
        try state.write { tx in
            guard try store.load(execId, from: tx).localMeta != nil else { return }
            try store.update(execId, in: tx) { execution in
                guard case .local(var meta)? = execution.meta else { return }
                var remote = meta.ext?["remote"] ?? [:]
                for (key, value) in members { remote = remote.setting(key, value) }
                meta.ext = (meta.ext ?? [:]).setting("remote", remote)
                execution.meta = .local(meta)
            }
        }
    }
}
