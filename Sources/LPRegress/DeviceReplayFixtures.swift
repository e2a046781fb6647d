import LPCore
import LPState
import LPModel
import LPIncident

/// The native replay fixtures of a device release incident (docs/device-release.md#regress),
/// computed here without any external tool: the regression request with `native_replay_hints`
/// (the host platform, the lifecycle and connectivity to set up first, and the native calls to
/// replay with the results the host returned), `device.replay.json` with the invariant the
/// replay checks, and the device's web UI trace when one was captured.
enum DeviceReplayFixtures {
    static let invariant = "device.trace.replay"
    static let replaySchema = "x07lp.device.replay@0.1.0"

    static func build(_ loaded: IncidentStore.Loaded, state: StateDirectory, name: String, nowUnixMs: Int64,
                      rules: RedactionRules) throws -> RegressionFixtures {
        let bundle = loaded.bundle, meta = loaded.meta
        let incidentId = bundle["incident_id"]?.stringValue ?? ""
        guard let packageDigest = meta.package_digest else {
            throw LPError(.invalidInput, code: "LP_REGRESSION_TARGET_UNKNOWN", "incident \(incidentId) names no device package to replay against")
        }
        let hostTarget = meta.target_kind?.rawValue ?? meta.native_context?.platform.rawValue ?? "unknown"
        let hints = nativeReplayHints(meta.native_context, hostTarget: hostTarget)
        let regressionId = Identifier.make(.regression, parts: [incidentId, loaded.bundleRef.digest.sha256, name])
        let sourceManifest = DeviceReleasePaths.packageSource(packageDigest.sha256) + "/" + DeviceReleasePaths.sourceManifestFile
        let request: JSON = [
            "schema_version": .string(SchemaVersion.regressionRequest), "regression_id": .string(regressionId),
            "created_unix_ms": .number(Double(nowUnixMs)),
            "incident": ["kind": .string(IncidentBundle.schemaVersion), "digest": loaded.bundleRef.digest.json],
            "target_artifact": ["kind": .string(SchemaVersion.devicePackageManifest), "digest": packageDigest.json],
            "replay_target_kind": hostTarget == "unknown" ? .null : .string(hostTarget),
            "native_replay_hints": hints, "invariants": [.string(invariant)],
            "notes": .string("incident_id=\(incidentId) name=\(name)"),
            "meta": ["name": .string(name), "incident_id": .string(incidentId),
                     "release_exec_id": meta.release_exec_id.map(JSON.string) ?? .null],
        ]
        let replay: JSON = [
            "schema_version": .string(replaySchema), "regression_id": .string(regressionId), "incident_id": .string(incidentId),
            "name": .string(name), "replay_mode": "device_native", "host_target": .string(hostTarget),
            "classification": .string(meta.classification),
            "native_classification": meta.native_classification.map { .string($0.rawValue) } ?? .null,
            "package": ["kind": .string(SchemaVersion.devicePackageManifest), "digest": packageDigest.json],
            "native_replay_hints": hints, "invariants": [.string(invariant)],
            "expect": ["no_native_incident": meta.native_classification.map { .string($0.rawValue) } ?? .null],
        ]
        var files = [
            RegressionFixtures.File(name: "regression.request.json", role: "regression_request", kind: SchemaVersion.regressionRequest,
                                    mediaType: "application/json", bytes: request.canonicalBytes + [0x0A]),
            RegressionFixtures.File(name: "device.replay.json", role: "native_replay", kind: replaySchema,
                                    mediaType: "application/json", bytes: replay.canonicalBytes + [0x0A]),
        ]
        // The device's web UI trace, redacted again with today's rules, to replay the UI side.
        if let ref = (bundle["refs"]?.arrayValue ?? []).first(where: { $0["kind"] == .string(SchemaVersion.webUITrace) }),
           let digest = try? ref["digest"]?.decode(DigestRef.self) {
            let trace = Redaction.trace(try BlobStore(state: state).readJSON(digest), rules: rules).0
            files.append(.init(name: "device.trace.json", role: "replay_trace", kind: SchemaVersion.webUITrace,
                               mediaType: "application/json", bytes: trace.canonicalBytes + [0x0A]))
        }
        var fixtures = RegressionFixtures(
            regressionId: regressionId, createdUnixMs: nowUnixMs, request: request, files: files, replacedResponses: 0,
            targetArtifact: ArtifactRef(digest: packageDigest, logicalName: "device.package.manifest", storeURI: "file:" + sourceManifest)
                .located(kind: SchemaVersion.devicePackageManifest),
            invariant: invariant)
        fixtures.toolCommand = "device regress from-incident"
        fixtures.replayMode = "device_native"
        fixtures.replayTargetKind = hostTarget
        fixtures.traceKind = SchemaVersion.webUITrace
        return fixtures
    }

    /// Host platform, prelude (the lifecycle and connectivity the incident saw) and the native
    /// calls of its breadcrumbs with the result each got.
    static func nativeReplayHints(_ context: NativeContext?, hostTarget: String) -> JSON {
        var prelude: [JSON] = []
        if let lifecycle = context?.lifecycle_state, lifecycle != "unknown" { prelude.append(["kind": .string("lifecycle." + lifecycle)]) }
        if let connectivity = context?.connectivity_state, connectivity != "unknown" {
            prelude.append(["kind": .string("connectivity." + connectivity)])
        }
        let permissions = context?.permission_state_snapshot ?? [:]
        let sequence: [JSON] = (context?.breadcrumbs ?? []).map { crumb in
            var result: [String: JSON] = ["status": .string(resultStatus(crumb.status))]
            if let permission = crumb.permission, !permission.isEmpty {
                result["permission"] = .string(TelemetryToken.lower(permission))
                if let state = permissions[TelemetryToken.lower(permission)] { result["permission_state"] = .string(state) }
            }
            var call: [String: JSON] = ["op": .string(crumb.op), "event_class": .string(crumb.event_class), "result": .object(result)]
            call["request_id"] = crumb.request_id.map(JSON.string) ?? .null
            return .object(call)
        }
        guard hostTarget != "unknown" else { return .null }
        return ["host_target": .string(hostTarget), "prelude": .array(prelude), "native_sequence": .array(sequence)]
    }

    /// A breadcrumb's status as a replayed call's result: the contract's words as they are, a
    /// 2xx/3xx HTTP status or `granted` as ok, anything else as an error.
    static func resultStatus(_ status: String) -> String {
        let known: Set = ["ok", "denied", "prompt", "restricted", "unsupported", "timeout", "error", "cancelled"]
        if known.contains(status) { return status }
        if status == "granted" || status == "success" { return "ok" }
        if status.hasPrefix("http_"), let code = Int(status.dropFirst(5)), code < 400 { return "ok" }
        return "error"
    }
}

/// Lower-case tokens as the contracts spell permission names.
enum TelemetryToken {
    static func lower(_ text: String) -> String {
        let mapped = text.lowercased().unicodeScalars.map { scalar -> Character in
            ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "." || scalar == "_" || scalar == "-"
                ? Character(scalar) : "_"
        }
        let token = String(mapped.prefix(64))
        return token.first.map { ("a"..."z").contains($0) } == true ? token : String(("x" + token).prefix(64))
    }
}
