@testable import LPCore
@testable import LPModel
import XCTest

/// Who owns which execution fields when the step machine writes over what control actions and
/// the incident store recorded meanwhile (`ExecutionUpdateRules.merge`).
final class ExecutionUpdateRulesTests: XCTestCase {
    static let execId = "lpexec_rules000000000000000000001"
    static let t0: Int64 = 1_767_225_600_000

    static func step(_ idx: Int, _ name: String, _ status: StepStatus) -> DeployExecution.Step {
        DeployExecution.Step(idx: idx, name: name, kind: "deploy.\(name)", status: status, started_unix_ms: t0 + Int64(idx))
    }

    static func freshMeta() -> ExecutionMetaLocal {
        ExecutionMetaLocal(appId: "t.app", environment: "staging", plan: nil, publicListener: "http://127.0.0.1:20001",
                           retryBudget: 3, nowUnixMs: t0)
    }

    /// The step machine's view: mid-canary, weight 50, after a promoting analysis.
    static func running(status: ExecutionStatus = .started) -> (DeployExecution, ExecutionMetaLocal) {
        var meta = freshMeta()
        meta.updated_unix_ms = t0 + 500
        meta.latest_decision_id = "lpdec_analysis"
        meta.routing.candidate_weight_pct = 50
        meta.routing.last_updated_step_idx = 3
        meta.runtime.candidate.status = .healthy
        meta.runtime.stable.status = .healthy
        meta.analysis = .init(last_slo_decision: .promote, last_analysis_step_idx: 4)
        meta.retry_budget.consumed = ["analysis_1": 1]
        meta.signature_status = .notApplicable
        let steps = [step(0, "prepare", .ok), step(1, "start_candidate", .ok), step(2, "set_weight_10", .ok),
                     step(3, "set_weight_50", .ok), step(4, "analysis_1", .running)]
        let execution = DeployExecution(exec_id: execId, run_id: "lprun_rules", created_unix_ms: t0, status: status,
                                        steps: steps, meta: .local(meta))
        return (execution, meta)
    }

    /// What a control action and the incident store left in the stored execution.
    static func stored(status: ExecutionStatus, outcome: DeployOutcome, control: ControlState,
                       pauseReason: String? = nil) -> DeployExecution {
        var meta = freshMeta()
        meta.outcome = outcome
        meta.control_state = control
        meta.pause_reason = pauseReason
        meta.ended_unix_ms = status.isLive ? nil : t0 + 400
        meta.updated_unix_ms = t0 + 400
        meta.latest_signed_control_decision_id = "lpdec_control"
        meta.signature_status = .valid
        meta.kill_scope = .app
        meta.kill_latched = true
        meta.incident_count_total = 3
        meta.incident_count_open = 1
        meta.last_incident_id = "lpinc_last"
        meta.routing.candidate_weight_pct = 10
        return DeployExecution(exec_id: execId, run_id: "lprun_rules", created_unix_ms: t0, status: status,
                               steps: [step(0, "prepare", .ok), step(1, "start_candidate", .ok), step(2, "set_weight_10", .running)],
                               meta: .local(meta))
    }

    /// The fields the step machine owns are always its own.
    func assertStepMachineFields(_ merged: DeployExecution, _ running: DeployExecution, _ meta: ExecutionMetaLocal,
                                 file: StaticString = #filePath, line: UInt = #line) throws {
        let result = try XCTUnwrap(merged.localMeta, file: file, line: line)
        XCTAssertEqual(merged.steps, running.steps, file: file, line: line)
        XCTAssertEqual(result.routing.candidate_weight_pct, 50, file: file, line: line)
        XCTAssertEqual(result.routing, meta.routing, file: file, line: line)
        XCTAssertEqual(result.runtime, meta.runtime, file: file, line: line)
        XCTAssertEqual(result.analysis, meta.analysis, file: file, line: line)
        XCTAssertEqual(result.retry_budget, meta.retry_budget, file: file, line: line)
        XCTAssertEqual(result.latest_decision_id, "lpdec_analysis", file: file, line: line)
        XCTAssertEqual(result.updated_unix_ms, Self.t0 + 500, file: file, line: line)
    }

