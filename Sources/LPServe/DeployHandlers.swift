import LPCore
import LPState
import LPModel
import LPIndex
import LPVerbs
import Foundation

/// `/v1/deploy/*` and `/v1/deployments/*`: each runs the x07lp verb in-process against the
/// daemon's state and answers its report (HTTP 200, success or not, as the reference does).
enum DeployHandlers {
    static func verb(_ words: [String], _ arguments: [String], _ context: ServeContext) -> HTTPResponse {
        HTTPResponse(body: VerbRunner.run(words, arguments + context.stateFlags, environment: context.environment).report)
    }

    /// Accept a pack whose inputs were uploaded to the CAS (or are given inline): intake runs
    /// on them with the daemon's trusted keys; required secrets are checked first.
    static func accept(_ body: HTTPBody, _ context: ServeContext) throws -> HTTPResponse {
        let members = try body.jsonObject(limit: ServeLimits.maxJSONBodyBytes)
        let staging = try Staging(context)
        guard let pack = members["pack"], let change = members["change"] else {
            throw ServeError.invalidRequest("an accept request needs \"pack\" and \"change\" (sha256 references or documents)")
        }
        if let refused = try SecretCheck.refusal(members, change: try staging.document(change, name: "change"), context) {
            return refused
        }
        var arguments = ["--pack", try staging.file(pack, name: "pack"), "--in", try staging.file(change, name: "change")]
        for (member, flag) in [("ops", "--ops"), ("slo", "--slo"), ("provenance", "--provenance")] {
            if let value = members[member], value != .null { arguments += [flag, try staging.file(value, name: member)] }
        }
        if case .array(let cards)? = members["policy"] {
            for (index, card) in cards.enumerated() { arguments += ["--policy", try staging.file(card, name: "policy-\(index)")] }
        }
        if let manifest = members["pack_manifest"]?.stringValue {
            guard HTTPRequest.isPlainSegment(manifest) else { throw ServeError.invalidRequest("pack_manifest must be a file name") }
            arguments += ["--pack-manifest", manifest]
        }
        for key in TrustedKeys.files(context) { arguments += ["--trusted-key", key] }
        return verb(["deploy", "accept"], arguments, context)
    }

    static func status(_ id: String, _ context: ServeContext) -> HTTPResponse {
        verb(["deploy", "status"], ["--deployment-id", id], context)
    }

    static func query(_ id: String, _ request: HTTPRequest, _ context: ServeContext) throws -> HTTPResponse {
        var arguments = ["--deployment-id", id]
        if let view = request.query["view"] {
            guard ["summary", "timeline", "decisions", "artifacts", "full"].contains(view) else {
                throw ServeError.invalidRequest("view is one of summary, timeline, decisions, artifacts, full")
            }
            arguments += ["--view", view]
        }
        if let limit = request.query["limit"] {
            guard let n = Int(limit), (1...ServeLimits.maxQueryLimit).contains(n) else {
                throw ServeError.invalidRequest("limit is a number from 1 to \(ServeLimits.maxQueryLimit)")
            }
            arguments += ["--limit", String(n)]
        }
        if ["1", "true", "yes"].contains(request.query["rebuild_index"] ?? "") { arguments.append("--rebuild-index") }
        let answer = verb(["deploy", "query"], arguments, context)
        // The full view of an execution run through x07lpd shows its remote meta.
        guard request.query["view"] == "full", let execution = answer.body["result"]?["execution"],
              let remote = RemoteExecutionMeta.view(of: execution, nowMs: context.nowMs),
              let result = answer.body["result"] else { return answer }
        return HTTPResponse(status: answer.status, body: answer.body.setting("result", result.setting("execution", execution.setting("meta", remote))))
    }

    /// pause, resume, stop, rollback, promote, rerun: a signed control action with the reason
    /// given (default `remote_<op>`).
    static func control(_ id: String, _ op: String, _ body: HTTPBody, _ context: ServeContext) throws -> HTTPResponse {
        let members = try body.jsonObject(limit: 1 << 16)
        let reason = members["reason"]?.stringValue ?? "remote_" + op
        guard !reason.isEmpty, reason.count <= 1024 else { throw ServeError.invalidRequest("reason is 1 to 1024 characters") }
        var arguments = ["--deployment-id", id, "--reason=" + reason]
        if op == "rerun", let step = members["from_step"] {
            guard let n = step.intValue, n >= 0 else { throw ServeError.invalidRequest("from_step is a step index") }
            arguments.append("--from-step=\(n)")
        }
        return verb(["deploy", op], arguments, context)
    }
}
