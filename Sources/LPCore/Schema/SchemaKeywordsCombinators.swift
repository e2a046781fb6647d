/// allOf, anyOf, oneOf, not, if/then/else. allOf and then/else pass their violations through;
/// anyOf, oneOf and not summarize theirs into one violation on the keyword.
extension SchemaEvaluator {
    func applyCombinator(_ check: SchemaCheck, _ instance: JSON, _ site: EvaluationSite,
                         _ report: inout SchemaReport) throws {
        switch check {
        case .allOf(let schemas):
            for schema in schemas {
                try inPlace(schema, instance, site, &report)
                if report.isDone { return }
            }
        case .anyOf(let schemas):
            for schema in schemas {
                if try matches(schema, instance, site) { return }
            }
            let closest = try closestBranch(schemas, instance, site, report)
            report.add(site.path, site.keyword("anyOf"), "anyOf",
                       "matches none of the \(schemas.count) anyOf branches" + closest)
        case .oneOf(let schemas):
            var matching: [Int] = []
            for (i, schema) in schemas.enumerated() {
                if try matches(schema, instance, site) { matching.append(i) }
            }
            if matching.count == 1 { return }
            var message = "matches \(matching.count) of the \(schemas.count) oneOf branches"
            if matching.isEmpty {
                message += try closestBranch(schemas, instance, site, report)
            } else {
                message += " (\(matching.map(String.init).joined(separator: ", "))); exactly one must match"
            }
            report.add(site.path, site.keyword("oneOf"), "oneOf", message)
        case .not(let schema):
            if try matches(schema, instance, site) {
                report.add(site.path, site.keyword("not"), "not", "value must not match the \"not\" schema")
            }
        case .conditional(let condition, let then, let otherwise):
            let branch = try matches(condition, instance, site) ? then : otherwise
            if let branch { try inPlace(branch, instance, site, &report) }
        default:
            break
        }
    }

    private func matches(_ schema: Int, _ instance: JSON, _ site: EvaluationSite) throws -> Bool {
        try isValid(schema, instance, at: site.path, refChain: site.refChain)
    }

    /// "; closest is branch N: ..." naming the first violation of the branch with the fewest,
    /// or "" when only a yes/no answer is wanted.
    private func closestBranch(_ schemas: [Int], _ instance: JSON, _ site: EvaluationSite,
                               _ report: SchemaReport) throws -> String {
        if report.firstOnly { return "" }
        var best: (index: Int, violations: [SchemaViolation])?
        for (i, schema) in schemas.enumerated() {
            let violations = try allViolations(schema, instance, at: site.path, refChain: site.refChain)
            if best == nil || violations.count < (best?.violations.count ?? 0) { best = (i, violations) }
        }
        guard let best, let first = best.violations.first else { return "" }
        let at = first.instancePointer == site.path ? "" : " at \(first.instancePointer)"
        return "; closest is branch \(best.index)\(at): \(first.message)"
    }
}
