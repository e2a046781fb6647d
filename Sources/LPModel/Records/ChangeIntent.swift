import LPCore
import LPState

/// The `intent` of an `lp.change_request@0.1.0` (docs/intake.md#intents).
public enum ChangeIntent: String, CaseIterable, Sendable {
    case deploy, rollback, stop, replay
    case validateOnly = "validate_only"
}

extension AcceptedInputs {
    /// lp-plan and lp-apply: a change accepted with intent `validate_only` stops at intake and is
    /// never planned or run (exit 13).
    public static func refuseValidateOnly(_ execution: DeployExecution, state: StateDirectory, verb: String) throws {
        guard let change = try load(state: state, runId: execution.run_id).changeRequest,
              try BlobStore(state: state).readJSON(change)["intent"] == .string(ChangeIntent.validateOnly.rawValue) else { return }
        throw LPError(.gateRejected, code: ReasonCode.intentValidateOnly,
                      "deployment \(execution.exec_id) was accepted with intent validate_only: it is never \(verb); "
                      + "send the change with intent deploy to deploy it")
    }
}
