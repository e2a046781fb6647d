import LPCore
import LPVerbs

/// Runs a checked call's verb in-process and shapes the MCP tool result: the verb's
/// `lp.cli.report` as text, and `{ok, exit_code, op, summary}` as structured content. A report
/// that says `ok: false` is still a result the tool produced (`isError` false).
enum ToolCall {
    static func run(_ invocation: ToolInvocation, config: ServerConfig) -> JSON {
        let verb = VerbRunner.run(invocation.op.verb, invocation.arguments, environment: config.environment)
        return result(verb, invocation, config: config)
    }

    static func result(_ verb: VerbResult, _ invocation: ToolInvocation, config: ServerConfig) -> JSON {
        let bytes = verb.report.canonicalBytes
        var structured: [String: JSON] = [
            "ok": .bool(verb.report["ok"] == true),
            "exit_code": .number(Double(verb.exitCode.rawValue)),
            "op": .string(invocation.tool.opPrefix + invocation.op.name),
            "summary": summary(verb.report),
        ]
        let truncated = bytes.count > config.maxResultBytes
        var text = truncated ? ReportFile.prefix(bytes, limit: config.maxResultBytes) : String(decoding: bytes, as: UTF8.self)
        if truncated || invocation.reportPath != nil {
            do {
                let path = try ReportFile.write(bytes, invocation, config: config)
                structured["report_path"] = .string(path)
                if truncated { text += "\n[truncated: the report is \(bytes.count) bytes; the full report is in \(path)]" }
            } catch {
                if truncated { text += "\n[truncated: the report is \(bytes.count) bytes; writing it to a file failed: \(error)]" }
            }
        }
        if truncated {
            structured["truncated"] = true
            structured["report_bytes"] = .number(Double(bytes.count))
        }
        return ["content": [["type": "text", "text": .string(text)]], "structuredContent": .object(structured), "isError": false]
    }

    /// A call the tool could not run: the message is all the answer holds.
    static func refusal(_ message: String) -> JSON {
        ["content": [["type": "text", "text": .string(message)]], "isError": true]
    }

    /// The report's command, its first diagnostic code and the ids its result names at the top
    /// (`exec_id`, `incident_id`, ...), so an agent can go on without reading the whole report.
    static func summary(_ report: JSON) -> JSON {
        var members: [String: JSON] = ["command": .string(report["command"]?.stringValue ?? "")]
        if let code = report["diagnostics"]?.arrayValue?.first?["code"], code.stringValue != nil {
            members["diagnostic"] = code
        }
        var ids: [String: JSON] = [:]
        for (key, value) in report["result"]?.objectValue ?? [:] where key.hasSuffix("_id") {
            if let id = value.stringValue, !id.isEmpty { ids[key] = value }
        }
        if !ids.isEmpty { members["ids"] = .object(ids) }
        return .object(members)
    }
}