    /// The fields controls and the incident store own are always the stored ones.
    func assertControlledFields(_ merged: DeployExecution, file: StaticString = #filePath, line: UInt = #line) throws {
        let result = try XCTUnwrap(merged.localMeta, file: file, line: line)
        XCTAssertEqual(result.latest_signed_control_decision_id, "lpdec_control", file: file, line: line)
        XCTAssertEqual(result.signature_status, .valid, file: file, line: line)
        XCTAssertEqual(result.kill_scope, .app, file: file, line: line)
        XCTAssertEqual(result.kill_latched, true, file: file, line: line)
        XCTAssertEqual(result.incident_count_total, 3, file: file, line: line)
        XCTAssertEqual(result.incident_count_open, 1, file: file, line: line)
        XCTAssertEqual(result.last_incident_id, "lpinc_last", file: file, line: line)
    }

    func testATerminalStatusSetByAControlWinsOverARunningStepMachine() throws {
        let endings: [(ExecutionStatus, DeployOutcome)] = [(.aborted, .aborted), (.completed, .rolledBack), (.failed, .failed)]
        for (status, outcome) in endings {
            // Whatever the step machine still holds — started, or an ending of its own.
            for runningStatus in [ExecutionStatus.started, .completed] {
                let (running, meta) = Self.running(status: runningStatus)
                let stored = Self.stored(status: status, outcome: outcome, control: .terminal)
                let merged = ExecutionUpdateRules.merge(stepMachine: running, meta: meta, into: stored)
                XCTAssertEqual(merged.status, status)
                XCTAssertEqual(merged.localMeta?.outcome, outcome, "\(status)")
                XCTAssertEqual(merged.localMeta?.ended_unix_ms, Self.t0 + 400, "\(status)")
                XCTAssertEqual(merged.localMeta?.control_state, .terminal, "\(status)")
                // The control retired the candidate: its routing and slots stand, the latest decision is its own.
                XCTAssertEqual(merged.localMeta?.routing, stored.localMeta?.routing, "\(status)")
                XCTAssertEqual(merged.localMeta?.routing.candidate_weight_pct, 10, "\(status)")
                XCTAssertEqual(merged.localMeta?.runtime, stored.localMeta?.runtime, "\(status)")
                XCTAssertEqual(merged.localMeta?.latest_decision_id, stored.localMeta?.latest_decision_id, "\(status)")
                // The steps and the analysis stay the step machine's own record of what it did.
                XCTAssertEqual(merged.steps, running.steps)
                XCTAssertEqual(merged.localMeta?.analysis, meta.analysis)
                try assertControlledFields(merged)
            }
        }
    }

    func testAStepMachineThatEndedItselfKeepsItsOwnStatus() throws {
        var (running, meta) = Self.running(status: .completed)
        meta.outcome = .promoted
        meta.ended_unix_ms = Self.t0 + 900
        running.meta = .local(meta)
        let stored = Self.stored(status: .started, outcome: .unknown, control: .active)
        let merged = ExecutionUpdateRules.merge(stepMachine: running, meta: meta, into: stored)
        XCTAssertEqual(merged.status, .completed)
        XCTAssertEqual(merged.localMeta?.outcome, .promoted)
        XCTAssertEqual(merged.localMeta?.ended_unix_ms, Self.t0 + 900)
        try assertControlledFields(merged)
    }

