import LPCore
import LPState
import LPModel
import LPIndex
import LPStage

/// `lp-incident capture`: builds an incident from captured HTTP envelopes (and an optional app
/// trace) or from a deployment document on stdin, redacts credentials, stores the bundle and its
/// local meta, and prints the bundle.
enum CaptureCommand {
    static let command = StageCommand(
        words: ["capture"],
        spec: CommandSpec(
            name: "lp-incident capture", reportCommand: "incident capture",
            summary: "capture an incident: request/response envelopes, trace, deployment link",
            usage: ["lp-incident capture --deployment-id ID --request FILE --response FILE [--trace FILE] [--reason TEXT]",
                    "lp-incident capture --app-id APP --env ENV --request FILE --response FILE [--classification C --source S]",
                    "lp-apply ... | lp-incident capture          (after a rollback: its slo_rollback incident)",
                    "lp-incident capture --request FILE --response FILE --trace FILE < execution.json",
                    "lp-incident capture --deployment-id ID < pair.json   ({\"request\": ..., \"response\": ..., \"trace\": ...})",
                    "lp-incident capture --release EXEC_ID --classification C --source S --reason TEXT [--trace FILE]"],
            options: [
                OptionSpec("--deployment-id", value: "ID", aliases: ["--deployment"], "the deployment the incident happened in"),
                OptionSpec("--release", value: "EXEC_ID", aliases: ["--release-id", "--release-exec-id"],
                           "the device release execution the incident happened in (instead of a deployment)"),
                OptionSpec("--app-id", value: "APP", "with --env: the app's latest deployment"),
                OptionSpec("--env", value: "ENV", "the environment (with --app-id)"),
                OptionSpec("--request", value: "FILE", "x07.http.request.envelope@0.1.0 of the failing request"),
                OptionSpec("--response", value: "FILE", "x07.http.response.envelope@0.1.0 it got"),
                OptionSpec("--trace", value: "FILE", "x07.app.trace@0.1.0 of the session (needed for regressions); of a device: x07.web_ui.trace"),
                OptionSpec("--classification", value: "C",
                           "\(IncidentMeta.classifications.joined(separator: ", ")) (default: http_5xx for a 5xx response, else manual_capture); "
                           + "of a release also \(IncidentMeta.releaseClassifications.dropFirst().joined(separator: ", "))"),
                OptionSpec("--source", value: "S",
                           "\(IncidentMeta.sources.joined(separator: ", ")) (default: router for http_5xx, slo for slo_rollback, else manual); "
                           + "of a release \(IncidentMeta.releaseSources.joined(separator: ", "))"),
                OptionSpec("--reason", value: "TEXT", "free text kept as the bundle's notes"),
                StageOptions.target,
            ],
            examples: ["lp-incident capture --deployment-id lpexec_... --request req.json --response resp.json --trace trace.json",
                       "x07lp incident capture --app-id example.hello.web --env staging --request req.json --response resp.json --json"],
            exitCodes: [.ok, .usage, .invalidInput, .gateRejected, .stateLocked, .stateCorrupt],
            notes: ["Secrets are redacted before anything is stored or printed (docs/redaction.md): headers, URL parameters",
                    "(path, query, fragment, ';' parameters, any URL-ish field) and JSON or form body keys whose name holds",
                    "auth, token, secret, passw, pwd, key, credential, session, cookie, signature, ... become \"<redacted>\";",
                    "X07LP_REDACT_NAMES=a,b adds names. The bundle lists what was removed, by location and name, never the value",
                    "(diag code LP_INCIDENT_REDACTED and an x07lp.redaction.report@0.1.0 ref). Loose envelopes (headers as an",
                    "object, a raw JSON body, no id) are normalised to the contract form. Prints the stored bundle; the same",
                    "capture at the same pinned time returns the incident it already wrote."]),
        body: run)

