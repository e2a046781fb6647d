/// JSON Schema draft 2020-12 validation against the schemas of a `SchemaRegistry`.
///
/// Keywords: type, $ref (JSON Pointer and $anchor fragments, cross-document by $id), $defs,
/// properties, additionalProperties, patternProperties, required, dependentRequired,
/// dependentSchemas, enum, const, pattern, minLength/maxLength, minimum/maximum,
/// exclusiveMinimum/exclusiveMaximum, multipleOf, items, prefixItems, minItems/maxItems,
/// uniqueItems, contains/minContains/maxContains, oneOf, anyOf, allOf, not, if/then/else,
/// propertyNames, minProperties/maxProperties, format "date-time"; boolean schemas. Other formats
/// and unknown keywords are annotations and ignored; $dynamicRef and unevaluated* are not supported.
public struct SchemaValidator: Sendable {
    public let registry: SchemaRegistry

    public init(registry: SchemaRegistry) {
        self.registry = registry
    }

    /// Validates against the schema registered under `schemaID` (absolute URI, optional
    /// fragment). Returns every violation (empty = valid). Throws `SchemaError` for unknown ids,
    /// unresolvable refs, ref cycles that do not consume the instance, invalid regexes.
    public func validate(_ instance: JSON, schemaID: String) throws -> [SchemaViolation] {
        let (nodes, root) = try registry.compiledSchema(schemaID)
        return try SchemaEvaluator(nodes: nodes).allViolations(root, instance, at: JSONPointer(), refChain: 0)
    }

    /// Registers `schema` (if not already) and validates.
    public func validate(_ instance: JSON, schema: JSON) throws -> [SchemaViolation] {
        try validate(instance, schemaID: try registry.register(schema))
    }
}
