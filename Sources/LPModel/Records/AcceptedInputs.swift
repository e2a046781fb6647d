import LPCore
import LPState
/// What intake accepted for a deployment, read back from its run record: the pack manifest, the
/// change request and the ops, SLO and policy documents (all in the content store by digest).
public struct AcceptedInputs {
    public var runId: String
    public var appId: String
    public var environment: String
    public var manifest: DigestRef
    public var changeRequest: DigestRef?
    public var ops: DigestRef?
    public var slo: DigestRef?
    public var policies: [DigestRef]

    public static func load(state: StateDirectory, runId: String) throws -> AcceptedInputs {
        try StateDirectory.checkComponent(runId, what: "run id")
        let run = try state.readJSON(StateDirectory.runRecord(runId))
        guard let manifest = try run["inputs"]?["artifact"]?["manifest"]?["digest"]?.decode(DigestRef.self) else {
            throw LPError(.stateCorrupt, code: "LP_STATE_CORRUPT", "run \(runId) names no accepted pack manifest")
        }
        var refs: [String: [DigestRef]] = [:]
        for step in run["steps"]?.arrayValue ?? [] {
            for ref in step["inputs"]?.arrayValue ?? [] {
                guard let kind = ref["kind"]?.stringValue, let digest = try? ref["digest"]?.decode(DigestRef.self) else { continue }
                if !(refs[kind]?.contains(digest) ?? false) { refs[kind, default: []].append(digest) }
            }
        }
        return AcceptedInputs(
            runId: runId,
            appId: run["meta"]?["app_id"]?.stringValue ?? "",
            environment: run["meta"]?["environment"]?.stringValue ?? "",
            manifest: manifest,
            changeRequest: try run["inputs"]?["change_request"]?["artifact"]?["digest"]?.decode(DigestRef.self),
            ops: refs[SchemaVersion.appOpsProfile]?.first,
            slo: refs[SchemaVersion.sloProfile]?.first,
            policies: refs[SchemaVersion.policyCard] ?? [])
    }
}
