import LPCore
import LPState
import LPModel
import Foundation

/// The change request's `intent` (docs/intake.md#intents) and what intake does with it:
///
/// - `deploy`: the gates, then a `planned` execution for lp-plan and lp-apply;
/// - `validate_only`: the gates and nothing else. An allowed change ends `completed` at intake,
///   with no plan and no steps; lp-plan and lp-apply refuse it (`LP_INTENT_VALIDATE_ONLY`, exit 13);
/// - `rollback`: a deploy of a release this app and environment already ran: the pack's manifest
///   must be the pack of one of their earlier promoted deployments, else the change is denied
///   (`LP_ROLLBACK_TARGET_UNKNOWN`); allowed, it is planned and run like a deploy;
/// - `stop`, `replay`: not changes intake runs; refused before the pack is read (exit 13,
///   `LP_INTENT_UNSUPPORTED`) with the verb that does it.

extension ChangeIntent {
    /// The intent of a change request that passed `lp.change_request@0.1.0` (which requires one
    /// of the five).
    init(changeRequest: JSON) throws {
        let text = changeRequest["intent"]?.stringValue ?? ""
        guard let intent = ChangeIntent(rawValue: text) else {
            throw LPError(.invalidInput, code: "LP_CHANGE_REQUEST_INVALID",
                          "intent \"\(text)\" is not one of \(Self.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self = intent
    }

    /// `stop` and `replay` name operations on something that already exists, which have their own
    /// verbs: refused here, before anything is read or stored.
    func refuseUnlessIntake() throws {
        let instead: String
        switch self {
        case .deploy, .rollback, .validateOnly: return
        case .stop:
            instead = "stop a running deployment with `x07lp deploy stop --deployment-id ID --reason TEXT`"
        case .replay:
            instead = "replay an incident with `x07lp regress from-incident --incident-id ID --name NAME --out-dir DIR`"
        }
        throw LPError(.gateRejected, code: ReasonCode.intentUnsupported,
                      "the change request's intent is \(rawValue), which intake does not run: \(instead)",
                      data: ["intent": .string(rawValue)])
    }
}

/// The releases an app has run in an environment: the pack manifests of its promoted
/// deployments, read from the state files (`deploy/` and the intake runs they name).
enum ReleaseHistory {
    /// Manifest digests of the deployments of `appId` in `environment` whose outcome is
    /// `promoted`. A record that cannot be read is skipped: it can only make a rollback be denied.
    static func promotedManifests(state: StateDirectory, appId: String, environment: String) -> Set<DigestRef> {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: state.path("deploy"))) ?? []
        // Executions are canonical JSON: a promoted one of this app holds these bytes verbatim.
        let outcome = Data(#""outcome":"promoted""#.utf8)
        let app = Data(("\"app_id\":" + JSON.string(appId).canonicalString).utf8)
        var manifests = Set<DigestRef>()
        for name in names.sorted() where name.hasSuffix(".json") && !name.hasPrefix(".") {
            let relative = "deploy/" + name
            guard let bytes = try? state.read(relative) else { continue }
            let data = Data(bytes)
            guard data.range(of: outcome) != nil, data.range(of: app) != nil,
                  let execution = try? JSONParser.parse(bytes),
                  let meta = execution["meta"], meta["outcome"] == "promoted",
                  meta["target"]?["app_id"]?.stringValue == appId,
                  meta["target"]?["environment"]?.stringValue == environment,
                  let runId = execution["run_id"]?.stringValue,
                  let accepted = try? AcceptedInputs.load(state: state, runId: runId),
                  accepted.appId == appId, accepted.environment == environment else { continue }
            manifests.insert(accepted.manifest)
        }
        return manifests
    }
}
