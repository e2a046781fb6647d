import LPCore
import LPState
import LPModel
import LPIndex
import LPStage
import Foundation

/// Incidents in the state: `incidents/<app>/<env>/<id>/incident.bundle.json` (evidence, written
/// once) and `incident.meta.local.json` (lifecycle, rewritten on each transition). Every change
/// happens under the writer lock and records an `lp.decision.record@0.1.0` (`incident.capture`,
/// `incident.regression`, `incident.resolve`); the deployment the incident belongs to gets its
/// `last_incident_id` and incident counts updated in the same critical section.
public struct IncidentStore {
    public let state: StateDirectory

    public init(state: StateDirectory) { self.state = state }

    /// What a capture is made of, already normalised and redacted.
    public struct Capture {
        public var meta: IncidentMeta
        public var request: JSON?
        public var response: JSON?
        public var trace: JSON?
        public var removals: [Redaction.Removal] = []
        public var reason: String?
        public var diagCodes: [String] = []
        /// Further evidence (an SLO report, a snapshot) linked from the bundle.
        public var refs: [TypedRef] = []
        /// Documents stored with the incident and linked from the bundle's refs (a device's
        /// `x07.web_ui.trace`, which the bundle's `trace` member cannot hold).
        public var attachments: [(document: JSON, kind: String, label: String)] = []
        public var windowStartUnixMs: Int64?

        public init(meta: IncidentMeta) { self.meta = meta }
    }

    public struct Stored {
        public var location: IncidentLocation
        public var bundle: JSON
        public var bundleRef: ArtifactRef
        public var meta: IncidentMeta
        public var artifacts: [ArtifactRef]
        /// False when the same capture was already recorded (same inputs, same pinned time).
        public var created: Bool
    }

    public static let redactionSchema = SchemaVersion.redactionReport

    /// Writes a new incident, or returns the one an identical earlier capture wrote.
    public func capture(_ capture: Capture) throws -> Stored {
        try state.write { tx in try self.capture(capture, in: tx) }
    }

    /// The same, inside a caller's transaction (a release step that fails captures its incident
    /// with the step's records).
    public func capture(_ capture: Capture, in tx: WriteTransaction) throws -> Stored {
        let meta = capture.meta
        let app = meta.target.app_id, env = meta.target.environment
        func stored(_ document: JSON?) -> IncidentBundle.Capture? {
            document.map { IncidentBundle.Capture(kind: $0["schema_version"]?.stringValue ?? "", digest: DigestRef(of: $0)) }
        }
        let request = stored(capture.request), response = stored(capture.response), trace = stored(capture.trace)
        let id = Identifier.make(.incident, parts: [
            meta.deployment_id ?? meta.release_exec_id ?? "-", app, env, meta.classification, meta.source, request?.digest.sha256 ?? "-",
            response?.digest.sha256 ?? "-", trace?.digest.sha256 ?? "-", capture.reason ?? "-", String(meta.captured_unix_ms),
        ] + capture.refs.map(\.digest.sha256) + capture.attachments.map { DigestRef(of: $0.document).sha256 })
        let location = IncidentLocation(app: app, env: env, id: id)
        do {
            // The same capture again returns what it wrote (a damaged one is an error, never
            // overwritten); one that a crash left without its meta is written to the end.
            if tx.exists(location.bundlePath), tx.exists(location.metaPath) {
                let existing = try load(location, from: tx)
                return Stored(location: location, bundle: existing.bundle, bundleRef: existing.bundleRef, meta: existing.meta,
                              artifacts: [], created: false)
            }
            var artifacts: [ArtifactRef] = []
            for (document, name) in [(capture.request, "incident.request"), (capture.response, "incident.response"),
                                     (capture.trace, "incident.trace")] {
                if let document { artifacts.append(try tx.putBlob(document, logicalName: name)) }
            }
            var refs = capture.refs
            for attachment in capture.attachments {
                let ref = try tx.putBlob(attachment.document, logicalName: "incident." + attachment.label)
                artifacts.append(ref)
                refs.append(TypedRef(kind: attachment.kind, digest: ref.digest, label: attachment.label))
            }
            var diagCodes = capture.diagCodes
            if !capture.removals.isEmpty {
                let report: JSON = ["schema_version": .string(Self.redactionSchema), "incident_id": .string(id),
                                    "placeholder": .string(Redaction.placeholder),
                                    "removed": .array(capture.removals.map(\.json))]
                let ref = try tx.putBlob(report, logicalName: "incident.redaction")
                artifacts.append(ref)
                refs.append(TypedRef(kind: Self.redactionSchema, digest: ref.digest, label: "redaction"))
                diagCodes.append("LP_INCIDENT_REDACTED")
            }
            var bundle = IncidentBundle(
                incident_id: id, created_unix_ms: meta.captured_unix_ms, app_id: app,
                environment: IncidentBundle.environmentSelector(env),
                window: .init(start_unix_ms: min(capture.windowStartUnixMs ?? meta.captured_unix_ms, meta.captured_unix_ms),
                              end_unix_ms: meta.captured_unix_ms),
                deploy_execution: meta.deployment_id.map { .init(exec_id: $0) }, request: request, response: response,
                trace: trace, diag_codes: diagCodes, refs: refs, notes: capture.reason)
            bundle.release_plan_id = meta.release_plan_id
            bundle.release_exec_id = meta.release_exec_id
            bundle.target_kind = meta.target_kind
            bundle.provider_kind = meta.provider_kind
            bundle.package_manifest_sha256 = meta.package_manifest_sha256
            bundle.native_classification = meta.native_classification
            bundle.native_context = meta.native_context
            let bundleJSON = try JSON(encoding: bundle)
            let bundleRef = try tx.writeRecord(bundleJSON, at: location.bundlePath, logicalName: "lp.incident.bundle")
            artifacts.append(bundleRef)
            let evidence = [TypedRef(kind: IncidentBundle.schemaVersion, digest: bundleRef.digest, label: "incident_bundle")]
                + [request, response, trace].compactMap { $0.map { TypedRef(kind: $0.kind, digest: $0.digest) } }
            let describe = "\(meta.classification) incident from \(meta.source)" + (capture.reason.map { ": " + $0 } ?? "")
            artifacts.append(try recordDecision(.capture, incident: id, meta: meta, evidence: evidence,
                                                message: describe, nowUnixMs: meta.captured_unix_ms, in: tx))
            artifacts.append(try tx.writeRecord(try JSON(encoding: meta), at: location.metaPath,
                                                logicalName: "lp.incident.bundle.meta.local"))
            if let deploymentId = meta.deployment_id {
                try updateExecution(deploymentId, nowUnixMs: meta.captured_unix_ms, in: tx) { execMeta in
                    // Completing a capture that already counted (its meta was lost) counts it once.
                    guard execMeta.last_incident_id != id else { return }
                    execMeta.last_incident_id = id
                    execMeta.incident_count_total += 1
                    execMeta.incident_count_open += 1
                }
            }
            if let releaseId = meta.release_exec_id {
                try linkRelease(releaseId, .init(id: id, meta: meta, reason: capture.reason ?? ""), nowUnixMs: meta.captured_unix_ms, in: tx)
            }
            return Stored(location: location, bundle: bundleJSON, bundleRef: bundleRef, meta: meta, artifacts: artifacts,
                          created: true)
        }
    }

