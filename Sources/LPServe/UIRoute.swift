import LPCore

/// The Command Center's `/api/*` routes (SPEC part B.2 and docs/ui.md): each runs one x07lp verb
/// against the served state.
enum UIRoute: Equatable {
    case apps, incidents, deployment(String), decisions(String), deploymentIncidents(String), incident(String)
    case history(app: String, env: String), blob(String)
    case deviceReleases, deviceRelease(String), deviceReleaseDecisions(String), deviceReleaseIncidents(String)
    case control(String, op: String), appKill(app: String, env: String, op: String), platformKill(op: String)
    case deviceControl(String, op: String)
    case regress(String)

    static let deployControls: Set = ["pause", "resume", "promote", "rollback", "stop", "rerun"]
    static let deviceControls: Set = ["pause", "resume", "halt", "complete", "rollback", "observe", "stop", "rerun"]
    static let kills: Set = ["kill", "unkill"]

    /// The route of the segments after `/api/`; nil when none matches (any method).
    static func match(_ segments: [String]) -> UIRoute? {
        switch segments {
        case ["apps"]: return .apps
        case ["incidents"]: return .incidents
        case let s where s.count == 2 && s[0] == "deployments": return .deployment(s[1])
        case let s where s.count == 3 && s[0] == "deployments" && s[2] == "decisions": return .decisions(s[1])
        case let s where s.count == 3 && s[0] == "deployments" && s[2] == "incidents": return .deploymentIncidents(s[1])
        case let s where s.count == 3 && s[0] == "deployments" && deployControls.contains(s[2]): return .control(s[1], op: s[2])
        case let s where s.count == 2 && s[0] == "incidents": return .incident(s[1])
        case let s where s.count == 3 && s[0] == "incidents" && s[2] == "regress": return .regress(s[1])
        case let s where s.count == 4 && s[0] == "apps" && s[3] == "deployments": return .history(app: s[1], env: s[2])
        case let s where s.count == 4 && s[0] == "apps" && kills.contains(s[3]): return .appKill(app: s[1], env: s[2], op: s[3])
        case let s where s.count == 2 && s[0] == "platform" && kills.contains(s[1]): return .platformKill(op: s[1])
        case ["device-releases"]: return .deviceReleases
        case let s where s.count == 2 && s[0] == "device-releases": return .deviceRelease(s[1])
        case let s where s.count == 3 && s[0] == "device-releases" && s[2] == "decisions": return .deviceReleaseDecisions(s[1])
        case let s where s.count == 3 && s[0] == "device-releases" && s[2] == "incidents": return .deviceReleaseIncidents(s[1])
        case let s where s.count == 3 && s[0] == "device-releases" && deviceControls.contains(s[2]):
            return .deviceControl(s[1], op: s[2])
        case let s where s.count == 2 && s[0] == "blobs" && s[1].count == 64 && s[1].allSatisfy(\.isHexDigit): return .blob(s[1])
        default: return nil
        }
    }

    var method: HTTPMethod {
        switch self {
        case .apps, .incidents, .deployment, .decisions, .deploymentIncidents, .incident, .history, .blob,
             .deviceReleases, .deviceRelease, .deviceReleaseDecisions, .deviceReleaseIncidents: return .get
        case .control, .appKill, .platformKill, .regress, .deviceControl: return .post
        }
    }

    /// The verb's words and arguments; `body` is the POST's JSON object (reason, from_step, ...).
    func verb(_ body: [String: JSON], _ context: ServeContext) throws -> ([String], [String]) {
        switch self {
        case .apps: return (["app", "list"], [])
        case .incidents: return (["incident", "list"], [])
        case .deployment(let id): return (["deploy", "query"], ["--deployment-id", id, "--view", "full"])
        case .decisions(let id): return (["deploy", "query"], ["--deployment-id", id, "--view", "decisions"])
        case .deploymentIncidents(let id): return (["incident", "list"], ["--deployment-id", id])
        case .incident(let id): return (["incident", "get"], ["--incident-id", id])
        case .history(let app, let env): return (["deploy", "list"], ["--app-id", app, "--env", env, "--limit", "100"])
        // A stored document by digest: the SLO evaluation reports an analysis decision names.
        case .blob(let sha): return (["blob", "cat"], ["sha256:" + sha])
        case .deviceReleases: return (["device", "release-list"], [])
        case .deviceRelease(let id): return (["device", "release-query"], ["--release", id, "--view", "full"])
        case .deviceReleaseDecisions(let id): return (["device", "release-query"], ["--release", id, "--view", "decisions"])
        case .deviceReleaseIncidents(let id): return (["incident", "list"], ["--release", id])
        case .control(let id, let op):
            var arguments = ["--deployment-id", id, "--reason=" + (try Self.reason(body, default: "http_" + op))]
            if op == "rerun" { arguments.append(try Self.fromStep(body)) }
            return (["deploy", op], arguments)
        case .deviceControl(let id, let op):
            var arguments = ["--release", id, "--reason=" + (try Self.reason(body, default: "http_device_release_" + op))]
            if op == "rerun" { arguments.append(try Self.fromStep(body)) }
            return (["device", "release-" + op], arguments)
        case .appKill(let app, let env, let op):
            return (["app", op], ["--app-id", app, "--env", env, "--reason=" + (try Self.reason(body, default: "http_app_" + op))])
        case .platformKill(let op):
            return (["platform", op], ["--reason=" + (try Self.reason(body, default: "http_platform_" + op))])
        case .regress(let id):
            // Fixtures stay inside the served state, as on x07lpd: a request never names a directory.
            let name = body["name"]?.stringValue ?? "incident"
            guard HTTPRequest.isPlainSegment(name) else { throw ServeError.invalidRequest("name is a plain file name") }
            var arguments = ["--incident-id", id, "--name", name, "--out-dir", context.path(".x07lpd/regressions/" + id)]
            if body["dry_run"]?.boolValue == true { arguments.append("--dry-run") }
            return (["regress", "from-incident"], arguments)
        }
    }

    static func fromStep(_ body: [String: JSON]) throws -> String {
        guard let step = (body["from_step"] ?? .number(0)).intValue, step >= 0, step <= 10_000 else {
            throw ServeError.invalidRequest("from_step is a step index")
        }
        return "--from-step=\(step)"
    }

    static func reason(_ body: [String: JSON], default fallback: String) throws -> String {
        guard let value = body["reason"], value != .null else { return fallback }
        guard let text = value.stringValue, !text.isEmpty, text.count <= 1024 else {
            throw ServeError.invalidRequest("reason is a string of 1 to 1024 characters")
        }
        return text
    }
}
