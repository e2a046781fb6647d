import LPCore
import Foundation

/// One request in, one response out: routing, bearer authentication and scopes, the handler,
/// and the audit record of a mutating request. Pure but for the state directory it works on,
/// so tests drive it in-process; `ServeMain` is the CGI edge.
public enum Serve {
    public static func handle(_ request: HTTPRequest, body: HTTPBody, context: ServeContext) -> HTTPResponse {
        let segments: [String]
        do { segments = try request.segments() } catch let error as ServeError {
            return HTTPResponse.refusal(error, command: "remote", nowMs: context.nowMs)
        } catch {
            return HTTPResponse.refusal(.internalError("unexpected error"), command: "remote", nowMs: context.nowMs)
        }
        let matched = Route.match(request.method, segments)
        // Authentication comes before routing (an unknown path without a token is a 401), except
        // for the health probe.
        if matched?.0 != .health {
            let tokens = (try? TokenStore.load(state: context.state)) ?? TokenStore()
            guard let token = request.bearerToken, let entry = tokens.entry(for: token) else {
                return HTTPResponse.refusal(.unauthenticated, command: "remote auth", nowMs: context.nowMs)
            }
            guard let (route, expected) = matched else {
                return HTTPResponse.refusal(.notFound, command: "remote", nowMs: context.nowMs)
            }
            return authorized(route, expected: expected, entry: entry, request, body, context)
        }
        guard request.method == .get else { return HTTPResponse.refusal(.methodNotAllowed, command: "remote", nowMs: context.nowMs) }
        return HTTPResponse(body: ["ok": true, "api_version": "v1"])
    }

    static func authorized(_ route: Route, expected: HTTPMethod, entry: TokenStore.Entry, _ request: HTTPRequest,
                           _ body: HTTPBody, _ context: ServeContext) -> HTTPResponse {
        let response: HTTPResponse
        if request.method != expected {
            response = HTTPResponse.refusal(.methodNotAllowed, command: route.command, nowMs: context.nowMs)
        } else if let needed = route.scope, !entry.scope.allows(needed) {
            response = HTTPResponse.refusal(.forbidden(needed), command: route.command, nowMs: context.nowMs)
        } else {
            do {
                response = try dispatch(route, request, body, entry, context)
            } catch let error as ServeError {
                response = HTTPResponse.refusal(error, command: route.command, nowMs: context.nowMs)
            } catch let error as LPError {
                response = HTTPResponse(body: RunHandlers.failedReport(route.command, error, context))
            } catch {
                response = HTTPResponse.refusal(.internalError("internal error"), command: route.command, nowMs: context.nowMs)
            }
        }
        if let kind = route.auditKind { audit(route, kind: kind, entry: entry, response: response, context) }
        return response
    }

    static func dispatch(_ route: Route, _ request: HTTPRequest, _ body: HTTPBody, _ entry: TokenStore.Entry,
                         _ context: ServeContext) throws -> HTTPResponse {
        switch route {
        case .health: return HTTPResponse(body: ["ok": true, "api_version": "v1"])
        case .capabilities: return HTTPResponse(body: Capabilities.document(nowMs: context.nowMs))
        case .presence: return try CASHandlers.presence(body, context)
        case .upload(let sha): return try CASHandlers.put(sha, request, body, context)
        case .accept: return try DeployHandlers.accept(body, context)
        case .run: return try RunHandlers.start(body, tokenName: entry.name, context)
        case .status(let id): return DeployHandlers.status(id, context)
        case .query(let id): return try DeployHandlers.query(id, request, context)
        case .runReport(let id): return try RunHandlers.report(id, context)
        case .control(let id, let op): return try DeployHandlers.control(id, op, body, context)
        case .capture: return try IncidentHandlers.capture(body, context)
        case .incidents: return try IncidentHandlers.list(request, context)
        case .incident(let id): return IncidentHandlers.get(id, context)
        case .regress(let id): return try IncidentHandlers.regress(id, body, context)
        case .events: return try StreamHandlers.events(request, context)
        case .logs: return try StreamHandlers.logs(request, context)
        }
    }

    static func audit(_ route: Route, kind: String, entry: TokenStore.Entry, response: HTTPResponse, _ context: ServeContext) {
        let result = response.body["result"]
        var exec: String?
        var incident: String?
        switch route {
        case .control(let id, _): exec = id
        case .regress(let id): incident = id
        default: break
        }
        exec = exec ?? result?["deployment_id"]?.stringValue ?? result?["exec_id"]?.stringValue
        incident = incident ?? result?["incident_id"]?.stringValue
        let seed = [kind, entry.name, String(context.nowMs), exec ?? "", incident ?? "", String(response.status)].joined(separator: "\n")
            + Hex.encode((try? AESGCM.randomBytes(8)) ?? [])
        let record = AuditEntry(audit_id: String(SHA256.hex(Array(seed.utf8)).prefix(24)), at_unix_ms: context.nowMs,
                                token_name: entry.name, kind: kind, route: route.template, exec_id: exec, incident_id: incident,
                                http_status: response.status, exit_code: response.body["exit_code"]?.intValue.map(Int32.init),
                                ok: (200..<300).contains(response.status) && response.body["ok"]?.boolValue != false)
        do { try AuditEntry.record(record, state: context.state) } catch {
            FileHandle.standardError.write(Data("lp-serve: warning[LP_AUDIT_WRITE_FAILED]: \(kind) was not audited\n".utf8))
        }
    }
}
