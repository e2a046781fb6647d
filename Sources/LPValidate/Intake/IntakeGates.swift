import LPCore
import LPModel

/// The intake gates (docs/intake.md#gates) over an ingested pack. Pure: reads the inputs, returns findings.
struct IntakeGates {
    struct Outcome {
        var gates: [(name: String, findings: [Finding])]
        var allowed: Bool { !gates.contains { $0.findings.contains { $0.severity == .error } } }
        var errors: [Finding] { gates.flatMap { $0.findings.filter { $0.severity == .error } } }
        var warnings: [Finding] { gates.flatMap { $0.findings.filter { $0.severity == .warning } } }
        /// The provenance statement, when the envelope's payload decoded (whether or not it verified).
        var statement: JSON?
    }

    static let knownChecks = ["x07_wasm_app_verify", "x07_wasm_ops_validate"]

    /// `releases`: the pack manifests this app and environment already ran (`ReleaseHistory`),
    /// which a `rollback` must pick from.
    static func evaluate(_ inputs: IntakeInputs, manifest: JSON, manifestDigest: DigestRef,
                         catalog: ContractCatalog, releases: Set<DigestRef> = []) -> Outcome {
        var gates: [(String, [Finding])] = []

        var required: [Finding] = []
        for check in inputs.requiredChecks {
            switch check {
            case "x07_wasm_app_verify":
                required.append(.info("LP_CHECK_PASSED", "x07_wasm_app_verify: the pack seal and structure verified", subject: check))
            case "x07_wasm_ops_validate" where inputs.ops == nil:
                // Message kept identical to the reference system's for this denial.
                required.append(.error("LP_OPS_PROFILE_MISSING", "x07_wasm_ops_validate_required_missing_--ops-profile", subject: check))
            case "x07_wasm_ops_validate":
                required.append(.info("LP_CHECK_RAN", "x07_wasm_ops_validate: see the ops_validate gate", subject: check))
            default:
                required.append(.error("LP_CHECK_UNKNOWN",
                                       "required check \(check) is not one x07lp runs (\(knownChecks.joined(separator: ", ")))",
                                       subject: check))
            }
        }
        // What the intent implies is checked with the change request's own checks.
        switch inputs.intent {
        case .validateOnly:
            required.append(.info(ReasonCode.intentValidateOnly,
                                  "intent validate_only: the gates run and the change stops here; it is never planned or run",
                                  subject: "intent"))
        case .rollback where releases.contains(manifestDigest):
            required.append(.info(ReasonCode.rollbackTargetKnown,
                                  "intent rollback: the pack is a release \(inputs.appId) already ran in \(inputs.environment)",
                                  subject: "intent"))
        case .rollback:
            required.append(.error(ReasonCode.rollbackTargetUnknown,
                                   "intent rollback: the pack (manifest sha256 \(manifestDigest.sha256)) is not the pack of any "
                                   + "promoted deployment of \(inputs.appId) in \(inputs.environment); roll back only to a release "
                                   + "it already ran, or send the change with intent deploy",
                                   subject: "intent"))
        case .deploy, .stop, .replay:
            break
        }
        gates.append(("required_checks", required))

        if let ops = inputs.ops {
            gates.append(("ops_validate", OpsGate.check(ops: ops, slo: inputs.slo, policies: inputs.policies,
                                                        capabilities: inputs.capabilities)))
        }

        var statement: JSON?
        let provenancePolicy = inputs.ops?["provenance"]
        let attestationRequired = provenancePolicy?["require_attestation"]?.boolValue == true
            && provenancePolicy?["verify_on_deploy"]?.boolValue == true
        if let envelope = inputs.provenance {
            let subjects = ProvenanceGate.Subjects(manifest: manifestDigest, ops: inputs.ops, slo: inputs.slo)
            let (findings, decoded) = ProvenanceGate.check(envelope: envelope, trustedKeys: inputs.trustedKeys,
                                                           catalog: catalog, subjects: subjects)
            statement = decoded
            gates.append(("provenance_verify", findings))
        } else if attestationRequired {
            gates.append(("provenance_verify", [.error("LP_PROVENANCE_MISSING",
                "the ops profile requires a verified attestation on deploy; pass --provenance FILE and --trusted-key PEM")]))
        }

        if !inputs.policies.isEmpty {
            var documents: [String: JSON] = ["app_pack": manifest]
            documents["ops_profile"] = inputs.ops?.json
            documents["slo_profile"] = inputs.slo?.json
            documents["provenance_attestation"] = statement
            var findings = PolicyGate.check(cards: inputs.policies, targets: .init(documents: documents))
            if !inputs.enforcePolicy {
                findings = findings.map { finding in
                    guard finding.severity == .error else { return finding }
                    var audited = finding
                    audited.severity = .warning
                    audited.message += " (policy_mode warn: recorded, not enforced)"
                    return audited
                }
            }
            gates.append(("policy_eval", findings))
        }
        return Outcome(gates: gates, statement: statement)
    }
}

extension ContractDocument {
    subscript(key: String) -> JSON? { json[key] }
}
