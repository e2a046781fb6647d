/// Array keywords.
extension SchemaEvaluator {
    func checkArrayShape(_ check: SchemaCheck, _ instance: JSON, _ site: EvaluationSite,
                         _ report: inout SchemaReport) {
        guard case .array(let items) = instance else { return }
        switch check {
        case .minItems(let bound) where items.count < bound:
            report.add(site.path, site.keyword("minItems"), "minItems",
                       "array has \(items.count) items, fewer than the minimum \(bound)")
        case .maxItems(let bound) where items.count > bound:
            report.add(site.path, site.keyword("maxItems"), "maxItems",
                       "array has \(items.count) items, more than the maximum \(bound)")
        case .uniqueItems:
            // Canonical bytes are equal exactly when values are JSON-equal (1 and 1.0 alike, any
            // member order), so hashing them finds duplicates in one pass. Bytes, not `String`:
            // String equality would merge canonically equivalent but different strings.
            var firstIndex: [[UInt8]: Int] = [:]
            for (i, item) in items.enumerated() {
                if let earlier = firstIndex.updateValue(i, forKey: item.canonicalBytes) {
                    report.add(site.path, site.keyword("uniqueItems"), "uniqueItems",
                               "items \(earlier) and \(i) are equal; items must be unique")
                    return
                }
            }
        default:
            break
        }
    }

    func applyArrayApplicator(_ check: SchemaCheck, _ instance: JSON, _ site: EvaluationSite,
                              _ report: inout SchemaReport) throws {
        guard case .array(let items) = instance else { return }
        switch check {
        case .prefixItems(let schemas):
            for (i, schema) in zip(schemas.indices, schemas) where i < items.count {
                try item(i, items[i], schema, keyword: "prefixItems", site, &report)
                if report.isDone { return }
            }
        case .items(let schema, let from) where from < items.count:
            if nodes[schema].isFalse {
                report.add(site.path, nodes[schema].location, "items",
                           "array has \(items.count) items, more than the \(from) allowed")
                return
            }
            for i in from..<items.count {
                try descend(schema, items[i], at: site.path.appending(i), &report)
                if report.isDone { return }
            }
        case .contains(let schema, let min, let max):
            try checkContains(schema, min: min, max: max, items, site, &report)
        default:
            break
        }
    }

    private func item(_ index: Int, _ value: JSON, _ schema: Int, keyword: String,
                      _ site: EvaluationSite, _ report: inout SchemaReport) throws {
        let path = site.path.appending(index)
        if nodes[schema].isFalse {
            report.add(path, nodes[schema].location, keyword, "item \(index) is not allowed")
        } else {
            try descend(schema, value, at: path, &report)
        }
    }

    private func checkContains(_ schema: Int, min: Int, max: Int?, _ items: [JSON], _ site: EvaluationSite,
                               _ report: inout SchemaReport) throws {
        var matches = 0
        for (i, value) in items.enumerated() {
            if max == nil && matches >= min { return }  // the outcome is settled
            if try isValid(schema, value, at: site.path.appending(i), refChain: 0) { matches += 1 }
        }
        if matches < min {
            if matches == 0 {
                report.add(site.path, site.keyword("contains"), "contains",
                           "no item matches the contains schema" + (min > 1 ? " (at least \(min) must)" : ""))
            } else {
                report.add(site.path, site.keyword("minContains"), "minContains",
                           "\(matches) items match the contains schema, fewer than the minimum \(min)")
            }
        }
        if let max, matches > max {
            report.add(site.path, site.keyword("maxContains"), "maxContains",
                       "\(matches) items match the contains schema, more than the maximum \(max)")
        }
    }
}
