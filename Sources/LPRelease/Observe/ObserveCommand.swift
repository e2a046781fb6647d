import LPCore
import LPState
import LPModel
import LPStage

/// `lp-release observe` (`x07lp device release-observe`): evaluates the release's waiting
/// metrics gate with its next OTLP export, and carries on with the steps after it when it
/// passes; records a signed observe decision and returns its receipt.
enum ObserveCommand {
    static let command = StageCommand(
        words: ["observe"],
        spec: CommandSpec(
            name: "lp-release observe", reportCommand: "device release observe",
            summary: "evaluate the release's metrics gate with its next telemetry export",
            usage: ["lp-release observe --release ID --reason TEXT"],
            options: [ReleaseOptions.release, ReleaseOptions.reason, ReleaseOptions.signingKey],
            examples: ["x07lp device release-observe --release lpdrexec_... --reason \"30 min of telemetry\" --json"],
            exitCodes: ReleaseOptions.readingCodes + [.releaseNotReady, .metricsMissing, .killSwitchEngaged],
            notes: ["Reads <state>/device_release/telemetry/<exec_id>/analysis.<N>.jsonl (N = 1, 2, ... one per observation;",
                    "otlp.jsonl when absent): OTLP/JSON logs whose resource names the release. A failed gate (SLO violation,",
                    "inconclusive metrics, or any native incident) pauses the store rollout and the release by the step's",
                    "on_fail (release.pause, release.halt, require_human) and opens incidents. A stopped, paused or ended",
                    "release is not observed (exit 18): resume it first."]),
        body: run)

    static func run(_ ctx: StageContext) throws -> StageOutput {
        let release = try ReleaseContext(ctx)
        let control = try ReleaseControl(release, action: "observe", decisionKind: DeviceDecisionKind.manual("observe"),
                                         reasonCode: ReasonCode.deviceObserved)
        if let receipt = try control.recordedReceipt() { return receipt }
        let subject = try ReleaseSubject.load(release, execId: control.execId)
        let automation = subject.execution.meta.automation_state
        switch automation {
        case .stopped:
            throw LPError(.killSwitchEngaged, code: ReasonCode.deviceStopped, "release \(control.execId) is stopped: its automation does not run")
        case .paused, .waitingForHuman:
            throw LPError(.killSwitchEngaged, code: "LP_DEVICE_RELEASE_PAUSED",
                          "release \(control.execId) is \(automation.rawValue): resume it first (x07lp device release-resume)")
        case .terminal:
            throw LPError(.killSwitchEngaged, code: "LP_DEVICE_RELEASE_ENDED", "release \(control.execId) has run every step of its plan")
        case .active, .waitingForObservation:
            break
        }
        let before = ReleaseControl.snapshot(subject.execution)
        var engine = StepEngine(release: release, plan: subject.plan, profile: subject.profile, provider: subject.provider, gates: 1)
        try engine.advance(control.execId)
        return try control.perform(stateBefore: before) { _, _, _ in .init(recordsStep: false) }
    }
}
