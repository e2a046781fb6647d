/// Assertions on a single value: type, const, enum, format, numbers and strings.
extension SchemaEvaluator {
    func checkType(_ names: [String], _ instance: JSON, _ site: EvaluationSite, _ report: inout SchemaReport) {
        let actual = instance.typeName
        if names.contains(actual) || (actual == "integer" && names.contains("number")) { return }
        report.add(site.path, site.keyword("type"), "type", "expected \(names.joined(separator: " or ")), got \(actual)")
    }

    func checkConst(_ value: JSON, _ instance: JSON, _ site: EvaluationSite, _ report: inout SchemaReport) {
        if SchemaEquality.equal(instance, value) { return }
        report.add(site.path, site.keyword("const"), "const", "expected \(value.brief), got \(instance.brief)")
    }

    func checkEnum(_ values: [JSON], _ instance: JSON, _ site: EvaluationSite, _ report: inout SchemaReport) {
        if values.contains(where: { SchemaEquality.equal($0, instance) }) { return }
        let allowed = values.prefix(8).map(\.brief).joined(separator: ", ") + (values.count > 8 ? ", ..." : "")
        report.add(site.path, site.keyword("enum"), "enum", "\(instance.brief) is not one of \(allowed)")
    }

    func checkDateTime(_ instance: JSON, _ site: EvaluationSite, _ report: inout SchemaReport) {
        guard case .string(let text) = instance, !DateTimeFormat.isValid(text) else { return }
        report.add(site.path, site.keyword("format"), "format", "\(instance.brief) is not an RFC 3339 date-time")
    }

    func checkNumber(_ check: SchemaCheck, _ instance: JSON, _ site: EvaluationSite, _ report: inout SchemaReport) {
        guard case .number(let value) = instance else { return }
        let keyword: String, relation: String, bound: Double
        switch check {
        case .minimum(let b) where value < b: (keyword, relation, bound) = ("minimum", "less than the minimum", b)
        case .maximum(let b) where value > b: (keyword, relation, bound) = ("maximum", "greater than the maximum", b)
        case .exclusiveMinimum(let b) where value <= b:
            (keyword, relation, bound) = ("exclusiveMinimum", "not greater than the exclusive minimum", b)
        case .exclusiveMaximum(let b) where value >= b:
            (keyword, relation, bound) = ("exclusiveMaximum", "not less than the exclusive maximum", b)
        case .multipleOf(let b) where !isMultiple(value, of: b): (keyword, relation, bound) = ("multipleOf", "not a multiple of", b)
        default: return
        }
        report.add(site.path, site.keyword(keyword), keyword,
                   "\(JSON.ecmaScriptString(value)) is \(relation) \(JSON.ecmaScriptString(bound))")
    }

    /// Binary floating point cannot hold most decimal divisors exactly (0.0075 / 0.0001 is
    /// 74.99999999999999), so a quotient within a few ulps of an integer counts as integral.
    /// An overflowing quotient is not a multiple.
    private func isMultiple(_ value: Double, of divisor: Double) -> Bool {
        let quotient = value / divisor
        guard quotient.isFinite else { return false }
        let nearest = quotient.rounded()
        return abs(quotient - nearest) <= 4 * nearest.ulp
    }

    func checkString(_ check: SchemaCheck, _ instance: JSON, _ site: EvaluationSite, _ report: inout SchemaReport) {
        guard case .string(let text) = instance else { return }
        switch check {
        case .minLength(let bound):
            // JSON Schema counts Unicode code points, not grapheme clusters or UTF-16 units.
            let length = text.unicodeScalars.count
            if length < bound {
                report.add(site.path, site.keyword("minLength"), "minLength",
                           "string has \(length) characters, fewer than the minimum \(bound)")
            }
        case .maxLength(let bound):
            let length = text.unicodeScalars.count
            if length > bound {
                report.add(site.path, site.keyword("maxLength"), "maxLength",
                           "string has \(length) characters, more than the maximum \(bound)")
            }
        case .pattern(let pattern):
            if !pattern.matches(text) {
                report.add(site.path, site.keyword("pattern"), "pattern",
                           "\(instance.brief) does not match the pattern \(pattern.source)")
            }
        default:
            break
        }
    }
}

/// JSON Schema equality: numbers by value (1 == 1.0), strings by code points. Swift's `String ==`
/// (and so `JSON ==`) treats canonically equivalent strings ("é" and "e" + U+0301) as equal,
/// which JSON Schema does not.
enum SchemaEquality {
    static func equal(_ a: JSON, _ b: JSON) -> Bool {
        switch (a, b) {
        case (.string(let x), .string(let y)):
            return x.unicodeScalars.elementsEqual(y.unicodeScalars)
        case (.array(let x), .array(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { equal($0, $1) }
        case (.object(let x), .object(let y)):
            return x.count == y.count && x.allSatisfy { key, value in y[key].map { equal(value, $0) } ?? false }
        default:
            return a == b
        }
    }
}
