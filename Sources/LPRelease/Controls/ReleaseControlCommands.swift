import LPCore
import LPState
import LPModel
import LPStage

/// `lp-release pause | resume | complete | rollback | halt | stop | rerun` (`x07lp device
/// release-<verb>`): signed manual controls of one release (docs/device-release.md#controls).
enum ReleaseControlCommands {
    static func spec(_ verb: String, _ summary: String, extra: [OptionSpec] = [], notes: [String] = []) -> CommandSpec {
        CommandSpec(name: "lp-release \(verb)", reportCommand: "device release \(verb)", summary: summary,
                    usage: ["lp-release \(verb) --release ID --reason TEXT"],
                    options: [ReleaseOptions.release, ReleaseOptions.reason, ReleaseOptions.signingKey] + extra,
                    examples: ["x07lp device release-\(verb) --release lpdrexec_... --reason \"operator request\" --json"],
                    exitCodes: ReleaseOptions.readingCodes + [.releaseNotReady, .killSwitchEngaged], notes: notes)
    }

    static let commands: [StageCommand] = [
        StageCommand(words: ["pause"], spec: spec("pause", "pause the store rollout; automation pauses")) { ctx in
            try storeControl(ctx, "pause", op: .pause, refusedIn: [.completed, .rolledBack, .halted]) { execution, _ in
                (execution.status, execution.meta.automation_state) = (.started, .paused)
            }
        },
        StageCommand(words: ["resume"], spec: spec("resume", "resume a paused rollout; automation continues at the next observe")) { ctx in
            try storeControl(ctx, "resume", op: .resume, refusedIn: [.completed, .rolledBack]) { execution, _ in
                (execution.status, execution.meta.automation_state) = (.started, .active)
            }
        },
        StageCommand(words: ["complete"], spec: spec("complete", "release to everyone (100%); the release ends")) { ctx in
            try storeControl(ctx, "complete", op: .complete, refusedIn: [.completed, .rolledBack]) { execution, _ in
                (execution.status, execution.meta.automation_state) = (.completed, .terminal)
            }
        },
        StageCommand(words: ["rollback"], spec: spec("rollback", "bring back the previous release at the store; the release ends")) { ctx in
            try storeControl(ctx, "rollback", op: .rollbackPrevious, refusedIn: [.rolledBack]) { execution, _ in
                (execution.status, execution.meta.automation_state) = (.completed, .terminal)
            }
        },
        StageCommand(words: ["halt"], spec: spec("halt", "mark the rollout halted and stop automation (no store call)")) { ctx in
            let release = try ReleaseContext(ctx)
            let control = try ReleaseControl(release, action: "halt", decisionKind: DeviceDecisionKind.control,
                                             reasonCode: ReasonCode.deviceControlOK)
            if let receipt = try control.recordedReceipt() { return receipt }
            return try control.perform { execution, records, _ in
                guard ![.completed, .rolledBack, .halted].contains(execution.meta.current_state) else {
                    throw control.notApplicable(execution, "the rollout has ended")
                }
                let evidence = try records.evidence(["provider_kind": .string(execution.meta.provider_kind.rawValue),
                                                     "provider_mode": "manual_halt", "op": "release.halt",
                                                     "state": "halted", "provider": ["provider_mode": "manual_halt"]],
                                                    suffix: "control_halt_\(control.actionId)", role: "control_evidence", execution: &execution)
                execution.meta.current_state = .halted
                (execution.status, execution.meta.automation_state) = (.aborted, .stopped)
                return .init(evidence: [evidence])
            }
        },
        StageCommand(words: ["stop"], spec: spec("stop", "stop automation; the store rollout stays where it is")) { ctx in
            let release = try ReleaseContext(ctx)
            let control = try ReleaseControl(release, action: "stop", decisionKind: DeviceDecisionKind.manual("stop"),
                                             reasonCode: ReasonCode.deviceStopped)
            if let receipt = try control.recordedReceipt() { return receipt }
            var output = try control.perform { execution, _, _ in
                (execution.status, execution.meta.automation_state) = (.aborted, .stopped)
                return .init(recordsStep: false)
            }
            output.diagnostics.append(Diagnostic(code: ReasonCode.deviceStopped, severity: .info,
                                                 message: "automation of \(control.execId) stopped; the store rollout is unchanged"))
            return output
        },
        RerunCommand.command,
    ]

    /// A control that calls the store (outside the lock), then records what it said.
    static func storeControl(_ ctx: StageContext, _ action: String, op: ReleaseOp, refusedIn ended: Set<StoreState>,
                             _ change: @escaping (inout DeviceReleaseExecution, StoreOutcome) -> Void) throws -> StageOutput {
        let release = try ReleaseContext(ctx)
        let control = try ReleaseControl(release, action: action, decisionKind: DeviceDecisionKind.control,
                                         reasonCode: ReasonCode.deviceControlOK)
        if let receipt = try control.recordedReceipt() { return receipt }
        let subject = try ReleaseSubject.load(release, execId: control.execId)
        guard subject.capabilities.supports(op) else {
            throw control.notApplicable(subject.execution, "\(subject.profile.kind.rawValue) on the \(subject.profile.lane.rawValue) lane does not support \(op.rawValue)")
        }
        guard !ended.contains(subject.execution.meta.current_state) else {
            throw control.notApplicable(subject.execution, "the rollout is \(subject.execution.meta.current_state.rawValue)")
        }
        let outcome: StoreOutcome
        do {
            outcome = try subject.provider.perform(op, percent: nil, at: subject.storeContext)
        } catch let failure as StoreFailure {
            throw LPError(.killSwitchEngaged, code: ReasonCode.deviceProviderFailed, "\(op.rawValue) of \(control.execId) failed at the store: \(failure.message)")
        }
        return try control.perform { execution, records, _ in
            let evidence = try records.evidence(
                ["provider_kind": .string(subject.provider.kind.rawValue), "provider_mode": .string(subject.provider.mode),
                 "op": .string(op.rawValue), "state": .string(outcome.state.rawValue),
                 "rollout_percent": outcome.percent.map { .number(Double($0)) } ?? .null,
                 "store_release_id": outcome.storeReleaseId.map(JSON.string) ?? .null, "provider": outcome.evidence],
                suffix: "control_\(action)_\(control.actionId)", role: "control_evidence", execution: &execution)
            execution.meta.current_state = outcome.state
            execution.meta.current_rollout_percent = outcome.percent
            execution.meta.latest_store_release_id = outcome.storeReleaseId ?? execution.meta.latest_store_release_id
            change(&execution, outcome)
            return .init(evidence: [evidence])
        }
    }
}
