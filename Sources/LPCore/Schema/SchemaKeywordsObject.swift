/// Object keywords. Members are visited in sorted order so violations come out deterministically.
extension SchemaEvaluator {
    func checkObjectShape(_ check: SchemaCheck, _ instance: JSON, _ site: EvaluationSite,
                          _ report: inout SchemaReport) {
        guard case .object(let members) = instance else { return }
        switch check {
        // A missing property is reported at the pointer it is missing from (`/meta/run_id`), which
        // names it in a diagnostic even where the message is not shown.
        case .required(let names):
            for name in names where members[name] == nil {
                report.add(site.path.appending(name), site.keyword("required"), "required", "missing required property \(JSON.string(name).brief)")
            }
        case .dependentRequired(let dependencies):
            for (property, requires) in dependencies where members[property] != nil {
                for name in requires where members[name] == nil {
                    report.add(site.path.appending(name), site.keyword("dependentRequired"), "dependentRequired",
                               "missing property \(JSON.string(name).brief), required when \(JSON.string(property).brief) is present")
                }
            }
        case .minProperties(let bound) where members.count < bound:
            report.add(site.path, site.keyword("minProperties"), "minProperties",
                       "object has \(members.count) properties, fewer than the minimum \(bound)")
        case .maxProperties(let bound) where members.count > bound:
            report.add(site.path, site.keyword("maxProperties"), "maxProperties",
                       "object has \(members.count) properties, more than the maximum \(bound)")
        default:
            break
        }
    }

    func applyObjectApplicator(_ check: SchemaCheck, _ instance: JSON, _ site: EvaluationSite,
                               _ report: inout SchemaReport) throws {
        guard case .object(let members) = instance else { return }
        switch check {
        case .properties(let schemas):
            for (name, schema) in schemas {
                guard let value = members[name] else { continue }
                try member(name, value, schema, keyword: "properties", site, &report)
                if report.isDone { return }
            }
        case .patternProperties(let schemas):
            for name in members.keys.sorted() {
                for (pattern, schema) in schemas where pattern.matches(name) {
                    try member(name, members[name] ?? .null, schema, keyword: "patternProperties", site, &report)
                    if report.isDone { return }
                }
            }
        case .additionalProperties(let schema, let named, let patterns):
            for name in members.keys.sorted() where !named.contains(name) && !patterns.contains(where: { $0.matches(name) }) {
                try member(name, members[name] ?? .null, schema, keyword: "additionalProperties", site, &report)
                if report.isDone { return }
            }
        case .propertyNames(let schema):
            for name in members.keys.sorted() {
                let path = site.path.appending(name)
                guard let first = try allViolations(schema, .string(name), at: path, refChain: 0).first else { continue }
                report.add(path, site.keyword("propertyNames"), "propertyNames",
                           "property name \(JSON.string(name).brief) is not allowed: \(first.message)")
                if report.isDone { return }
            }
        case .dependentSchemas(let schemas):
            for (property, schema) in schemas where members[property] != nil {
                try inPlace(schema, instance, site, &report)
                if report.isDone { return }
            }
        default:
            break
        }
    }

    /// Applies `schema` to one member; a `false` schema reads as "property not allowed".
    private func member(_ name: String, _ value: JSON, _ schema: Int, keyword: String,
                        _ site: EvaluationSite, _ report: inout SchemaReport) throws {
        let path = site.path.appending(name)
        if nodes[schema].isFalse {
            report.add(path, nodes[schema].location, keyword, "property \(JSON.string(name).brief) is not allowed")
        } else {
            try descend(schema, value, at: path, &report)
        }
    }
}
