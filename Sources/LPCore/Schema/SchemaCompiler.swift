import Foundation

/// The compiled form of every schema validated so far: a node table plus the memo that maps a
/// document location to its node, so each subschema (and each `$ref` target) is compiled once.
struct CompiledSchemas {
    var nodes: [SchemaNode] = []
    var memo: [SchemaLocation: Int] = [:]
    var regexes: [String: NSRegularExpression] = [:]

    /// Drops every node from `count` on (and its memo entries): undoes a compile that failed.
    mutating func rollBack(to count: Int) {
        guard nodes.count > count else { return }
        nodes.removeSubrange(count...)
        memo = memo.filter { $0.value < count }
    }
}

/// Turns schema JSON into `SchemaNode`s, checking every keyword's shape and resolving every
/// `$ref` eagerly, so a schema that compiles cannot fail on a bad keyword mid-validation.
struct SchemaCompiler {
    let index: SchemaIndex
    var compiled: CompiledSchemas

    /// Compiles a `$ref` target or validation root.
    mutating func compile(_ location: SchemaLocation) throws -> Int {
        if let known = compiled.memo[location] { return known }
        return try compile(location, scope: index.scope(at: location))
    }

    /// Compiles the subschema under `keyword` (and `member`, for maps and lists) of a schema.
    private mutating func compile(_ keyword: String, _ member: String? = nil, of location: SchemaLocation,
                                  _ scope: SchemaScope) throws -> Int {
        var childLocation = location.appending(keyword)
        var childScope = scope.appending(keyword)
        if let member {
            childLocation = childLocation.appending(member)
            childScope = childScope.appending(member)
        }
        if let known = compiled.memo[childLocation] { return known }
        return try compile(childLocation, scope: childScope)
    }

    /// `scope` is the one inherited from the parent; a nested `$id` replaces it.
    private mutating func compile(_ location: SchemaLocation, scope inherited: SchemaScope) throws -> Int {
        let scope = index.bases[location].map { SchemaScope(base: $0, location: $0 + "#") } ?? inherited
        guard let value = index.value(at: location) else {
            throw SchemaError("no schema at \(scope.location)")
        }
        let slot = compiled.nodes.count
        compiled.memo[location] = slot
        switch value {
        case .bool(let b):
            compiled.nodes.append(SchemaNode(location: scope.location, body: .always(b)))
        case .object(let members):
            // Registered before its keywords compile, so recursive `$ref`s find it.
            compiled.nodes.append(SchemaNode(location: scope.location, body: .always(true)))
            let checks = try keywords(members, at: location, scope: scope)
            compiled.nodes[slot].body = .checks(checks)
        default:
            throw SchemaError("schema at \(scope.location) must be an object or a boolean, not \(value.typeName)")
        }
        return slot
    }

    private mutating func keywords(_ m: [String: JSON], at location: SchemaLocation,
                                   scope: SchemaScope) throws -> [SchemaCheck] {
        var checks: [SchemaCheck] = []
        let shape = KeywordShape(members: m, scope: scope)
        if let ref = try shape.string("$ref") {
            let target: SchemaLocation
            do {
                target = try index.locate(resolveURI(ref, against: scope.base))
            } catch let error as SchemaError {
                throw SchemaError("unresolvable $ref \"\(ref)\" at \(scope.location)/$ref: \(error.message)")
            }
            checks.append(.ref(try compile(target)))
        }
        if let names = try shape.types() { checks.append(.type(names)) }
        if let value = m["const"] { checks.append(.constant(value)) }
        if let values = try shape.array("enum") { checks.append(.enumeration(values)) }
        if m["format"]?.stringValue == "date-time" { checks.append(.dateTime) }
        checks += try numericChecks(shape)
        if let n = try shape.count("minLength") { checks.append(.minLength(n)) }
        if let n = try shape.count("maxLength") { checks.append(.maxLength(n)) }
        if let source = try shape.string("pattern") {
            checks.append(.pattern(try pattern(source, at: scope.location + "/pattern")))
        }
        checks += try objectChecks(shape, at: location)
        checks += try arrayChecks(shape, at: location)
        checks += try combinatorChecks(shape, at: location)
        if let defs = try shape.object("$defs") {
            for name in defs.keys.sorted() { _ = try compile("$defs", name, of: location, scope) }
        }
        return checks
    }

