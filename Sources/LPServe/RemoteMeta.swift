import LPCore
import LPState
import LPModel
import LPIndex

/// `meta.ext.remote` of an execution run through x07lpd: the daemon, the token name that asked,
/// and the app/env lease of the run (released or not).
enum RemoteMeta {
    static func record(state root: String, execId: String, lease: Lease, tokenName: String, releasedMs: Int64?) throws {
        let state = StateDirectory(root: root, observer: IndexMaintenance())
        let store = ExecutionStore(state: state)
        try state.write { tx in
            guard try store.load(execId, from: tx).localMeta != nil else { return }
            try store.update(execId, in: tx) { execution in
                guard case .local(var meta)? = execution.meta else { return }
                let control: JSON = ["lock_id": .string(lease.lock_id), "lease_holder": .string(lease.lease_holder),
                                     "lease_expires_unix_ms": .number(Double(lease.lease_expires_unix_ms)),
                                     "target_generation": .number(Double(lease.target_generation)),
                                     "released_unix_ms": releasedMs.map { .number(Double($0)) } ?? .null]
                let remote: JSON = ["server_id": .string(Capabilities.serverId), "requested_by": .string(tokenName),
                                    "control": control]
                meta.ext = (meta.ext ?? [:]).setting("remote", remote)
                execution.meta = .local(meta)
            }
        }
    }
}