    /// The lifecycle decisions an incident can record; their ids are derived from the incident
    /// (and the regression), so a query can find them without scanning.
    public enum Transition: String, Sendable {
        case capture = "incident.capture", regression = "incident.regression", resolve = "incident.resolve"

        var reasonCode: String {
            switch self {
            case .capture: return ReasonCode.incidentCaptured
            case .regression: return ReasonCode.incidentRegressionGenerated
            case .resolve: return ReasonCode.incidentResolved
            }
        }
    }

    public static func decisionId(_ transition: Transition, incident: String, regression: String? = nil) -> String {
        Identifier.make(.decision, parts: [incident, transition.rawValue] + (regression.map { [$0] } ?? []))
    }

    func recordDecision(_ transition: Transition, incident: String, regression: String? = nil, meta: IncidentMeta,
                        evidence: [TypedRef], message: String, nowUnixMs: Int64, in tx: WriteTransaction) throws -> ArtifactRef {
        let id = Self.decisionId(transition, incident: incident, regression: regression)
        let record = try DecisionRecord(
            decision_id: id, run_id: meta.run_id, created_unix_ms: nowUnixMs, kind: transition.rawValue, outcome: .allow,
            reasons: [DecisionRecord.Reason(code: transition.reasonCode, message: String(message.prefix(1024)))],
            evidence: evidence, subject: nil,
            meta: ["incident_id": .string(incident), "incident_status": .string(meta.incident_status.rawValue),
                   "regression_id": meta.regression_id.map(JSON.string) ?? .null])
        return try tx.writeRecord(try JSON(encoding: record), at: StateDirectory.decisionRecord(id), logicalName: "lp.decision.record")
    }

    /// Applies a lifecycle change to a stored incident, in a write transaction, with its decision.
    /// `change` returns false when there is nothing to do (already in that state).
    public func transition(_ transition: Transition, id: String, regression: String? = nil, evidence: [TypedRef] = [],
                           message: String, nowUnixMs: Int64,
                           change: (inout IncidentMeta) throws -> Bool) throws -> (meta: IncidentMeta, artifacts: [ArtifactRef]) {
        try state.write { tx in try self.transition(transition, id: id, regression: regression, evidence: evidence, message: message,
                                                    nowUnixMs: nowUnixMs, in: tx, change: change) }
    }

