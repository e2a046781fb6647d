import LPCore
import LPState
import LPModel
import LPIndex
import LPStage
import LPIncident

/// The parts of `lp.incident.query.result@0.2.0`: list rows from the index, the summary of one
/// incident from its meta, and the full view's evidence read from its bundle.
enum IncidentViews {
    static func text(_ value: String?) -> JSON { value.map(JSON.string) ?? .null }
    static func number(_ value: Int?) -> JSON { value.map { .number(Double($0)) } ?? .null }

    /// Fields of device releases, null for deployments.
    static let notApplicable: [String: JSON] = ["release_plan_id": .null, "release_exec_id": .null, "device_release": .null,
                                                "native_context": .null]

    /// A list row; nil for an incident whose meta is missing or incomplete. With `signatures`,
    /// the signature status is checked from the files now (`ViewSignatures.incident`).
    static func row(_ row: IncidentRow, signatures: ViewSignatures? = nil) -> JSON? {
        guard let runId = row.run_id, let classification = row.classification, let source = row.source,
              let status = row.status else { return nil }
        var item: [String: JSON] = [
            "incident_id": .string(row.incident_id), "classification": .string(classification), "source": .string(source),
            "incident_status": .string(status), "target": ["app_id": .string(row.app_id), "environment": .string(row.environment)],
            "deployment_id": text(row.deployment_id), "run_id": .string(runId),
            "captured_unix_ms": .number(Double(row.captured_unix_ms ?? row.created_unix_ms)),
            "request_id": text(row.request_id), "trace_id": text(row.trace_id), "status_code": number(row.status_code),
            "decision_id": text(row.decision_id), "regression_status": .string(row.regression_status ?? "not_requested"),
            "regression_id": text(row.regression_id),
            "signature_status": .string(signatures?.incident(id: row.incident_id,
                                                             location: IncidentLocation(app: row.app_id, env: row.environment, id: row.incident_id),
                                                             decisionId: row.decision_id,
                                                             recorded: row.signature_status) ?? row.signature_status ?? "not_applicable"),
        ]
        if let release = row.release_exec_id {
            item["release_exec_id"] = .string(release)
            item["native_classification"] = text(row.native_classification)
            item["target_kind"] = text(row.target_kind)
        }
        item.merge(notApplicable) { current, _ in current }
        return .object(item)
    }

    /// The summary of one incident, from its meta file (the source of truth).
    static func summary(_ loaded: IncidentStore.Loaded, row: IncidentRow, signatures: ViewSignatures? = nil) -> [String: JSON] {
        let meta = loaded.meta
        var result: [String: JSON] = [
            "incident_id": .string(row.incident_id), "classification": .string(meta.classification), "source": .string(meta.source),
            "incident_status": .string(meta.incident_status.rawValue),
            "target": ["app_id": .string(meta.target.app_id), "environment": .string(meta.target.environment)],
            "deployment_id": text(meta.deployment_id), "run_id": .string(meta.run_id),
            "captured_unix_ms": .number(Double(meta.captured_unix_ms)), "request_id": text(meta.request_id),
            "trace_id": text(meta.trace_id), "status_code": number(meta.status_code), "decision_id": text(meta.decision_id),
            "regression_status": .string(meta.regression_status), "regression_id": text(meta.regression_id),
            "signature_status": .string(signatures?.incident(id: row.incident_id,
                                                             location: IncidentLocation(app: row.app_id, env: row.environment, id: row.incident_id),
                                                             bundle: loaded.bundleRef.digest,
                                                             decisionId: meta.decision_id, recorded: meta.signature_status.rawValue)
                                        ?? meta.signature_status.rawValue),
        ]
        if meta.release_exec_id != nil {
            result["release_plan_id"] = text(meta.release_plan_id)
            result["release_exec_id"] = text(meta.release_exec_id)
            result["device_release"] = (try? meta.device_release.map { try JSON(encoding: $0) }) ?? .null
            result["native_context"] = (try? meta.native_context.map { try JSON(encoding: $0) }) ?? .null
            result["native_classification"] = text(meta.native_classification?.rawValue)
            result["provider_kind"] = text(meta.provider_kind?.rawValue)
            result["target_kind"] = text(meta.target_kind?.rawValue)
            result["package_manifest_sha256"] = text(meta.package_manifest_sha256)
        }
        result.merge(notApplicable) { current, _ in current }
        return result
    }

    /// Evidence window, diagnostic codes, captured exchanges, the bundle, every stored reference
    /// (bundle, meta, captures, linked evidence, lifecycle decisions) and the local meta.
    static func full(_ loaded: IncidentStore.Loaded, state: StateDirectory) throws -> [String: JSON] {
        let bundle = try loaded.bundle.decode(IncidentBundle.self)
        var result: [String: JSON] = [
            "reason": bundle.notes.map(JSON.string) ?? .null, "window": try JSON(encoding: bundle.window),
            "diag_codes": .array(bundle.diag_codes.map(JSON.string)),
            "bundle": ["kind": .string(IncidentBundle.schemaVersion), "digest": loaded.bundleRef.digest.json,
                       "store_uri": .string(loaded.bundleRef.store_uri), "media_type": "application/json"],
            "meta": try JSON(encoding: loaded.meta),
        ]
        var refs = [loaded.bundleRef.stored(role: "incident_bundle", kind: IncidentBundle.schemaVersion),
                    loaded.metaRef.stored(role: "incident_meta", kind: IncidentMeta.schemaVersion)]
        for (name, capture) in [("request", bundle.request), ("response", bundle.response), ("trace", bundle.trace)] {
            guard let capture else { result[name] = .null; continue }
            let ref = ArtifactRef.blob(capture.digest, logicalName: "incident." + name)
            result[name] = ref.located(kind: capture.kind)
            refs.append(ref.stored(role: "incident_" + name, kind: capture.kind))
        }
        for (ord, ref) in bundle.refs.enumerated() {
            refs.append(ArtifactRow(role: ref.label ?? "ref", ord: ord, kind: ref.kind, digest: ref.digest,
                                    media_type: "application/json", logical_name: nil, store_uri: "sha256:" + ref.digest.sha256))
        }
        refs += lifecycleDecisions(loaded, state: state)
        result["refs"] = try JSON(encoding: refs)
        return result
    }

    /// The capture, latest regression and resolve decisions, where they exist.
    static func lifecycleDecisions(_ loaded: IncidentStore.Loaded, state: StateDirectory) -> [ArtifactRow] {
        let id = loaded.bundle["incident_id"]?.stringValue ?? ""
        let ids = [IncidentStore.decisionId(.capture, incident: id),
                   loaded.meta.regression_id.map { IncidentStore.decisionId(.regression, incident: id, regression: $0) },
                   IncidentStore.decisionId(.resolve, incident: id)].compactMap { $0 }
        return ids.enumerated().compactMap { ord, decisionId in
            let relative = StateDirectory.decisionRecord(decisionId)
            guard let bytes = try? state.read(relative) else { return nil }
            return ArtifactRef(digest: DigestRef(of: bytes), logicalName: "lp.decision.record", storeURI: "file:" + relative)
                .stored(role: "incident_decision", ord: ord, kind: DecisionRecord.schemaVersion)
        }
    }
}
