import LPCore
import LPState
import LPModel
import LPIndex
import LPStage
import LPIncident

/// Everything `from-incident` generates, computed before anything is written (so `--dry-run`
/// and a real run print the same digests): the regression request, the replay trace and the
/// HTTP test, as bytes.
struct RegressionFixtures {
    struct File {
        var name: String
        var role: String
        var kind: String?
        var mediaType: String
        var bytes: [UInt8]
        var executable = false
    }

    var regressionId: String
    var createdUnixMs: Int64
    var request: JSON
    var files: [File]
    var replacedResponses: Int
    /// What the fixtures replay against and how: an app pack by its trace, or a device package
    /// natively (`DeviceReplayFixtures`).
    var targetArtifact: JSON
    var invariant: String
    var toolCommand = "app regress from-incident"
    var replayMode = "app_trace"
    var replayTargetKind: String?
    var traceKind = SchemaVersion.appTrace

    static func build(_ loaded: IncidentStore.Loaded, state: StateDirectory, name: String, invariant: String,
                      nowUnixMs: Int64, rules: RedactionRules = .standard) throws -> RegressionFixtures {
        let bundle = loaded.bundle, meta = loaded.meta
        let incidentId = bundle["incident_id"]?.stringValue ?? ""
        guard let traceDigest = try? bundle["trace"]?["digest"]?.decode(DigestRef.self) else {
            throw LPError(.invalidInput, code: "LP_INCIDENT_TRACE_MISSING",
                          "incident \(incidentId) has no trace to replay; capture it again with --trace FILE (x07.app.trace@0.1.0)")
        }
        guard let packDigest = meta.pack_digest else {
            throw LPError(.invalidInput, code: "LP_REGRESSION_TARGET_UNKNOWN",
                          "incident \(incidentId) names no deployed pack to replay against (it was captured without a deployment)")
        }
        let blobs = BlobStore(state: state)
        // Redacted again with today's rules: an incident captured before a rule (or an
        // X07LP_REDACT_NAMES name) existed must not carry its secret into the fixtures.
        let trace = Redaction.trace(try blobs.readJSON(traceDigest), rules: rules).0
        let request = try (try? bundle["request"]?["digest"]?.decode(DigestRef.self)).map(blobs.readJSON)
            .map { Redaction.envelope($0, location: "request", rules: rules).0 }
            ?? failingRequest(in: trace)
        let regressionId = Identifier.make(.regression, parts: [incidentId, loaded.bundleRef.digest.sha256, name])
        let (replay, replaced) = ReplayTrace.make(from: trace, createdUnixMs: nowUnixMs)
        let regressionRequest: JSON = [
            "schema_version": .string(SchemaVersion.regressionRequest), "regression_id": .string(regressionId),
            "created_unix_ms": .number(Double(nowUnixMs)),
            "incident": ["kind": .string(IncidentBundle.schemaVersion), "digest": loaded.bundleRef.digest.json],
            "target_artifact": ["kind": .string(SchemaVersion.appPack), "digest": packDigest.json],
            "replay_target_kind": .null, "invariants": [.string(invariant)],
            "notes": .string("\(meta.classification) incident \(incidentId): replay \(name)/replay.trace.json; "
                             + "run `sh \(name)/http.test.sh BASE_URL` against a deployment"),
            "meta": ["name": .string(name), "incident_id": .string(incidentId),
                     "deployment_id": meta.deployment_id.map(JSON.string) ?? .null,
                     "request_id": meta.request_id.map(JSON.string) ?? .null],
        ]
        var files = [
            File(name: "regression.request.json", role: "regression_request", kind: SchemaVersion.regressionRequest,
                 mediaType: "application/json", bytes: regressionRequest.canonicalBytes + [0x0A]),
            File(name: "replay.trace.json", role: "replay_trace", kind: SchemaVersion.appTrace, mediaType: "application/json",
                 bytes: replay.canonicalBytes + [0x0A]),
        ]
        if let request {
            let script = HTTPTestScript.make(request: request, incidentId: incidentId, deploymentId: meta.deployment_id,
                                             statusCode: meta.status_code, name: name)
            files.append(File(name: "http.test.sh", role: "http_test", kind: nil, mediaType: "text/x-shellscript",
                              bytes: Array(script.utf8), executable: true))
        }
        return RegressionFixtures(regressionId: regressionId, createdUnixMs: nowUnixMs, request: regressionRequest, files: files,
                                  replacedResponses: replaced,
                                  targetArtifact: ArtifactRef.blob(packDigest, logicalName: "pack.manifest").located(kind: SchemaVersion.appPack),
                                  invariant: invariant)
    }

    /// Without a captured request, the first request of the trace that got a 5xx.
    static func failingRequest(in trace: JSON) -> JSON? {
        for step in trace["steps"]?.arrayValue ?? [] {
            for exchange in step["http"]?.arrayValue ?? [] where (exchange["response"]?["status"]?.intValue ?? 0) >= 500 {
                return exchange["request"]
            }
        }
        return nil
    }
}
