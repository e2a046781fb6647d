import LPCore
import Foundation

/// The ten scenarios of `adapter conformance`, run for real on the daemon with the fixture's
/// inputs: deployment A is promoted; B is paused mid-canary, rolled back and rerun; A gets an
/// incident and a regression; an accept that needs a secret the daemon lacks must be refused.
/// Each scenario is `{name, ok, details}`; a request that fails fails its scenario only.
struct ConformanceRun {
    let client: RemoteClient
    let fixture: String
    private let failure = (ExitCode.remoteTransport, "LP_REMOTE_QUERY_FAILED")

    init(client: RemoteClient, fixture: String) {
        self.client = client
        self.fixture = fixture
    }

    func scenarios() throws -> [JSON] {
        let inputs = try self.inputs()
        var outcomes: [String: (Bool, String)] = [:]
        func record(_ name: String, _ step: () throws -> String) {
            do { outcomes[name] = (true, try step()) } catch let error as LPError {
                outcomes[name] = (false, String((error.diagnostics.first?.message ?? "failed").prefix(2000)))
            } catch { outcomes[name] = (false, "failed") }
        }
        var a: String?, b: String?, incident: String?
        record("upload_dedupe") {
            _ = try RemotePush.push(inputs.items, manifest: inputs.items[0], client: client)
            let again = try client.send(.post, "/v1/artifacts/cas/presence",
                                        json: ["digests": .array(inputs.items.map { .string($0.sha256) })], failure: failure, idempotent: true)
            try expect(again.body["missing"] == [], "presence after the upload still reports missing objects")
            return "every object was on the daemon after one upload; presence reports none missing"
        }
        record("remote_promote") {
            let id = try accept(inputs.body)
            a = id
            let report = try run(id, metrics: inputs.metrics, pauseScale: 0, wait: true)
            try expect(report["result"]?["outcome"] == "promoted", "the run ended \(report["result"]?["outcome"]?.stringValue ?? "without an outcome")")
            return "deployment \(id) was promoted"
        }
        record("remote_pause") {
            let id = try accept(inputs.body)
            b = id
            _ = try run(id, metrics: inputs.metrics, pauseScale: 30, wait: false)
            usleep(1_500_000)
            try control(id, "pause")
            _ = try waitForRun(id)
            return "deployment \(id) was paused mid-canary"
        }
        record("remote_rollback") {
            guard let b else { throw LPError(.usage, code: "LP_USAGE", "no paused deployment to roll back") }
            try control(b, "rollback")
            return "deployment \(b) was rolled back"
        }
        record("remote_rerun") {
            guard let b else { throw LPError(.usage, code: "LP_USAGE", "no deployment to rerun") }
            try control(b, "rerun")
            return "deployment \(b) was rerun as a new execution"
        }
        record("remote_query_parity") {
            guard let a else { throw LPError(.usage, code: "LP_USAGE", "no promoted deployment to query") }
            let full = try report(.get, "/v1/deployments/\(a)/query?view=full", nil)["result"] ?? .null
            try expect(full["outcome"] == "promoted" && full["status"] == "completed" && full["current_weight_pct"] == 100,
                       "the full query does not show a completed, promoted deployment at 100%")
            return "the full query shows what a local run of the same inputs shows: completed, promoted, 100%"
        }
        record("remote_incident_capture") {
            guard let a else { throw LPError(.usage, code: "LP_USAGE", "no deployment to capture an incident of") }
            let body = inputs.incident.setting("deployment_id", .string(a)).setting("reason", "adapter conformance")
            let captured = try report(.post, "/v1/incidents/capture", body)
            incident = captured["result"]?["incident_id"]?.stringValue
            try expect(incident != nil, "the capture named no incident")
            return "incident \(incident ?? "") was captured"
        }
        record("remote_regression_generation") {
            guard let incident else { throw LPError(.usage, code: "LP_USAGE", "no incident to generate a regression from") }
            _ = try report(.post, "/v1/incidents/\(incident)/regress", ["name": "adapter_conformance"])
            return "a regression was generated from incident \(incident)"
        }
        record("telemetry_export_smoke") {
            guard let a else { throw LPError(.usage, code: "LP_USAGE", "no deployment to read the artifacts of") }
            let roles = Set(strings(named: "role", in: try report(.get, "/v1/deployments/\(a)/query?view=artifacts", nil)))
            try expect(roles.isSuperset(of: ["metrics_snapshot", "slo_eval_report"]), "no metrics snapshot or SLO evaluation among the artifacts")
            return "the metrics snapshots and SLO evaluations of the run are recorded"
        }
        record("missing_secret_hard_fail") {
            let probe = "missing_secret__conformance_probe"
            let answer = try client.send(.post, "/v1/deploy/accept", json: inputs.body.setting("required_secrets", [.string(probe)]), failure: failure)
            try expect(strings(named: "code", in: answer.body).contains("LP_REMOTE_SECRET_NOT_FOUND") && answer.body["ok"] == false,
                       "an accept that needs a secret the daemon does not hold was not refused with LP_REMOTE_SECRET_NOT_FOUND")
            return "an accept needing a missing secret was refused"
        }
        return ["upload_dedupe", "remote_promote", "remote_rollback", "remote_pause", "remote_rerun", "remote_query_parity",
                "remote_incident_capture", "remote_regression_generation", "telemetry_export_smoke", "missing_secret_hard_fail"].map { name in
            let (ok, details) = outcomes[name] ?? (false, "not run")
            return ["name": .string(name), "ok": .bool(ok), "details": .string(details)]
        }
    }