    static func run(_ ctx: StageContext) throws -> StageOutput {
        let catalog = try ContractCatalog.locate(environment: ctx.environment)
        let sources = try CaptureSources.gather(ctx, catalog: catalog)
        let store = IncidentStore(state: ctx.state)
        if let existing = sources.existingIncident {
            // A rolled-back deployment on stdin: lp-apply already captured its incident.
            let loaded = try store.load(try store.locate(existing))
            return StageOutput(result: loaded.bundle, runId: loaded.meta.run_id)
        }
        let args = ctx.arguments
        if let releaseId = args.value("--release") {
            guard args.value("--deployment-id") == nil, args.value("--app-id") == nil, sources.deploymentId == nil else {
                throw LPError(.usage, code: "LP_USAGE", "an incident belongs to a deployment or to a device release: give --deployment-id or --release, not both")
            }
            return try captureRelease(ctx, releaseId: releaseId, sources: sources, store: store)
        }
        let link = try DeploymentLink.resolve(ctx, deploymentId: sources.deploymentId)
        let status = sources.response?["status"]?.intValue
        let classification = try choose(args.value("--classification"), allowed: IncidentMeta.classifications, flag: "--classification")
            ?? ((status ?? 0) >= 500 ? "http_5xx" : "manual_capture")
        let source = try choose(args.value("--source"), allowed: IncidentMeta.sources, flag: "--source")
            ?? ["http_5xx": "router", "slo_rollback": "slo"][classification] ?? "manual"

        var meta = IncidentMeta(classification: classification, source: source, deploymentId: link.execId, runId: link.runId,
                                appId: link.appId, environment: link.environment, capturedUnixMs: ctx.clock.unixMs())
        meta.decision_id = link.latestDecisionId
        meta.pack_digest = link.packDigest
        meta.signature_status = link.signatureStatus
        meta.candidate_weight_pct = link.candidateWeightPct
        meta.status_code = status
        meta.request_id = sources.request?["id"]?.stringValue
        meta.trace_id = sources.trace.map { "trace-" + String(DigestRef(of: $0).sha256.prefix(24)) }
        if let request = sources.request {
            meta.route_key = request["headers"]?.arrayValue?.first {
                $0["k"]?.stringValue?.lowercased() == RoutingRule.routeKeyHeader.lowercased()
            }?["v"]?.stringValue
            meta.slot = link.slot(routeKey: meta.route_key, path: request["path"]?.stringValue ?? "/")
        }
        var capture = IncidentStore.Capture(meta: meta)
        capture.request = sources.request
        capture.response = sources.response
        capture.trace = sources.trace
        capture.removals = sources.removals
        capture.reason = args.value("--reason").map { String($0.prefix(16384)) }
        capture.windowStartUnixMs = link.startedUnixMs
        if let status, status >= 500 { capture.diagCodes.append("LP_HTTP_\(status)") }
        let stored = try store.capture(capture)
        return StageOutput(result: stored.bundle, artifacts: stored.artifacts, runId: stored.meta.run_id)
    }

    /// An incident of a device release: linked to it, classified natively, with its device context.
    static func captureRelease(_ ctx: StageContext, releaseId: String, sources: CaptureSources, store: IncidentStore) throws -> StageOutput {
        let args = ctx.arguments
        let execution = try DeviceExecutionStore(state: ctx.state).load(releaseId)
        let classification = try choose(args.value("--classification"), allowed: IncidentMeta.releaseClassifications,
                                        flag: "--classification") ?? "manual_capture"
        let source = try choose(args.value("--source"), allowed: IncidentMeta.releaseSources, flag: "--source") ?? "manual"
        var capture = ReleaseIncident.capture(execution, classification: classification, source: source,
                                              reason: args.value("--reason") ?? "", decisionId: nil, nowUnixMs: ctx.clock.unixMs())
        capture.request = sources.request
        capture.response = sources.response
        capture.trace = sources.trace
        capture.removals = sources.removals
        capture.meta.request_id = sources.request?["id"]?.stringValue
        capture.meta.status_code = sources.response?["status"]?.intValue
        if let trace = sources.trace ?? sources.webTrace {
            capture.meta.trace_id = "trace-" + String(DigestRef(of: trace).sha256.prefix(24))
        }
        if let web = sources.webTrace { capture.attachments.append((web, SchemaVersion.webUITrace, "device_trace")) }
        let stored = try store.capture(capture)
        return StageOutput(result: stored.bundle, artifacts: stored.artifacts, runId: stored.meta.run_id)
    }

    static func choose(_ value: String?, allowed: [String], flag: String) throws -> String? {
        guard let value else { return nil }
        guard allowed.contains(value) else {
            throw LPError(.usage, code: "LP_USAGE", "\(flag) \(value) is not known; use one of \(allowed.joined(separator: ", "))")
        }
        return value
    }
}