    private func numericChecks(_ shape: KeywordShape) throws -> [SchemaCheck] {
        var checks: [SchemaCheck] = []
        if let n = try shape.number("minimum") { checks.append(.minimum(n)) }
        if let n = try shape.number("maximum") { checks.append(.maximum(n)) }
        if let n = try shape.number("exclusiveMinimum") { checks.append(.exclusiveMinimum(n)) }
        if let n = try shape.number("exclusiveMaximum") { checks.append(.exclusiveMaximum(n)) }
        if let n = try shape.number("multipleOf") {
            guard n > 0 else { throw shape.invalid("multipleOf", "a number greater than 0") }
            checks.append(.multipleOf(n))
        }
        return checks
    }

    private mutating func objectChecks(_ shape: KeywordShape, at location: SchemaLocation) throws -> [SchemaCheck] {
        var checks: [SchemaCheck] = []
        if let names = try shape.strings("required") { checks.append(.required(names)) }
        if let deps = try shape.object("dependentRequired") {
            var list: [(property: String, requires: [String])] = []
            for name in deps.keys.sorted() {
                guard let required = deps[name]?.arrayValue?.compactMap(\.stringValue),
                      required.count == deps[name]?.arrayValue?.count else {
                    throw shape.invalid("dependentRequired", "an object of string arrays")
                }
                list.append((name, required))
            }
            checks.append(.dependentRequired(list))
        }
        var named: Set<String> = []
        if let properties = try shape.object("properties") {
            var list: [(name: String, schema: Int)] = []
            for name in properties.keys.sorted() {
                list.append((name, try compile("properties", name, of: location, shape.scope)))
                named.insert(name)
            }
            checks.append(.properties(list))
        }
        var patterns: [SchemaPattern] = []
        if let byPattern = try shape.object("patternProperties") {
            var list: [(pattern: SchemaPattern, schema: Int)] = []
            for source in byPattern.keys.sorted() {
                let compiledPattern = try pattern(source, at: shape.scope.location + "/patternProperties")
                list.append((compiledPattern, try compile("patternProperties", source, of: location, shape.scope)))
                patterns.append(compiledPattern)
            }
            checks.append(.patternProperties(list))
        }
        if shape.members["additionalProperties"] != nil {
            let schema = try compile("additionalProperties", of: location, shape.scope)
            checks.append(.additionalProperties(schema, named: named, patterns: patterns))
        }
        if shape.members["propertyNames"] != nil {
            checks.append(.propertyNames(try compile("propertyNames", of: location, shape.scope)))
        }
        if let n = try shape.count("minProperties") { checks.append(.minProperties(n)) }
        if let n = try shape.count("maxProperties") { checks.append(.maxProperties(n)) }
        if let deps = try shape.object("dependentSchemas") {
            var list: [(property: String, schema: Int)] = []
            for name in deps.keys.sorted() {
                list.append((name, try compile("dependentSchemas", name, of: location, shape.scope)))
            }
            checks.append(.dependentSchemas(list))
        }
        return checks
    }

    private mutating func arrayChecks(_ shape: KeywordShape, at location: SchemaLocation) throws -> [SchemaCheck] {
        var checks: [SchemaCheck] = []
        let prefix = try schemaList("prefixItems", shape, at: location)
        if let prefix { checks.append(.prefixItems(prefix)) }
        if let items = shape.members["items"] {
            if case .array = items {
                throw shape.invalid("items", "a schema (draft 2020-12 spells a list of schemas prefixItems)")
            }
            checks.append(.items(try compile("items", of: location, shape.scope), from: prefix?.count ?? 0))
        }
        if shape.members["contains"] != nil {
            let schema = try compile("contains", of: location, shape.scope)
            let min = try shape.count("minContains") ?? 1
            checks.append(.contains(schema, min: min, max: try shape.count("maxContains")))
        }
        if let n = try shape.count("minItems") { checks.append(.minItems(n)) }
        if let n = try shape.count("maxItems") { checks.append(.maxItems(n)) }
        if let unique = shape.members["uniqueItems"] {
            guard let flag = unique.boolValue else { throw shape.invalid("uniqueItems", "a boolean") }
            if flag { checks.append(.uniqueItems) }
        }
        return checks
    }