    func testAPauseRecordedByAControlIsKept() throws {
        let (running, meta) = Self.running()
        let stored = Self.stored(status: .started, outcome: .unknown, control: .paused, pauseReason: "maintenance window")
        let merged = ExecutionUpdateRules.merge(stepMachine: running, meta: meta, into: stored)
        XCTAssertEqual(merged.status, .started)
        XCTAssertEqual(merged.localMeta?.control_state, .paused)
        XCTAssertEqual(merged.localMeta?.pause_reason, "maintenance window")
        XCTAssertEqual(merged.localMeta?.outcome, .unknown)
        try assertStepMachineFields(merged, running, meta)
        try assertControlledFields(merged)
    }

    func testTheStepMachinesOwnControlStateWinsOnceItIsNotActive() throws {
        var (running, meta) = Self.running()
        meta.control_state = .paused
        meta.pause_reason = "acknowledged"
        running.meta = .local(meta)
        let stored = Self.stored(status: .started, outcome: .unknown, control: .paused, pauseReason: "maintenance window")
        let merged = ExecutionUpdateRules.merge(stepMachine: running, meta: meta, into: stored)
        XCTAssertEqual(merged.localMeta?.pause_reason, "acknowledged")

        // A resume recorded by a control (stored active) does not undo the step machine's state either.
        let resumed = ExecutionUpdateRules.merge(stepMachine: running, meta: meta,
                                                 into: Self.stored(status: .started, outcome: .unknown, control: .active))
        XCTAssertEqual(resumed.localMeta?.control_state, .paused)
    }

    func testAnActiveStoredExecutionLeavesTheStepMachinesStateAlone() throws {
        let (running, meta) = Self.running()
        let stored = Self.stored(status: .started, outcome: .unknown, control: .active)
        let merged = ExecutionUpdateRules.merge(stepMachine: running, meta: meta, into: stored)
        XCTAssertEqual(merged.status, .started)
        XCTAssertEqual(merged.localMeta?.control_state, .active)
        XCTAssertNil(merged.localMeta?.pause_reason)
        XCTAssertNil(merged.localMeta?.ended_unix_ms)
        try assertStepMachineFields(merged, running, meta)
        try assertControlledFields(merged)
    }

    func testAStoredSignatureStatusOnlyWinsWhenRecorded() {
        let (running, meta) = Self.running()
        var stored = Self.stored(status: .started, outcome: .unknown, control: .active)
        guard case .local(var storedMeta)? = stored.meta else { return XCTFail("no stored meta") }
        storedMeta.signature_status = nil
        stored.meta = .local(storedMeta)
        let merged = ExecutionUpdateRules.merge(stepMachine: running, meta: meta, into: stored)
        XCTAssertEqual(merged.localMeta?.signature_status, .notApplicable)
    }

    func testAnExecutionWithoutStoredMetaTakesTheStepMachinesWhole() {
        let (running, meta) = Self.running()
        let planned = DeployExecution(exec_id: Self.execId, run_id: "lprun_rules", created_unix_ms: Self.t0, status: .planned)
        let merged = ExecutionUpdateRules.merge(stepMachine: running, meta: meta, into: planned)
        XCTAssertEqual(merged, running)
        XCTAssertEqual(merged.localMeta?.latest_signed_control_decision_id, nil)
        XCTAssertEqual(merged.localMeta?.incident_count_total, 0)
    }

    func testControlViewReadsTheControlOwnedFields() {
        let view = ExecutionUpdateRules.ControlView(Self.stored(status: .started, outcome: .unknown, control: .paused,
                                                                pauseReason: "maintenance window"))
        XCTAssertEqual(view.status, .started)
        XCTAssertEqual(view.controlState, .paused)
        XCTAssertEqual(view.pauseReason, "maintenance window")
        XCTAssertEqual(view.outcome, .unknown)

        let planned = ExecutionUpdateRules.ControlView(DeployExecution(exec_id: Self.execId, run_id: "lprun_rules",
                                                                       created_unix_ms: Self.t0, status: .planned))
        XCTAssertEqual(planned.controlState, .active)
        XCTAssertEqual(planned.outcome, .unknown)
        XCTAssertNil(planned.pauseReason)
    }
}
