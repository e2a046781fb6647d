import LPCore
import LPState
import LPIndex
import Foundation

/// Every mutating request, recorded in the state directory (`audit/<ms>-<id>.json`): who (the
/// token's name, never the token), what (the route and the deployment or incident it touched),
/// when, and how it ended. The events endpoint reads them back.
struct AuditEntry: Codable, Equatable {
    var schema_version = "x07lpd.audit.entry@0.1.0"
    var audit_id: String
    var at_unix_ms: Int64
    var token_name: String
    var kind: String
    var route: String
    var exec_id: String?
    var incident_id: String?
    var http_status: Int
    var exit_code: Int32?
    var ok: Bool

    static let directory = "audit"

    static func record(_ entry: AuditEntry, state root: String) throws {
        let state = StateDirectory(root: root, observer: IndexMaintenance())
        let name = String(format: "%013lld", entry.at_unix_ms) + "-" + entry.audit_id
        try state.write { tx in
            _ = try tx.writeRecord(try JSON(encoding: entry), at: directory + "/" + name + ".json", logicalName: "x07lpd.audit.entry")
        }
    }

    /// Every entry, oldest first.
    static func all(state root: String) -> [AuditEntry] {
        let dir = root + "/" + directory
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }
        return names.sorted().compactMap { name in
            guard let bytes = try? InputDocument.readFile(dir + "/" + name, limit: 1 << 16) else { return nil }
            return try? JSONParser.parse(bytes).decode(AuditEntry.self)
        }
    }
}

/// `GET /v1/events` (the audit entries of a deployment) and `GET /v1/logs` (its detached run's
/// log lines), paged by a decimal cursor.
enum StreamHandlers {
    static func page(_ request: HTTPRequest) throws -> (exec: String?, start: Int, limit: Int) {
        let exec = request.query["exec_id"] ?? request.query["deployment_id"]
        if let exec, !HTTPRequest.isPlainSegment(exec) { throw ServeError.invalidRequest("exec_id is not a deployment id") }
        guard let start = Int(request.query["cursor"] ?? "0"), start >= 0 else { throw ServeError.invalidRequest("cursor is an offset") }
        guard let limit = Int(request.query["limit"] ?? "100"), (1...ServeLimits.maxQueryLimit).contains(limit) else {
            throw ServeError.invalidRequest("limit is a number from 1 to \(ServeLimits.maxQueryLimit)")
        }
        return (exec, start, limit)
    }

    static func result(_ schema: String, exec: String?, items: [JSON], start: Int, limit: Int) -> JSON {
        let end = min(items.count, start + limit)
        let slice = start < end ? Array(items[start..<end]) : []
        return ["schema_version": .string(schema), "exec_id": exec.map(JSON.string) ?? .null, "slot": .null,
                "items": .array(slice), "cursor": .string(String(start)),
                "next_cursor": end < items.count ? .string(String(end)) : .null]
    }

    static func wrap(_ command: String, _ result: JSON, _ context: ServeContext) throws -> HTTPResponse {
        HTTPResponse(body: HTTPResponse.report(command, .ok, [], runId: Identifier.make(.run, parts: [command, String(context.nowMs)]),
                                               result: result))
    }

    static func events(_ request: HTTPRequest, _ context: ServeContext) throws -> HTTPResponse {
        let (exec, start, limit) = try page(request)
        let items: [JSON] = AuditEntry.all(state: context.state).compactMap { entry in
            guard let id = entry.exec_id, exec == nil || exec == id else { return nil }
            return ["event_id": .string("lpevt_" + entry.audit_id), "kind": .string(entry.kind), "exec_id": .string(id),
                    "run_id": .null, "slot": .null, "emitted_unix_ms": .number(Double(entry.at_unix_ms)),
                    "data": ["token_name": .string(entry.token_name), "route": .string(entry.route),
                             "http_status": .number(Double(entry.http_status)), "ok": .bool(entry.ok),
                             "exit_code": entry.exit_code.map { .number(Double($0)) } ?? .null]]
        }
        return try wrap("events", result("lp.remote.events.result@0.1.0", exec: exec, items: items, start: start, limit: limit), context)
    }

    static func logs(_ request: HTTPRequest, _ context: ServeContext) throws -> HTTPResponse {
        let (exec, start, limit) = try page(request)
        guard let exec else { throw ServeError.invalidRequest("logs need exec_id") }
        let text = (try? String(contentsOfFile: RunFiles.log(context.state, exec), encoding: .utf8)) ?? ""
        var last: Int64 = 0
        let items: [JSON] = text.split(separator: "\n").enumerated().map { index, line in
            let words = line.split(separator: " ", maxSplits: 2).map(String.init)
            var level = "info", message = String(line)
            if words.count == 3, let ms = Int64(words[0]), ["debug", "info", "warn", "error"].contains(words[1]) {
                last = ms
                level = words[1]
                message = words[2]
            }
            return ["log_id": .string("lplog_\(exec)_\(index)"), "exec_id": .string(exec), "run_id": .null, "slot": .null,
                    "level": .string(level), "emitted_unix_ms": .number(Double(last)),
                    "message": .string(String(message.prefix(8192))), "fields": [:]]
        }
        return try wrap("logs", result("lp.remote.logs.result@0.1.0", exec: exec, items: items, start: start, limit: limit), context)
    }
}