    private mutating func combinatorChecks(_ shape: KeywordShape, at location: SchemaLocation) throws -> [SchemaCheck] {
        var checks: [SchemaCheck] = []
        if let list = try schemaList("allOf", shape, at: location) { checks.append(.allOf(list)) }
        if let list = try schemaList("anyOf", shape, at: location) { checks.append(.anyOf(list)) }
        if let list = try schemaList("oneOf", shape, at: location) { checks.append(.oneOf(list)) }
        if shape.members["not"] != nil { checks.append(.not(try compile("not", of: location, shape.scope))) }
        let then = try shape.members["then"].map { _ in try compile("then", of: location, shape.scope) }
        let otherwise = try shape.members["else"].map { _ in try compile("else", of: location, shape.scope) }
        if shape.members["if"] != nil {
            checks.append(.conditional(if: try compile("if", of: location, shape.scope), then: then, else: otherwise))
        }
        return checks
    }

    /// A keyword holding a non-empty array of schemas, compiled.
    private mutating func schemaList(_ keyword: String, _ shape: KeywordShape,
                                     at location: SchemaLocation) throws -> [Int]? {
        guard let list = try shape.array(keyword) else { return nil }
        guard !list.isEmpty else { throw shape.invalid(keyword, "a non-empty array of schemas") }
        return try list.indices.map { try compile(keyword, String($0), of: location, shape.scope) }
    }

    private mutating func pattern(_ source: String, at location: String) throws -> SchemaPattern {
        if let cached = compiled.regexes[source] { return SchemaPattern(source: source, regex: cached) }
        do {
            let regex = try ECMAScriptRegex.compile(source)
            compiled.regexes[source] = regex
            return SchemaPattern(source: source, regex: regex)
        } catch {
            throw SchemaError("invalid regular expression \"\(source)\" at \(location)")
        }
    }
}

/// Reads keyword values of one schema object, throwing a `SchemaError` naming the keyword when a
/// value has the wrong shape.
struct KeywordShape {
    let members: [String: JSON]
    let scope: SchemaScope

    func invalid(_ keyword: String, _ expected: String) -> SchemaError {
        SchemaError("\(scope.location)/\(JSONPointer.escape(keyword)) must be \(expected)")
    }

    func string(_ keyword: String) throws -> String? {
        guard let value = members[keyword] else { return nil }
        guard let text = value.stringValue else { throw invalid(keyword, "a string") }
        return text
    }

    func number(_ keyword: String) throws -> Double? {
        guard let value = members[keyword] else { return nil }
        guard let n = value.doubleValue else { throw invalid(keyword, "a number") }
        return n
    }

    /// A non-negative integer (`2.0` counts as `2`).
    func count(_ keyword: String) throws -> Int? {
        guard let value = members[keyword] else { return nil }
        guard let n = value.intValue, n >= 0 else { throw invalid(keyword, "a non-negative integer") }
        return n
    }

    func array(_ keyword: String) throws -> [JSON]? {
        guard let value = members[keyword] else { return nil }
        guard let items = value.arrayValue else { throw invalid(keyword, "an array") }
        return items
    }

    func object(_ keyword: String) throws -> [String: JSON]? {
        guard let value = members[keyword] else { return nil }
        guard let object = value.objectValue else { throw invalid(keyword, "an object") }
        return object
    }

    func strings(_ keyword: String) throws -> [String]? {
        guard let items = try array(keyword) else { return nil }
        let texts = items.compactMap(\.stringValue)
        guard texts.count == items.count else { throw invalid(keyword, "an array of strings") }
        return texts
    }

    static let typeNames: Set<String> = ["array", "boolean", "integer", "null", "number", "object", "string"]

    func types() throws -> [String]? {
        guard let value = members["type"] else { return nil }
        let names = value.stringValue.map { [$0] } ?? value.arrayValue?.compactMap(\.stringValue) ?? []
        guard !names.isEmpty, names.count == (value.arrayValue?.count ?? 1),
              names.allSatisfy(KeywordShape.typeNames.contains) else {
            throw invalid("type", "a type name or an array of type names")
        }
        return names
    }
}
