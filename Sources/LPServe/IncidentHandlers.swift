import LPCore
import Foundation

/// `/v1/incidents*`: capture (envelopes and trace given inline, redacted by the capture stage
/// before anything is stored), list, get, and regression fixtures written on the daemon; after
/// a capture or a regression the incidents' remote meta is written again.
enum IncidentHandlers {
    static func capture(_ body: HTTPBody, _ context: ServeContext) throws -> HTTPResponse {
        let members = try body.jsonObject(limit: ServeLimits.maxJSONBodyBytes)
        guard let id = members["deployment_id"]?.stringValue, HTTPRequest.isPlainSegment(id) else {
            throw ServeError.invalidRequest("a capture needs \"deployment_id\"")
        }
        let staging = try Staging(context)
        var arguments = ["--deployment-id", id]
        for part in ["request", "response", "trace"] {
            guard let value = members[part], value != .null else { continue }
            guard case .object = value else { throw ServeError.invalidRequest("\(part) must be a JSON object") }
            arguments += ["--" + part, try staging.file(value, name: part)]
        }
        for (member, flag) in [("reason", "--reason"), ("classification", "--classification"), ("source", "--source")] {
            guard let value = members[member], value != .null else { continue }
            guard let text = value.stringValue, !text.isEmpty, text.count <= 1024 else {
                throw ServeError.invalidRequest("\(member) is a string of 1 to 1024 characters")
            }
            arguments.append(flag + "=" + text)
        }
        let answer = DeployHandlers.verb(["incident", "capture"], arguments, context)
        RemoteIncidentMeta.materialize(state: context.state, deploymentId: id)
        return answer
    }

    static func list(_ request: HTTPRequest, _ context: ServeContext) throws -> HTTPResponse {
        var arguments: [String] = []
        for (name, flag) in [("deployment_id", "--deployment-id"), ("app_id", "--app-id"), ("env", "--env"),
                             ("classification", "--classification"), ("status", "--status"), ("limit", "--limit")] {
            guard let value = request.query[name] else { continue }
            guard HTTPRequest.isPlainSegment(value) else { throw ServeError.invalidRequest("\(name) is not a plain value") }
            arguments.append(flag + "=" + value)
        }
        return DeployHandlers.verb(["incident", "list"], arguments, context)
    }

    static func get(_ id: String, _ context: ServeContext) -> HTTPResponse {
        DeployHandlers.verb(["incident", "get"], ["--incident-id", id], context)
    }

    /// The fixtures go to `<state>/.x07lpd/regressions/<incident>/<name>/` on the daemon: a
    /// request never names a directory.
    static func regress(_ id: String, _ body: HTTPBody, _ context: ServeContext) throws -> HTTPResponse {
        let members = try body.jsonObject(limit: 1 << 16)
        let name = members["name"]?.stringValue ?? "incident"
        guard HTTPRequest.isPlainSegment(name) else { throw ServeError.invalidRequest("name is a plain file name") }
        var arguments = ["--incident-id", id, "--name", name, "--out-dir", context.path(".x07lpd/regressions/" + id)]
        if members["dry_run"]?.boolValue == true { arguments.append("--dry-run") }
        let answer = DeployHandlers.verb(["regress", "from-incident"], arguments, context)
        RemoteIncidentMeta.materialize(state: context.state, incidentId: id)
        return answer
    }
}
