import LPCore
import LPState
import LPModel
import LPIndex
import LPStage
import Foundation

/// Evaluates `x07.policy.card@0.1.0` rules. A rule holds when all its assertions hold:
/// `deny` rules that hold deny, `warn` rules that hold warn, `require` rules that do not hold deny.
/// Assertions read their target document by JSON Pointer; a target intake does not have
/// (capabilities, deploy_plan) makes every pointer into it absent.
enum PolicyGate {
    struct Targets {
        var documents: [String: JSON]
    }

    static func check(cards: [ContractDocument], targets: Targets) -> [Finding] {
        var findings: [Finding] = []
        for card in cards {
            let cardId = card.json["id"]?.stringValue ?? card.path
            for rule in card.json["rules"]?.arrayValue ?? [] {
                let ruleId = "\(cardId)/\(rule["id"]?.stringValue ?? "?")"
                let target = rule["target"]?.stringValue ?? ""
                let reason = rule["reason"]?.stringValue.map { ": " + $0 } ?? ""
                let holds: Bool
                do {
                    holds = try (rule["assertions"]?.arrayValue ?? []).allSatisfy {
                        try evaluate($0, in: targets.documents[target])
                    }
                } catch let problem as PolicyProblem {
                    findings.append(.error("LP_POLICY_INVALID", "rule \(ruleId): \(problem.message)", subject: ruleId))
                    continue
                } catch {
                    findings.append(.error("LP_POLICY_INVALID", "rule \(ruleId): \(error)", subject: ruleId))
                    continue
                }
                switch (rule["effect"]?.stringValue, holds) {
                case ("deny", true):
                    findings.append(.error("LP_POLICY_DENY", "rule \(ruleId) denies this change\(reason)", subject: ruleId))
                case ("warn", true):
                    findings.append(.warning("LP_POLICY_WARN", "rule \(ruleId) warns\(reason)", subject: ruleId))
                case ("require", false):
                    findings.append(.error("LP_POLICY_REQUIRE_FAILED", "rule \(ruleId) requires what this change lacks\(reason)", subject: ruleId))
                default:
                    findings.append(.info("LP_POLICY_RULE_OK", "rule \(ruleId) (\(rule["effect"]?.stringValue ?? "?")) passed", subject: ruleId))
                }
            }
        }
        return findings
    }

    struct PolicyProblem: Error { var message: String }

    static func evaluate(_ assertion: JSON, in document: JSON?) throws -> Bool {
        guard let op = assertion["op"]?.stringValue, let pointerText = assertion["path"]?.stringValue,
              let pointer = JSONPointer(pointerText) else {
            throw PolicyProblem(message: "assertion needs an op and a JSON Pointer path")
        }
        let actual = document.flatMap { pointer.resolve(in: $0) }
        let expected = assertion["value"]
        switch op {
        case "exists": return actual != nil
        case "not_exists": return actual == nil
        case "eq": return actual != nil && actual == expected
        case "neq": return actual == nil || actual != expected
        case "in", "nin":
            guard let options = expected?.arrayValue else { throw PolicyProblem(message: "'\(op)' needs an array value") }
            let member = actual.map { options.contains($0) } ?? false
            return op == "in" ? member : !member
        case "matches":
            guard let pattern = expected?.stringValue else { throw PolicyProblem(message: "'matches' needs a string pattern") }
            guard let regex = try? NSRegularExpression(pattern: pattern) else {
                throw PolicyProblem(message: "'matches' pattern \(pattern) is not a valid regular expression")
            }
            guard let text = actual?.stringValue else { return false }
            return regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
        default:
            throw PolicyProblem(message: "unknown assertion op \(op)")
        }
    }
}
