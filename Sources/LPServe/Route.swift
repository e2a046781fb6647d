/// The `/v1` API of x07lpd (docs/x07lpd.md): each route, the method it takes, the scope its
/// token needs, and the audit kind of a mutating one.
enum Route: Equatable {
    case health, capabilities, presence, upload(sha: String), accept, run
    case status(String), query(String), runReport(String), control(String, op: String)
    case capture, incidents, incident(String), regress(String), events, logs

    static let controls: Set = ["pause", "resume", "stop", "rollback", "promote", "rerun"]

    /// The route of a method and the path's segments after `/v1/`; nil when none matches.
    static func match(_ method: HTTPMethod, _ segments: [String]) -> (Route, expected: HTTPMethod)? {
        let route: Route
        switch segments {
        case ["health"]: route = .health
        case ["capabilities"]: route = .capabilities
        case ["artifacts", "cas", "presence"]: route = .presence
        case let s where s.count == 4 && s[0] == "artifacts" && s[1] == "cas" && s[2] == "objects": route = .upload(sha: s[3])
        case ["deploy", "accept"]: route = .accept
        case ["deploy", "run"]: route = .run
        case let s where s.count == 2 && s[0] == "deployments": route = .status(s[1])
        case let s where s.count == 3 && s[0] == "deployments" && s[2] == "query": route = .query(s[1])
        case let s where s.count == 3 && s[0] == "deployments" && s[2] == "run": route = .runReport(s[1])
        case let s where s.count == 3 && s[0] == "deployments" && controls.contains(s[2]): route = .control(s[1], op: s[2])
        case ["incidents", "capture"]: route = .capture
        case ["incidents"]: route = .incidents
        case let s where s.count == 2 && s[0] == "incidents": route = .incident(s[1])
        case let s where s.count == 3 && s[0] == "incidents" && s[2] == "regress": route = .regress(s[1])
        case ["events"]: route = .events
        case ["logs"]: route = .logs
        default: return nil
        }
        return (route, route.method)
    }

    var method: HTTPMethod {
        switch self {
        case .health, .capabilities, .status, .query, .runReport, .incidents, .incident, .events, .logs: return .get
        case .upload: return .put
        case .presence, .accept, .run, .control, .capture, .regress: return .post
        }
    }

    /// nil: no token needed.
    var scope: Scope? {
        switch self {
        case .health: return nil
        case .capabilities, .presence, .status, .query, .runReport, .incidents, .incident, .events, .logs: return .read
        case .upload, .accept, .run, .control, .capture, .regress: return .deploy
        }
    }

    /// The report command of a refusal on this route.
    var command: String {
        switch self {
        case .health, .capabilities: return "remote"
        case .presence, .upload: return "artifact upload"
        case .accept: return "deploy accept"
        case .run, .runReport: return "deploy run"
        case .status: return "deploy status"
        case .query: return "deploy query"
        case .control(_, let op): return "deploy " + op
        case .capture: return "incident capture"
        case .incidents: return "incident list"
        case .incident: return "incident get"
        case .regress: return "regress from-incident"
        case .events: return "events"
        case .logs: return "logs"
        }
    }

    /// The audit kind of a request that changes state; nil for reads.
    var auditKind: String? {
        switch self {
        case .upload: return "artifact.upload"
        case .accept: return "deploy.accept"
        case .run: return "deploy.run"
        case .control(_, let op): return "deploy." + op
        case .capture: return "incident.capture"
        case .regress: return "incident.regress"
        default: return nil
        }
    }

    /// The path as a template (ids left out), for the audit record.
    var template: String {
        switch self {
        case .upload: return "PUT /v1/artifacts/cas/objects/{sha256}"
        case .control(_, let op): return "POST /v1/deployments/{id}/" + op
        case .regress: return "POST /v1/incidents/{id}/regress"
        case .accept: return "POST /v1/deploy/accept"
        case .run: return "POST /v1/deploy/run"
        case .capture: return "POST /v1/incidents/capture"
        default: return method.rawValue + " /v1/" + command
        }
    }
}
