import LPCore
import LPStage
import LPVerbs

/// A checked `tools/call`: the op and the words its verb runs with.
struct ToolInvocation: Equatable {
    var tool: LPTool
    var op: ToolOp
    var arguments: [String]
    var stateDir: String
    /// Where the client asked the full report to be kept, relative to the report directory.
    var reportPath: String?
}

/// What to do with a call: run it, or refuse it with a message the caller sees as a tool error
/// (the tool could not run: control not allowed, an op or field this build does not have).
enum CallPlan: Equatable {
    case run(ToolInvocation)
    case refuse(String)
}

enum ToolArguments {
    /// Checks `arguments` against the tool's input schema (the project's validator), then what the
    /// schema cannot say: which fields the op takes and needs. Invalid arguments throw the MCP
    /// invalid-params error naming the field.
    static func plan(_ tool: LPTool, _ arguments: JSON?, config: ServerConfig, validator: SchemaValidator) throws(RPCError) -> CallPlan {
        let members = try validated(tool, arguments, validator)
        if tool == .control, !config.allowControl {
            return .refuse("\(tool.rawValue) is disabled: this server was started without --allow-control "
                + "(x07lp mcp serve --allow-control). Queries work through lp.query_v1.")
        }
        guard let opName = members["op"]?.stringValue, let op = tool.op(named: opName) else {
            throw invalid(tool, "op", "unknown op")
        }
        guard let pipeline = VerbTable.pipeline(op.verb) else {
            return .refuse("op \(op.name) is not available in this build: x07lp has no `\(op.verb.joined(separator: " "))` verb yet.")
        }
        let given = try givenFields(tool, op, members)
        let declared = Set(pipeline.steps.compactMap { StageRunner.command($0.definition, $0.words + $0.fixed)?.0.spec }
            .flatMap { $0.options.flatMap(\.spellings) })
        var words: [String] = []
        for name in given.keys.sorted() {
            guard let flag = op.fields[name] ?? (name == "now_unix_ms" ? ToolFields.named(name).flag : nil) else { continue }
            guard declared.contains(flag) else {
                return .refuse("\(name) is not available in this build: `x07lp \(op.verb.joined(separator: " "))` has no \(flag).")
            }
            words += ToolFields.named(name).words(given[name] ?? .null, flag: flag) ?? []
        }
        for (name, value) in op.defaults.sorted(by: { $0.key < $1.key }) where given[name] == nil {
            words.append("\(op.fields[name] ?? "")=\(value)")
        }
        if op.signs, let key = config.signingKey { words.append("--signing-key=\(key)") }
        let stateDir = given["state_dir"]?.stringValue ?? config.stateDir
        words.append("--state-dir=\(stateDir)")
        return .run(ToolInvocation(tool: tool, op: op, arguments: words, stateDir: stateDir,
                                   reportPath: given["report_path"]?.stringValue))
    }

    /// The arguments' members once they satisfy the tool's input schema. Left out or null they
    /// are `{}` (which the schema refuses for want of an op).
    static func validated(_ tool: LPTool, _ arguments: JSON?, _ validator: SchemaValidator) throws(RPCError) -> [String: JSON] {
        let arguments: JSON = switch arguments {
        case nil, .null?: [:]
        case let given?: given
        }
        guard case .object(let members) = arguments else { throw invalid(tool, "arguments", "must be an object") }
        let violations: [SchemaViolation]
        do {
            violations = try validator.validate(arguments, schema: tool.inputSchema)
        } catch {
            throw RPCError(.internalError, "the input schema of \(tool.rawValue) does not compile: \(error)")
        }
        if let first = violations.first {
            let errors = violations.map { violation -> JSON in
                ["field": .string(field(of: violation)), "message": .string(violation.message),
                 "keyword": .string(violation.keyword)]
            }
            throw invalid(tool, field(of: first), first.message, errors: errors)
        }
        return members
    }

    /// The fields given a value (an empty string or `false` means "not given", as the tools'
    /// defaults are), once each applies to the op and the op's required ones are there.
    static func givenFields(_ tool: LPTool, _ op: ToolOp, _ members: [String: JSON]) throws(RPCError) -> [String: JSON] {
        let given = members.filter { $0.key != "op" && $0.value != "" && $0.value != false }
        for name in given.keys.sorted() where op.fields[name] == nil && !tool.commonFields.contains(name) {
            throw invalid(tool, name, "does not apply to op \(op.name)")
        }
        if given["cursor"] != nil { throw invalid(tool, "cursor", "answers are not paginated; this server issues no cursors") }
        if let path = given["report_path"]?.stringValue, !ReportFile.isSafeRelativePath(path) {
            throw invalid(tool, "report_path", "must be a relative path without '.' or '..' components")
        }
        for alternatives in op.required {
            let present = alternatives.filter { given[$0] != nil }
            let names = alternatives.joined(separator: " or ")
            if present.isEmpty { throw invalid(tool, alternatives[0], "required by op \(op.name) (give \(names))") }
            if present.count > 1 { throw invalid(tool, present[1], "give exactly one of \(names) to op \(op.name)") }
        }
        return given
    }

    /// The argument a violation is about: the first member of its pointer.
    static func field(of violation: SchemaViolation) -> String {
        violation.instancePointer.tokens.first ?? "arguments"
    }

    static func invalid(_ tool: LPTool, _ field: String, _ message: String, errors: [JSON]? = nil) -> RPCError {
        RPCError(.invalidParams, "Invalid arguments for tool \(tool.rawValue): \(field): \(message)",
                 data: ["tool": .string(tool.rawValue), "field": .string(field),
                        "errors": .array(errors ?? [["field": .string(field), "message": .string(message)]])])
    }
}
