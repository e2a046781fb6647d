import LPCore
import LPState
import LPModel
import LPIndex
import LPStage
import Foundation

/// Builds the plan a deployment will execute: generated from the ops profile's `deploy` section,
/// or adopted from a file. Either way every pin names a document that is in the store, so
/// lp-apply finds the SLO profile by the plan's digest.
struct PlanBuilder {
    struct FileDigest { var path: String; var digest: DigestRef }

    var manifest: DigestRef
    var ops: FileDigest?
    var slo: FileDigest?
    var policies: [FileDigest]

    func pin(_ file: FileDigest) -> JSON {
        file.digest.json(path: file.path)
    }

    /// A plan from `ops.deploy`: canary steps as they are, or blue-green with its auto_promote.
    func generate(id: String, opsProfile: JSON) throws -> JSON {
        guard let ops else { throw LPError(.usage, code: "LP_PLAN_NO_OPS", "no ops profile: pass --ops FILE or --plan FILE") }
        let deploy = opsProfile["deploy"] ?? .null
        let strategyType = deploy["strategy"]?.stringValue ?? "canary"
        let strategy: JSON = [
            "type": .string(strategyType),
            "canary": strategyType == "canary" ? deploy["canary"] ?? .null : .null,
            "blue_green": strategyType == "blue_green" ? deploy["blue_green"] ?? .null : .null,
        ]
        return [
            "schema_version": .string(SchemaVersion.deployPlan), "id": .string(id), "v": 1,
            "pack_manifest": pin(FileDigest(path: "app.pack.json", digest: manifest)),
            "ops_profile": pin(ops), "slo_profile": slo.map(pin) ?? .null,
            "policy_cards": .array(policies.map(pin)), "strategy": strategy, "outputs": [],
        ]
    }

    /// The adopted plan with its pins rewritten to the documents actually used; each rewritten
    /// pin is reported (reference plans often carry placeholder digests).
    func adopt(_ plan: JSON) -> (JSON, [Diagnostic]) {
        var adopted = plan
        var notes: [Diagnostic] = []
        func repin(_ key: String, _ file: FileDigest?) {
            guard let file, let old = plan[key]?["sha256"]?.stringValue, old != file.digest.sha256 else { return }
            notes.append(Diagnostic(code: "LP_PLAN_PIN_REWRITTEN", severity: .warning,
                                    message: "plan \(key) was pinned to \(old); the plan stored pins \(file.digest.sha256), the document used"))
            adopted = adopted.setting(key, pin(FileDigest(path: plan[key]?["path"]?.stringValue ?? file.path, digest: file.digest)))
        }
        repin("pack_manifest", FileDigest(path: "app.pack.json", digest: manifest))
        repin("ops_profile", ops)
        repin("slo_profile", slo)
        return (adopted, notes)
    }
}
