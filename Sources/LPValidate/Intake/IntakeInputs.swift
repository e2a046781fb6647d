import LPCore
import LPState
import LPModel
import LPIndex
import LPStage
import Foundation

/// Everything intake reads besides the pack, loaded and checked against its contract before the
/// state is touched: a bad input file costs nothing but a diagnostic.
struct IntakeInputs {
    var changeRequest: InputDocument
    var intent: ChangeIntent
    var ops: ContractDocument?
    var slo: ContractDocument?
    var capabilities: ContractDocument?
    var policies: [ContractDocument]
    var provenance: ContractDocument?
    var trustedKeys: [Ed25519.PublicKey]
    var packPath: String
    var manifestName: String
    var limits: PackLimits

    var appId: String { changeRequest.json["target"]?["app_id"]?.stringValue ?? "" }
    var changeId: String { changeRequest.json["change_id"]?.stringValue ?? "" }

    /// `staging`, `prod`, ... or the name of a custom environment.
    var environment: String {
        let env = changeRequest.json["target"]?["environment"]
        return env?["name"]?.stringValue ?? env?["kind"]?.stringValue ?? ""
    }

    var requiredChecks: [String] {
        (changeRequest.json["acceptance"]?["required_checks"]?.arrayValue ?? []).compactMap(\.stringValue)
    }

    var enforcePolicy: Bool { changeRequest.json["acceptance"]?["policy_mode"]?.stringValue != "warn" }

    init(_ ctx: StageContext, catalog: ContractCatalog) throws {
        let args = ctx.arguments
        guard let pack = args.value("--pack") ?? args.value("--pack-dir") else {
            throw LPError(.usage, code: "LP_USAGE", "missing --pack DIR|ARCHIVE; see `lp-validate --help`")
        }
        packPath = pack
        manifestName = args.value("--pack-manifest") ?? "app.pack.json"
        limits = PackLimits()
        if let bytes = try args.integer("--max-pack-bytes", range: 1...(1 << 50)) { limits.maxTotalBytes = bytes }
        if let entries = try args.integer("--max-pack-entries", range: 1...1_000_000) { limits.maxEntries = Int(entries) }

        changeRequest = try ctx.readInput()
        try catalog.validate(changeRequest.json, as: SchemaVersion.changeRequest, source: changeRequest.source)
        intent = try ChangeIntent(changeRequest: changeRequest.json)
        try intent.refuseUnlessIntake()
        ops = try args.value("--ops").map { try ContractDocument(path: $0, contract: SchemaVersion.appOpsProfile, catalog: catalog) }
        slo = try args.value("--slo").map { try ContractDocument(path: $0, contract: SchemaVersion.sloProfile, catalog: catalog) }
        capabilities = try args.value("--capabilities").map {
            try ContractDocument(path: $0, contract: SchemaVersion.appCapabilities, catalog: catalog)
        }
        policies = try args.all("--policy").map { try ContractDocument(path: $0, contract: SchemaVersion.policyCard, catalog: catalog) }
        provenance = try args.value("--provenance").map {
            try ContractDocument(path: $0, contract: SchemaVersion.provenanceDSSEEnvelope, catalog: catalog)
        }
        trustedKeys = try args.all("--trusted-key").map { path in
            let pem = try InputDocument.readFile(path, limit: 1 << 16)
            do { return try Ed25519.publicKey(pem: pem) } catch {
                throw LPError(.invalidInput, code: "LP_KEY_INVALID", "\(path): \(error); expected an Ed25519 public key in PEM")
            }
        }
        try StateDirectory.checkComponent(appId, what: "target.app_id")
        try StateDirectory.checkComponent(environment, what: "target.environment")
    }

    /// The digests that name this intake: same inputs and time ⇒ same run id.
    func seedParts(manifest: DigestRef) -> [String] {
        ["intake", DigestRef(of: changeRequest.json).sha256, manifest.sha256,
         ops?.rawDigest.sha256 ?? "-", slo?.rawDigest.sha256 ?? "-",
         policies.map(\.rawDigest.sha256).sorted().joined(separator: ","),
         provenance?.rawDigest.sha256 ?? "-", trustedKeys.map(\.keyId).sorted().joined(separator: ",")]
    }
}
