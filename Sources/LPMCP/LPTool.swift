import LPCore

/// The two tools of the official agent path (SPEC C.3/C.4): one `op` enum each, flat optional
/// fields, and the verb's `lp.cli.report` as the answer.
enum LPTool: String, CaseIterable, Sendable {
    case query = "lp.query_v1"
    case control = "lp.control_v1"

    var ops: [ToolOp] {
        switch self {
        case .query: return ToolOp.query
        case .control: return ToolOp.control
        }
    }

    func op(named name: String) -> ToolOp? { ops.first { $0.name == name } }

    /// `op` values in `structuredContent`: `lp.query.deploy_query`, `lp.control.deploy_pause`.
    var opPrefix: String {
        switch self {
        case .query: return "lp.query."
        case .control: return "lp.control."
        }
    }

    /// Fields every op of the tool accepts.
    var commonFields: [String] {
        switch self {
        case .query: return ["state_dir", "report_path", "timeout_ms", "cursor"]
        case .control: return ["state_dir", "report_path", "timeout_ms", "cursor", "now_unix_ms"]
        }
    }

    /// Every field of the input schema besides `op`.
    var fieldNames: [String] {
        var names = Set(commonFields)
        for op in ops { names.formUnion(op.fields.keys) }
        return names.sorted()
    }

    var inputSchema: JSON {
        var properties: [String: JSON] = [
            "op": ["type": "string", "enum": .array(ops.map { .string($0.name) }), "description": "the operation to run"],
        ]
        for name in fieldNames { properties[name] = ToolFields.named(name).schema }
        return ["type": "object", "additionalProperties": false, "required": ["op"], "properties": .object(properties)]
    }

    static let outputSchema: JSON = [
        "type": "object",
        "required": ["ok", "exit_code", "op", "summary"],
        "properties": [
            "ok": ["type": "boolean", "description": "the report's ok"],
            "exit_code": ["type": "integer", "description": "the exit code the CLI would exit with"],
            "op": ["type": "string", "description": "lp.query.<op> or lp.control.<op>"],
            "summary": [
                "type": "object",
                "required": ["command"],
                "properties": [
                    "command": ["type": "string", "description": "the report's command"],
                    "diagnostic": ["type": "string", "description": "the code of the report's first diagnostic"],
                    "ids": ["type": "object", "description": "the ids the report's result names",
                            "additionalProperties": ["type": "string"]],
                ],
            ],
            "report_path": ["type": "string", "description": "the file holding the full report"],
            "truncated": ["type": "boolean", "description": "the text content holds only the start of the report"],
            "report_bytes": ["type": "integer", "description": "size of the full report"],
        ],
    ]

    var definition: JSON {
        switch self {
        case .query:
            return [
                "name": .string(rawValue), "title": "x07lp query",
                "description": "Query deployments, incidents and the app inventory of an x07lp state (read-only). Each op runs one x07lp verb in-process and answers its lp.cli.report@0.1.0 (text) and a summary (structuredContent). Large reports are truncated; the full report is then written to report_path.",
                "inputSchema": inputSchema, "outputSchema": Self.outputSchema,
                "annotations": ["title": "x07lp query", "readOnlyHint": true, "destructiveHint": false,
                                "idempotentHint": true, "openWorldHint": false],
            ]
        case .control:
            return [
                "name": .string(rawValue), "title": "x07lp control",
                "description": "Run x07lp lifecycle controls: accept and run deployments, pause, resume, stop, roll back, promote or rerun them, capture and resolve incidents, generate regressions, kill switches. Each op runs one x07lp verb in-process and answers its lp.cli.report@0.1.0 (text) and a summary (structuredContent); the verb's own failures are reports with ok:false. Needs the server started with --allow-control.",
                "inputSchema": inputSchema, "outputSchema": Self.outputSchema,
                "annotations": ["title": "x07lp control", "readOnlyHint": false, "destructiveHint": true,
                                "idempotentHint": false, "openWorldHint": false],
            ]
        }
    }
}
