import LPCore
import LPState
import LPModel
import LPStage
import Foundation

/// The ops profile gate (`x07_wasm_ops_validate`): the profile passed its contract at load; here
/// every file it references must be given, and match its pinned digest when one is pinned.
/// Policy cards are matched to `--policy` files by pinned digest, else by file name; the
/// capabilities file (`--capabilities`) is checked when given.
enum OpsGate {
    static func check(ops: ContractDocument, slo: ContractDocument?, policies: [ContractDocument],
                      capabilities: ContractDocument? = nil) -> [Finding] {
        var findings: [Finding] = []
        if let sloRef = ops.json["slo"], case .object = sloRef {
            let path = sloRef["path"]?.stringValue ?? "?"
            if let slo {
                findings += pinned(sloRef, actual: slo, what: "SLO profile \(path)")
            } else {
                findings.append(.error("LP_OPS_SLO_MISSING", "the ops profile references SLO profile \(path); pass it with --slo", subject: path))
            }
        } else {
            findings.append(.info("LP_OPS_SLO_DISABLED", "the ops profile disables SLO gating (slo: null)"))
        }
        for card in ops.json["policy_cards"]?.arrayValue ?? [] {
            let path = card["path"]?.stringValue ?? "?"
            let pin = card["sha256"]?.stringValue
            let match = policies.first { policy in
                if let pin { return policy.rawDigest.sha256 == pin }
                return (policy.path as NSString).lastPathComponent == (path as NSString).lastPathComponent
            }
            if let match {
                findings += pinned(card, actual: match, what: "policy card \(path)")
            } else if let pin, let sameName = policies.first(where: {
                ($0.path as NSString).lastPathComponent == (path as NSString).lastPathComponent
            }) {
                findings.append(.error("LP_OPS_PINNED_DIGEST_MISMATCH",
                                       "policy card \(path) is pinned to sha256 \(pin), but \(sameName.path) has \(sameName.rawDigest.sha256)",
                                       subject: path))
            } else {
                findings.append(.error("LP_OPS_POLICY_MISSING", "the ops profile references policy card \(path); pass it with --policy", subject: path))
            }
        }
        // The capabilities file passed its contract at load; here its pin. Not given, it is only
        // recorded (earlier releases of x07lp took no capabilities input).
        if let capabilitiesRef = ops.json["capabilities"], let path = capabilitiesRef["path"]?.stringValue {
            if let capabilities {
                findings += pinned(capabilitiesRef, actual: capabilities, what: "capabilities \(path)")
            } else {
                findings.append(.info("LP_OPS_CAPABILITIES_NOT_CHECKED",
                                      "capabilities file \(path) is referenced but not given; pass it with --capabilities to check it",
                                      subject: path))
            }
        }
        return findings
    }

    private static func pinned(_ ref: JSON, actual: ContractDocument, what: String) -> [Finding] {
        guard let pin = ref["sha256"]?.stringValue else {
            return [.warning("LP_OPS_DIGEST_NOT_PINNED", "\(what) has no pinned sha256; \(actual.path) is accepted by name", subject: actual.path)]
        }
        guard pin == actual.rawDigest.sha256 else {
            return [.error("LP_OPS_PINNED_DIGEST_MISMATCH",
                           "\(what) is pinned to sha256 \(pin), but \(actual.path) has \(actual.rawDigest.sha256)", subject: actual.path)]
        }
        return [.info("LP_OPS_DIGEST_OK", "\(what) matches its pinned sha256", subject: actual.path)]
    }
}
