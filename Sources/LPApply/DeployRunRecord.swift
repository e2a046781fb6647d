import LPCore
import LPState
import LPModel
import LPIndex
import LPStage
import LPIncident

/// The `lp.pipeline.run@0.1.0` of one lp-apply run (stage `deploy`): written when the run starts
/// (status running) and again when it ends, one step per plan step executed.
struct DeployRunRecord {
    let state: StateDirectory
    let runId: String
    let manifest: DigestRef
    let execId: String

    static func status(of ending: RunEnding) -> String {
        switch ending {
        case .promoted: return "succeeded"
        case .rolledBack: return "rolled_back"
        case .retryExhausted: return "failed"
        case .stopped: return "stopped"
        case .metricsMissing, .paused, .awaitingPromote, .killed: return "stopped"
        }
    }

    func write(engine: ApplyEngine, status: String) throws {
        let steps = engine.execution.steps.map { step in
            PipelineRun.Step(step_id: "step-\(step.idx)", kind: "deploy_plan_execute",
                             status: step.status == .running || step.status == .error ? step.status.rawValue : StepStatus.ok.rawValue,
                             attempt: step.attempt, started_unix_ms: step.started_unix_ms, ended_unix_ms: step.ended_unix_ms,
                             inputs: [], outputs: step.evidence ?? [], message: step.name)
        }
        let placeholder = PipelineRun.Step(step_id: "start", kind: "deploy_plan_execute", status: "running", attempt: 1,
                                           started_unix_ms: engine.clock.unixMs(), ended_unix_ms: nil, inputs: [], outputs: [],
                                           message: "run started")
        let run = PipelineRun(
            run_id: runId, created_unix_ms: engine.execution.steps.first?.started_unix_ms ?? engine.clock.unixMs(),
            inputs: .init(change_request: nil,
                          artifact: .init(kind: SchemaVersion.appPack, manifest: .init(kind: SchemaVersion.appPack, digest: manifest),
                                          profile_id: nil),
                          vcs: nil),
            steps: steps.isEmpty ? [placeholder] : steps,
            decisions: engine.decisionRefs.map {
                .init(decision_id: $0.id, record: TypedRef(kind: DecisionRecord.schemaVersion, digest: $0.digest))
            },
            state: .init(stage: "deploy", status: status, current_step: status == "running" ? "start" : nil),
            meta: ["exec_id": .string(execId)])
        try state.write { tx in
            _ = try tx.writeRecord(try run.json(), at: StateDirectory.runRecord(runId), logicalName: "lp.pipeline.run")
        }
    }
}