    struct Inputs {
        var items: [RemotePush.Item]
        var body: JSON
        var metrics: [RemotePush.Item]
        var incident: JSON
    }

    /// The fixture's files; missing required ones are a usage error before any request.
    private func inputs() throws -> Inputs {
        var items: [RemotePush.Item] = []
        var body: JSON = [:]
        for (key, file, required) in [("pack", "pack.tar.zst", true), ("change", "change_request.json", true), ("ops", "ops.json", true),
                                      ("slo", "slo.json", true), ("provenance", "provenance.dsse.json", false), ("policy", "policy.json", false)] {
            let path = fixture + "/" + file
            guard required || FileManager.default.fileExists(atPath: path) else { continue }
            let item = try RemotePush.item(path)
            items.append(item)
            body = body.setting(key, key == "policy" ? [.string("sha256:" + item.sha256)] : .string("sha256:" + item.sha256))
        }
        var metrics: [RemotePush.Item] = []
        while FileManager.default.fileExists(atPath: fixture + "/metrics/analysis.\(metrics.count + 1).json"), metrics.count < 64 {
            metrics.append(try RemotePush.item(fixture + "/metrics/analysis.\(metrics.count + 1).json"))
        }
        guard !metrics.isEmpty else { throw LPError(.usage, code: "LP_NOT_FOUND", "no metrics/analysis.1.json in \(fixture.prefix(256))") }
        var incident: JSON = [:]
        for name in ["request", "response", "trace"] {
            let path = fixture + "/incident/\(name).json"
            incident = incident.setting(name, try InputDocument(bytes: try InputDocument.readFile(path, limit: 8 << 20), source: path).json)
        }
        return Inputs(items: items + metrics, body: body, metrics: metrics, incident: incident)
    }

    private func expect(_ condition: Bool, _ message: String) throws {
        if !condition { throw LPError(.stateLocked, code: "LP_REMOTE_ADAPTER_CONFORMANCE_FAILED", message) }
    }

    /// A verb's report that must say ok.
    private func report(_ method: RemoteDeployCommands.HTTPMethodName, _ path: String, _ body: JSON?) throws -> JSON {
        let answer = try client.send(method == .post ? .post : .get, path, json: body, failure: failure)
        guard answer.body["ok"] == true else { throw RemotePush.refusal(answer, failure) }
        return answer.body
    }

    private func accept(_ body: JSON) throws -> String {
        let accepted = try report(.post, "/v1/deploy/accept", body)
        guard let id = accepted["result"]?["exec_id"]?.stringValue else { throw LPError(.remoteTransport, code: "LP_REMOTE_ACCEPT_FAILED", "no exec_id") }
        return id
    }

    private func run(_ id: String, metrics: [RemotePush.Item], pauseScale: Double, wait: Bool) throws -> JSON {
        let body: JSON = ["deployment_id": .string(id), "metrics": .array(metrics.map { .string("sha256:" + $0.sha256) }),
                          "pause_scale": .number(pauseScale)]
        let started = try client.send(.post, "/v1/deploy/run", json: body, failure: failure)
        guard started.status == 202 else { throw RemotePush.refusal(started, failure) }
        return wait ? try waitForRun(id) : started.body
    }

    private func waitForRun(_ id: String) throws -> JSON {
        for _ in 0..<2400 {
            let polled = try client.send(.get, "/v1/deployments/\(id)/run", failure: failure)
            if polled.status == 200 { return polled.body }
            guard polled.status == 202 else { throw RemotePush.refusal(polled, failure) }
            usleep(250_000)
        }
        throw LPError(.remoteTransport, code: "LP_REMOTE_RUN_FAILED", "the run of \(id) did not end in 10 minutes")
    }

    private func control(_ id: String, _ action: String) throws {
        _ = try report(.post, "/v1/deployments/\(id)/\(action)", ["reason": "adapter conformance"])
    }

    private func strings(named key: String, in json: JSON) -> [String] {
        switch json {
        case .object(let fields): return fields.flatMap { name, value in (name == key ? value.stringValue.map { [$0] } ?? [] : []) + strings(named: key, in: value) }
        case .array(let items): return items.flatMap { strings(named: key, in: $0) }
        default: return []
        }
    }
}
