import LPCore
import LPState
import LPModel
import LPIndex
import LPStage
import LPIncident
import LPRuntime
import Foundation

/// The local target (docs/deploy.md): each slot is a directory `runtime/<exec>/<slot>` holding the
/// pack's served tree (see `SlotTree`), which a web server can serve as it is, and the routing
/// state is `router/<exec>.json`. Nothing runs: starting a slot means checking its tree.
///
/// Every operation works on the files alone, so a crash at any instant is recovered by running
/// the interrupted operation again (the `DeployTarget` contract). Mutating operations require the
/// state's writer lock; `health` and `RouterState.load` do not.
public struct LocalTarget: DeployTarget {
    public let state: StateDirectory

    public init(state: StateDirectory) { self.state = state }

    public var name: String { "local" }

    @discardableResult
    public func prepare(_ slot: Slot, execId: String, pack: PackLayout, nowUnixMs: Int64, in tx: WriteTransaction) throws -> SlotState {
        let previous = try RouterState.load(state: tx, execId: execId)
        var router = previous ?? RouterState(execId: execId, nowUnixMs: nowUnixMs)
        let directory = slotDirectory(slot, execId)
        let current = router[slot]
        if current.revision_digest == pack.revision, current.status != .stopped,
           tree.verify(directory, revision: pack.revision).isEmpty {
            return current
        }
        if slot == .candidate, router.weight_pct > 0 {
            throw LPError(.usage, code: "LP_SLOT_BUSY",
                          "the candidate of \(execId) carries \(router.weight_pct)% of the traffic; set the weight to 0 or stop the candidate before preparing it again")
        }
        try tree.materialize(pack, at: directory)
        router[slot] = SlotState(status: .planned, path: current.path, revision_digest: pack.revision)
        return try save(router, previous: previous, nowUnixMs: nowUnixMs, in: tx)[slot]
    }

    @discardableResult
    public func startSlot(_ slot: Slot, execId: String, nowUnixMs: Int64, in tx: WriteTransaction) throws -> SlotState {
        let previous = try existingRouter(execId, tx)
        var router = previous
        guard let revision = router[slot].revision_digest, router[slot].status != .stopped else {
            throw LPError(.usage, code: "LP_SLOT_NOT_PREPARED",
                          "the \(slot.rawValue) slot of \(execId) is \(router[slot].status.rawValue) and holds no prepared revision; prepare it first")
        }
        let problems = tree.verify(slotDirectory(slot, execId), revision: revision)
        router[slot].status = problems.isEmpty ? .healthy : .failed
        router = try save(router, previous: previous, nowUnixMs: nowUnixMs, in: tx)
        return router[slot]
    }

    @discardableResult
    public func setWeight(_ pct: Int, execId: String, nowUnixMs: Int64, in tx: WriteTransaction) throws -> RouterState {
        guard (0...100).contains(pct) else {
            throw LPError(.invalidInput, code: "LP_WEIGHT_RANGE", "weight \(pct) is outside 0...100")
        }
        let previous = try existingRouter(execId, tx)
        var router = previous
        if pct > 0, !router.candidate.status.isServing {
            throw LPError(.usage, code: "LP_SLOT_NOT_STARTED",
                          "the candidate of \(execId) is \(router.candidate.status.rawValue); start it before sending it traffic")
        }
        router.weight_pct = pct
        return try save(router, previous: previous, nowUnixMs: nowUnixMs, in: tx)
    }

    /// The router state is written before the tree goes, so no request is routed to a slot that
    /// is being removed; a crash in between leaves a stopped slot whose tree the re-run removes.
    @discardableResult
    public func stopSlot(_ slot: Slot, execId: String, nowUnixMs: Int64, in tx: WriteTransaction) throws -> RouterState {
        let previous = try existingRouter(execId, tx)
        var router = previous
        router[slot].status = .stopped
        if slot == .candidate { router.weight_pct = 0 }
        router = try save(router, previous: previous, nowUnixMs: nowUnixMs, in: tx)
        // A serving nginx stops sending requests to the slot before its tree goes.
        try ServeRuntime(state: state).refresh(pending: router)
        try SlotTree.remove(slotDirectory(slot, execId))
        return router
    }

