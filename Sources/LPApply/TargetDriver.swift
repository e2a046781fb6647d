import LPCore
import LPState
import LPModel
import LPIndex
import LPStage
import LPRuntime

/// The step machine's view of a `DeployTarget`: each operation in its own write transaction, with the
/// pack layout fixed for the run and the router state returned as a stored reference.
struct TargetDriver {
    struct RouterRef {
        var digest: DigestRef
        var store_uri: String
    }

    let state: StateDirectory
    let target: DeployTarget
    let layout: PackLayout
    /// The release the deployment replaces (the app/env's last promoted pack), or the new pack
    /// itself on a first deployment, so traffic outside the canary always reaches a working tree.
    let stableLayout: PackLayout
    let clock: LogicalClock

    private var now: Int64 { clock.unixMs() }

    /// Stages the stable release (started) and the candidate (not yet started).
    func prepare(execId: String) throws {
        let stable = try write { tx -> SlotState in
            _ = try target.prepare(.stable, execId: execId, pack: stableLayout, nowUnixMs: now, in: tx)
            let stable = try target.startSlot(.stable, execId: execId, nowUnixMs: now, in: tx)
            // A failed stable slot is recorded as such; the candidate is not prepared beside it.
            if stable.status != .failed {
                _ = try target.prepare(.candidate, execId: execId, pack: layout, nowUnixMs: now, in: tx)
            }
            return stable
        }
        try target.requireHealthy(stable, .stable, execId: execId)
    }

    /// Starts the candidate; returns the revision it serves.
    func startCandidate(execId: String) throws -> DigestRef {
        let candidate = try write { tx in try target.startSlot(.candidate, execId: execId, nowUnixMs: now, in: tx) }
        try target.requireHealthy(candidate, .candidate, execId: execId)
        return layout.revision
    }

    func setWeight(_ pct: Int, execId: String, nowUnixMs: Int64) throws -> RouterRef {
        try write { tx in try reference(try target.setWeight(pct, execId: execId, nowUnixMs: nowUnixMs, in: tx), execId: execId) }
    }

    /// Probes the candidate and stores the result (`x07lp.slot.health@0.1.0`) as evidence. When
    /// `x07lp serve` runs, the slot must also answer over HTTP through its listener.
    func probe(_ slot: Slot, execId: String) throws -> ArtifactRef {
        var health = target.health(slot, execId: execId)
        var document = try JSON(encoding: health).setting("schema_version", .string(SchemaVersion.slotHealth))
        if health.ok, let requests = try SlotProbe(runtime: ServeRuntime(state: state)).probe(slot, execId: execId) {
            health = SlotHealth(slot: slot, problems: requests.filter { !$0.ok }.map { "GET \($0.url) answered \($0.status)" })
            document = try JSON(encoding: health).setting("schema_version", .string(SchemaVersion.slotHealth))
                .setting("http", .array(requests.map(\.json)))
        }
        guard health.ok else {
            throw LPError(.stateCorrupt, code: "LP_SLOT_UNHEALTHY", "\(slot.rawValue) slot of \(execId) is unhealthy: \(health.problems.joined(separator: "; "))")
        }
        return try state.write { tx in try tx.putBlob(document, logicalName: "runtime.probe") }
    }

    /// The candidate of this run is already the stable slot: the target promoted it.
    func isPromoted(execId: String) throws -> Bool {
        guard let router = try RouterState.load(state: state, execId: execId) else { return false }
        return router.candidate.status == .stopped && router.stable.revision_digest == layout.revision
            && router.candidate.revision_digest == layout.revision
    }

    func promote(execId: String) throws {
        try write { tx in _ = try target.promote(execId: execId, nowUnixMs: now, in: tx) }
    }

    func stopCandidate(execId: String) throws {
        try write { tx in _ = try target.stopSlot(.candidate, execId: execId, nowUnixMs: now, in: tx) }
    }

    /// A target operation in its own transaction; once committed, the serving nginx (when it
    /// runs) takes the new router state.
    private func write<T>(_ body: (WriteTransaction) throws -> T) throws -> T {
        let result = try state.write(body)
        try ServeRuntime(state: state).refresh()
        return result
    }

    private func reference(_ router: RouterState, execId: String) throws -> RouterRef {
        RouterRef(digest: DigestRef(of: try router.document()), store_uri: "file:" + StateDirectory.router(execId))
    }
}
