import LPCore
import LPState
import LPModel
import LPIndex
import LPStage
import LPIncident
/// The operations lp-apply drives a deployment with (docs/deploy.md). `LocalTarget` implements them
/// over the state directory; a provider adapter implements the same contract elsewhere.
///
/// Contract shared by every mutating operation:
/// - it is idempotent: re-running it after a crash at any instant (or after it succeeded) must
///   succeed and leave the same result, never a second copy of anything;
/// - it runs in a write transaction of the state directory, and records what it did in the router
///   state (`RouterState`, `router/<exec>.json`) before it returns;
/// - `nowUnixMs` is the time it records (`updated_unix_ms`), so pinned clocks give stable bytes;
/// - errors are `LPError`s whose exit code says whose fault it is (2 usage, 3 bad input,
///   19 damaged state).
public protocol DeployTarget {
    /// The target's name as executions record it (`local`, or a provider's name).
    var name: String { get }

    /// Stages `pack` in `slot` without sending it traffic: the slot ends `planned` with
    /// `revision_digest` = `pack.revision`. Preparing the revision a slot already holds intact is
    /// a no-op (a started slot stays started). Preparing another revision in the candidate while
    /// it carries traffic is refused (LP_SLOT_BUSY): set the weight to 0 or stop it first.
    @discardableResult
    func prepare(_ slot: Slot, execId: String, pack: PackLayout, nowUnixMs: Int64, in tx: WriteTransaction) throws -> SlotState

    /// Starts a prepared slot and checks its health: the slot is recorded `healthy`, or `failed`
    /// (the caller commits that record, then refuses to go on: `SlotState.requireHealthy`). A slot
    /// that was never prepared, or was stopped since, fails with LP_SLOT_NOT_PREPARED.
    @discardableResult
    func startSlot(_ slot: Slot, execId: String, nowUnixMs: Int64, in tx: WriteTransaction) throws -> SlotState

    /// Sends `pct` percent of the route-key buckets to the candidate (0...100, else
    /// LP_WEIGHT_RANGE). A weight above 0 needs a started candidate (LP_SLOT_NOT_STARTED).
    @discardableResult
    func setWeight(_ pct: Int, execId: String, nowUnixMs: Int64, in tx: WriteTransaction) throws -> RouterState

    /// Takes `slot` out of service: it is recorded `stopped` (its last revision stays recorded)
    /// and its resources are released. Stopping the candidate also sets the weight to 0, before
    /// anything is released, so no request is routed to a slot that is going away (rollback).
    @discardableResult
    func stopSlot(_ slot: Slot, execId: String, nowUnixMs: Int64, in tx: WriteTransaction) throws -> RouterState

    /// Makes the started candidate the stable slot: stable = the candidate's revision (healthy),
    /// the candidate slot is recorded `stopped` with that same revision, and the weight is 0,
    /// since all traffic now reaches the new revision through the stable slot. Re-running it after
    /// it completed returns the same state; without a started candidate it fails with
    /// LP_SLOT_NOT_STARTED.
    @discardableResult
    func promote(execId: String, nowUnixMs: Int64, in tx: WriteTransaction) throws -> RouterState

    /// Probes a slot without changing anything (no lock needed).
    func health(_ slot: Slot, execId: String) -> SlotHealth
}

/// The result of a health probe: `ok`, or what is wrong with the slot.
public struct SlotHealth: Codable, Equatable, Sendable {
    public var slot: Slot
    public var ok: Bool
    /// Human-readable findings, empty when `ok`.
    public var problems: [String]

    public init(slot: Slot, problems: [String]) {
        self.slot = slot
        self.ok = problems.isEmpty
        self.problems = problems
    }

    /// LP_SLOT_UNHEALTHY with the first findings.
    public func error(execId: String) -> LPError {
        let shown = problems.prefix(5).joined(separator: "; ")
        let more = problems.count > 5 ? " (and \(problems.count - 5) more)" : ""
        return LPError(.stateCorrupt, code: "LP_SLOT_UNHEALTHY", "the \(slot.rawValue) slot of \(execId) is unhealthy: \(shown)\(more)")
    }
}

extension DeployTarget {
    /// After the transaction that recorded a started slot: a slot recorded `failed` stops the run.
    public func requireHealthy(_ started: SlotState, _ slot: Slot, execId: String) throws {
        guard started.status == .failed else { return }
        throw SlotHealth(slot: slot, problems: health(slot, execId: execId).problems).error(execId: execId)
    }
}