    /// The candidate tree is renamed over the stable one, then the router state is written. A
    /// crash in between leaves no candidate tree and a stable tree of the candidate's revision:
    /// the re-run recognises that by the tree's manifest and only writes the router state.
    @discardableResult
    public func promote(execId: String, nowUnixMs: Int64, in tx: WriteTransaction) throws -> RouterState {
        let previous = try existingRouter(execId, tx)
        var router = previous
        let candidate = router.candidate
        let candidateDirectory = slotDirectory(.candidate, execId)
        let stableDirectory = slotDirectory(.stable, execId)
        let notStarted = LPError(.usage, code: "LP_SLOT_NOT_STARTED",
                                 "the candidate of \(execId) is \(candidate.status.rawValue); only a started candidate can be promoted")
        guard let revision = candidate.revision_digest else { throw notStarted }
        SlotTree.removeLeftovers(of: candidateDirectory)
        SlotTree.removeLeftovers(of: stableDirectory)
        if FileManager.default.fileExists(atPath: candidateDirectory) {
            guard candidate.status.isServing else { throw notStarted }
            let problems = tree.verify(candidateDirectory, revision: revision)
            guard problems.isEmpty else { throw SlotHealth(slot: .candidate, problems: problems).error(execId: execId) }
            try SlotTree.replace(stableDirectory, with: candidateDirectory)
        } else if !tree.verify(stableDirectory, revision: revision).isEmpty {
            throw notStarted
        }
        router.stable = SlotState(status: .healthy, path: router.stable.path, revision_digest: revision)
        router.candidate.status = .stopped
        router.weight_pct = 0
        return try save(router, previous: previous, nowUnixMs: nowUnixMs, in: tx)
    }

    /// Probes the slot's tree whatever its recorded status says, except for a stopped slot.
    public func health(_ slot: Slot, execId: String) -> SlotHealth {
        let router: RouterState?
        do { router = try RouterState.load(state: state, execId: execId) } catch {
            return SlotHealth(slot: slot, problems: ["\(error)"])
        }
        guard let current = router?[slot] else {
            return SlotHealth(slot: slot, problems: ["deployment \(execId) has no router state"])
        }
        guard current.status != .stopped else { return SlotHealth(slot: slot, problems: ["the slot is stopped"]) }
        guard let revision = current.revision_digest else {
            return SlotHealth(slot: slot, problems: ["the slot holds no prepared revision"])
        }
        return SlotHealth(slot: slot, problems: tree.verify(slotDirectory(slot, execId), revision: revision))
    }

    // MARK: - Helpers

    private var tree: SlotTree { SlotTree(store: BlobStore(state: state)) }

    /// Absolute path of a slot directory (`RouterState.load` has checked `execId` by then).
    private func slotDirectory(_ slot: Slot, _ execId: String) -> String {
        state.path(StateDirectory.runtimeSlot(execId, slot.rawValue))
    }

    private func existingRouter(_ execId: String, _ tx: WriteTransaction) throws -> RouterState {
        guard let router = try RouterState.load(state: tx, execId: execId) else {
            throw LPError(.usage, code: "LP_NOT_FOUND", "deployment \(execId) has no router state; prepare a slot first")
        }
        return router
    }

    /// Writes `router` when it differs from what is on disk, stamped with `nowUnixMs`; an
    /// operation that changes nothing (a re-run) leaves the file and its timestamp alone.
    private func save(_ router: RouterState, previous: RouterState?, nowUnixMs: Int64, in tx: WriteTransaction) throws -> RouterState {
        guard router != previous else { return router }
        var stamped = router
        stamped.updated_unix_ms = nowUnixMs
        try stamped.write(in: tx)
        return stamped
    }
}
