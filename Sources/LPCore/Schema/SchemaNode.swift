import Foundation

/// A compiled (sub)schema. Subschemas are referred to by index into the compiled node table, so
/// recursive `$ref`s form a cycle of indexes, not of object references.
struct SchemaNode {
    enum Body {
        case always(Bool)
        case checks([SchemaCheck])
    }

    /// Canonical absolute location of this schema (`uri#/pointer`).
    var location: String
    var body: Body

    var isFalse: Bool {
        if case .always(false) = body { return true }
        return false
    }
}

/// A regex from `pattern`/`patternProperties`, with its source text for messages.
struct SchemaPattern {
    var source: String
    var regex: NSRegularExpression

    func matches(_ text: String) -> Bool {
        regex.firstMatch(in: text, range: NSRange(location: 0, length: text.utf16.count)) != nil
    }
}

/// One assertion or applicator keyword, with its arguments already validated and resolved.
enum SchemaCheck {
    case ref(Int)
    case type([String])
    case constant(JSON)
    case enumeration([JSON])
    case dateTime
    case minimum(Double), maximum(Double), exclusiveMinimum(Double), exclusiveMaximum(Double)
    case multipleOf(Double)
    case minLength(Int), maxLength(Int)
    case pattern(SchemaPattern)
    case required([String])
    case dependentRequired([(property: String, requires: [String])])
    case properties([(name: String, schema: Int)])
    case patternProperties([(pattern: SchemaPattern, schema: Int)])
    /// `additionalProperties`, with the names and patterns of its sibling keywords.
    case additionalProperties(Int, named: Set<String>, patterns: [SchemaPattern])
    case propertyNames(Int)
    case minProperties(Int), maxProperties(Int)
    case dependentSchemas([(property: String, schema: Int)])
    case prefixItems([Int])
    /// `items`, applying from index `from` on (the length of a sibling `prefixItems`).
    case items(Int, from: Int)
    case contains(Int, min: Int, max: Int?)
    case minItems(Int), maxItems(Int)
    case uniqueItems
    case allOf([Int]), anyOf([Int]), oneOf([Int])
    case not(Int)
    case conditional(if: Int, then: Int?, else: Int?)
}
