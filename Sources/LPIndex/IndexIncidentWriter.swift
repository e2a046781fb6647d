import LPCore
import LPModel
/// `incidents/<app>/<env>/<incident_id>/` → one `incidents` row, computed from both files of the
/// directory: `incident.bundle.json` (lp.incident.bundle@0.2.0) and `incident.meta.local.json`
/// (lp.incident.bundle.meta.local@0.2.0). When one of them is written, the other is read from
/// disk, so the row never depends on the order the two were written or indexed in.
extension IndexWriter {
    /// A record file read from disk: its document (nil when not JSON) and digest; nil when absent.
    func readRecord(_ relative: String) -> (document: JSON?, digest: DigestRef)? {
        guard let bytes = try? state.read(relative) else { return nil }
        return ((try? JSONParser.parse(bytes)), DigestRef(of: bytes))
    }

    func incident(writtenPath: String, document: JSON, digest: DigestRef) throws {
        guard let slash = writtenPath.lastIndex(of: "/"),
              let location = IncidentLocation(directory: String(writtenPath[..<slash])) else { return }
        func load(_ path: String) -> (document: JSON?, digest: DigestRef)? {
            path == writtenPath ? (document, digest) : readRecord(path)
        }
        try incidentRow(location, bundle: load(location.bundlePath), meta: load(location.metaPath))
    }

    func incidentRow(_ location: IncidentLocation, bundle: (document: JSON?, digest: DigestRef)?,
                     meta: (document: JSON?, digest: DigestRef)?) throws {
        guard bundle != nil || meta != nil else { return }
        let doc = bundle?.document
        let bundleOK = doc?["schema_version"]?.stringValue == Self.incidentBundleSchema
        // The meta file, else a local meta embedded in the bundle.
        var info = meta?.document
        if info?["schema_version"]?.stringValue != Self.incidentMetaSchema {
            let embedded = doc?["meta"]
            info = embedded?["schema_version"]?.stringValue == Self.incidentMetaSchema ? embedded : nil
        }
        let captured = IndexField.int64(info?["captured_unix_ms"])
        let created = (bundleOK ? IndexField.int64(doc?["created_unix_ms"]) : nil) ?? captured ?? 0
        let deployment = IndexField.string(info?["deployment_id"])
            ?? (bundleOK ? IndexField.string(doc?["deploy_execution"]?["exec_id"]) : nil)
        try db.run("""
            INSERT OR REPLACE INTO incidents(incident_id, app_id, environment, deployment_id, run_id, classification, source,
              status, regression_status, regression_id, created_unix_ms, captured_unix_ms, decision_id, request_id, trace_id,
              status_code, slot, candidate_weight_pct, reason, signature_status, bundle_sha256, bundle_bytes_len,
              meta_sha256, meta_bytes_len, dir)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [.text(location.id), .text(location.app), .text(location.env), .of(deployment),
                  .of(IndexField.string(info?["run_id"])), .of(IndexField.string(info?["classification"])),
                  .of(IndexField.string(info?["source"])), .of(IndexField.string(info?["incident_status"])),
                  .of(IndexField.string(info?["regression_status"])), .of(IndexField.string(info?["regression_id"])),
                  .integer(created), .of(captured), .of(IndexField.string(info?["decision_id"])),
                  .of(IndexField.string(info?["request_id"])), .of(IndexField.string(info?["trace_id"])),
                  .of(IndexField.int64(info?["status_code"])), .of(IndexField.string(info?["slot"])),
                  .of(IndexField.int64(info?["candidate_weight_pct"])), .of(bundleOK ? IndexField.string(doc?["notes"]) : nil),
                  .of(IndexField.string(info?["signature_status"])), .of(bundle?.digest.sha256), .of(bundle?.digest.bytes_len),
                  .of(meta?.digest.sha256), .of(meta?.digest.bytes_len), .text(location.directory)])
    }
}