    /// The same, inside a caller's transaction (a regression writes its files in the same one).
    public func transition(_ transition: Transition, id: String, regression: String? = nil, evidence: [TypedRef] = [],
                           message: String, nowUnixMs: Int64, in tx: WriteTransaction,
                           change: (inout IncidentMeta) throws -> Bool) throws -> (meta: IncidentMeta, artifacts: [ArtifactRef]) {
        do {
            let location = try locate(id)
            let loaded = try load(location)
            var meta = loaded.meta
            let wasResolved = meta.incident_status == .resolved
            guard try change(&meta) else { return (meta, []) }
            let bundleRef = TypedRef(kind: IncidentBundle.schemaVersion, digest: loaded.bundleRef.digest, label: "incident_bundle")
            var artifacts = [try recordDecision(transition, incident: id, regression: regression, meta: meta,
                                                evidence: [bundleRef] + evidence, message: message, nowUnixMs: nowUnixMs, in: tx)]
            artifacts.append(try tx.writeRecord(try JSON(encoding: meta), at: location.metaPath,
                                                logicalName: "lp.incident.bundle.meta.local"))
            if !wasResolved, meta.incident_status == .resolved, let deploymentId = meta.deployment_id {
                try updateExecution(deploymentId, nowUnixMs: nowUnixMs, in: tx) { $0.incident_count_open = max(0, $0.incident_count_open - 1) }
            }
            if let releaseId = meta.release_exec_id {
                try linkRelease(releaseId, .init(id: id, meta: meta, reason: loaded.bundle["notes"]?.stringValue ?? ""),
                                nowUnixMs: nowUnixMs, in: tx)
            }
            return (meta, artifacts)
        }
    }

    /// Rewrites the deployment's incident bookkeeping.
    func updateExecution(_ execId: String, nowUnixMs: Int64, in tx: WriteTransaction,
                         _ change: (inout ExecutionMetaLocal) -> Void) throws {
        guard state.exists(StateDirectory.execution(execId)) else { return }
        try ExecutionStore(state: state).update(execId, in: tx) { execution in
            var meta = try ExecutionMetaLocal.current(of: execution, state: state, nowUnixMs: nowUnixMs)
            change(&meta)
            execution.meta = .local(meta)
        }
    }

    /// Links the incident to its device release (its counts and native health follow).
    func linkRelease(_ execId: String, _ incident: DeviceReleaseExecution.LinkedIncident, nowUnixMs: Int64,
                     in tx: WriteTransaction) throws {
        let store = DeviceExecutionStore(state: state)
        guard store.exists(execId, in: tx) else { return }
        try store.update(execId, in: tx) { execution in
            execution.meta.link(incident)
            execution.meta.updated_unix_ms = max(execution.meta.updated_unix_ms, nowUnixMs)
        }
    }

    // MARK: reading

    /// Finds `incidents/<app>/<env>/<id>/` without the index: the id names one directory.
    public func locate(_ id: String) throws -> IncidentLocation {
        try StateDirectory.checkComponent(id, what: "incident id")
        let fm = FileManager.default
        let root = state.path("incidents")
        for app in ((try? fm.contentsOfDirectory(atPath: root)) ?? []).sorted() {
            for env in ((try? fm.contentsOfDirectory(atPath: root + "/" + app)) ?? []).sorted() {
                let location = IncidentLocation(app: app, env: env, id: id)
                if state.exists(location.bundlePath) { return location }
            }
        }
        throw LPError(.usage, code: "LP_NOT_FOUND", "no incident \(id) in \(state.root)")
    }

    public struct Loaded {
        public var bundle: JSON
        public var bundleRef: ArtifactRef
        public var meta: IncidentMeta
        public var metaRef: ArtifactRef
    }

    public func load(_ location: IncidentLocation, from reader: (any StateReading)? = nil) throws -> Loaded {
        let reader = reader ?? state
        func record(_ relative: String, _ logicalName: String) throws -> (JSON, ArtifactRef) {
            let bytes = try reader.read(relative)
            let json: JSON
            do { json = try JSONParser.parse(bytes) } catch {
                throw LPError(.stateCorrupt, code: "LP_STATE_CORRUPT", "\(state.path(relative)): \(error)")
            }
            return (json, ArtifactRef(digest: DigestRef(of: bytes), logicalName: logicalName, storeURI: "file:" + relative))
        }
        let (bundle, bundleRef) = try record(location.bundlePath, "lp.incident.bundle")
        let (metaJSON, metaRef) = try record(location.metaPath, "lp.incident.bundle.meta.local")
        guard bundle["schema_version"] == .string(IncidentBundle.schemaVersion),
              let meta = try? metaJSON.decode(IncidentMeta.self) else {
            throw LPError(.stateCorrupt, code: "LP_STATE_CORRUPT", "incident \(location.id) in \(state.path(location.directory)) is damaged")
        }
        return Loaded(bundle: bundle, bundleRef: bundleRef, meta: meta, metaRef: metaRef)
    }
}
