/// The violations found so far. In `firstOnly` mode (deciding whether a `oneOf`/`anyOf`/`not`/
/// `if`/`contains` branch matches) evaluation stops at the first one.
struct SchemaReport {
    var violations: [SchemaViolation] = []
    let firstOnly: Bool

    var isDone: Bool { firstOnly && !violations.isEmpty }

    mutating func add(_ path: JSONPointer, _ location: String, _ keyword: String, _ message: String) {
        violations.append(SchemaViolation(instancePointer: path, schemaLocation: location,
                                          keyword: keyword, message: message))
    }
}

/// Where a check runs: the instance position, the location of the schema holding the keyword,
/// and how many `$ref`s were followed since the instance position last changed.
struct EvaluationSite {
    var path: JSONPointer
    var location: String
    var refChain: Int

    func keyword(_ name: String) -> String { location + "/" + name }
}

/// Walks an instance against compiled nodes. One per `validate` call (it tracks nesting depth).
final class SchemaEvaluator {
    /// `$ref`s followed without consuming the instance before the schema counts as a ref cycle.
    static let maxRefChain = 128
    /// Nested schema evaluations, bounding stack use whatever the schema and instance: instances
    /// are at most 256 levels deep and take a few nested evaluations each. 1024 levels need about
    /// 1 MB of stack in release builds and 3 MB in debug builds (the main thread has 8 MB).
    static let maxDepth = 1024

    let nodes: [SchemaNode]
    private var depth = 0

    init(nodes: [SchemaNode]) { self.nodes = nodes }

    func evaluate(_ node: Int, _ instance: JSON, at path: JSONPointer, refChain: Int,
                  _ report: inout SchemaReport) throws {
        depth += 1
        defer { depth -= 1 }
        guard depth <= SchemaEvaluator.maxDepth else {
            throw SchemaError("schema evaluation nested deeper than \(SchemaEvaluator.maxDepth) levels at \(nodes[node].location)")
        }
        let schema = nodes[node]
        switch schema.body {
        case .always(true):
            return
        case .always(false):
            report.add(path, schema.location, "false", "no value is allowed here (the schema is false)")
        case .checks(let checks):
            let site = EvaluationSite(path: path, location: schema.location, refChain: refChain)
            for check in checks {
                try apply(check, to: instance, site, &report)
                if report.isDone { return }
            }
        }
    }

    /// Evaluates a subschema on a member or item of the instance.
    func descend(_ node: Int, _ instance: JSON, at path: JSONPointer, _ report: inout SchemaReport) throws {
        try evaluate(node, instance, at: path, refChain: 0, &report)
    }

    /// Evaluates a subschema on the same instance position (allOf, then, dependentSchemas, ...).
    func inPlace(_ node: Int, _ instance: JSON, _ site: EvaluationSite, _ report: inout SchemaReport) throws {
        try evaluate(node, instance, at: site.path, refChain: site.refChain, &report)
    }

    func isValid(_ node: Int, _ instance: JSON, at path: JSONPointer, refChain: Int) throws -> Bool {
        var report = SchemaReport(firstOnly: true)
        try evaluate(node, instance, at: path, refChain: refChain, &report)
        return report.violations.isEmpty
    }

    func allViolations(_ node: Int, _ instance: JSON, at path: JSONPointer, refChain: Int) throws -> [SchemaViolation] {
        var report = SchemaReport(firstOnly: false)
        try evaluate(node, instance, at: path, refChain: refChain, &report)
        return report.violations
    }

    private func apply(_ check: SchemaCheck, to instance: JSON, _ site: EvaluationSite,
                       _ report: inout SchemaReport) throws {
        switch check {
        case .ref(let target):
            guard site.refChain < SchemaEvaluator.maxRefChain else {
                throw SchemaError("$ref cycle: more than \(SchemaEvaluator.maxRefChain) $refs followed without consuming the instance at \(site.location)")
            }
            try evaluate(target, instance, at: site.path, refChain: site.refChain + 1, &report)
        case .type(let names): checkType(names, instance, site, &report)
        case .constant(let value): checkConst(value, instance, site, &report)
        case .enumeration(let values): checkEnum(values, instance, site, &report)
        case .dateTime: checkDateTime(instance, site, &report)
        case .minimum, .maximum, .exclusiveMinimum, .exclusiveMaximum, .multipleOf:
            checkNumber(check, instance, site, &report)
        case .minLength, .maxLength, .pattern:
            checkString(check, instance, site, &report)
        case .required, .dependentRequired, .minProperties, .maxProperties:
            checkObjectShape(check, instance, site, &report)
        case .properties, .patternProperties, .additionalProperties, .propertyNames, .dependentSchemas:
            try applyObjectApplicator(check, instance, site, &report)
        case .minItems, .maxItems, .uniqueItems:
            checkArrayShape(check, instance, site, &report)
        case .prefixItems, .items, .contains:
            try applyArrayApplicator(check, instance, site, &report)
        case .allOf, .anyOf, .oneOf, .not, .conditional:
            try applyCombinator(check, instance, site, &report)
        }
    }
}

extension JSON {
    /// A short rendering of a value for messages.
    var brief: String {
        let text = canonicalString
        return text.count <= 64 ? text : String(text.prefix(61)) + "..."
    }
}
