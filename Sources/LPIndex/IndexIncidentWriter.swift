import LPCore
import LPModel
/// `incidents/<app>/<env>/<incident_id>/` → one `incidents` row and its `incident_artifacts` and
/// `incident_diagnostics`, computed from both files of the directory: `incident.bundle.json`
/// (lp.incident.bundle@0.2.0) and `incident.meta.local.json` (lp.incident.bundle.meta.local@0.2.0).
/// When one of them is written, the other is read from disk, so the rows never depend on the order
/// the two were written or indexed in.
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
              meta_sha256, meta_bytes_len, dir, release_exec_id, native_classification, target_kind)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [.text(location.id), .text(location.app), .text(location.env), .of(deployment),
                  .of(IndexField.string(info?["run_id"])), .of(IndexField.string(info?["classification"])),
                  .of(IndexField.string(info?["source"])), .of(IndexField.string(info?["incident_status"])),
                  .of(IndexField.string(info?["regression_status"])), .of(IndexField.string(info?["regression_id"])),
                  .integer(created), .of(captured), .of(IndexField.string(info?["decision_id"])),
                  .of(IndexField.string(info?["request_id"])), .of(IndexField.string(info?["trace_id"])),
                  .of(IndexField.int64(info?["status_code"])), .of(IndexField.string(info?["slot"])),
                  .of(IndexField.int64(info?["candidate_weight_pct"])), .of(bundleOK ? IndexField.string(doc?["notes"]) : nil),
                  .of(IndexField.string(info?["signature_status"])), .of(bundle?.digest.sha256), .of(bundle?.digest.bytes_len),
                  .of(meta?.digest.sha256), .of(meta?.digest.bytes_len), .text(location.directory),
                  .of(IndexField.string(info?["release_exec_id"])), .of(IndexField.string(info?["native_classification"])),
                  .of(IndexField.string(info?["target_kind"]))])
        try incidentChildren(location, bundle: bundleOK ? bundle : nil, bundleFile: bundle?.digest, metaFile: meta?.digest)
    }

    /// `incident_artifacts`: the bundle and meta files, the captured request, response and trace,
    /// then the bundle's refs, numbered by `ord`; `incident_diagnostics`: the bundle's `diag_codes`.
    private func incidentChildren(_ location: IncidentLocation, bundle: (document: JSON?, digest: DigestRef)?,
                                  bundleFile: DigestRef?, metaFile: DigestRef?) throws {
        let id = location.id
        try db.run("DELETE FROM incident_artifacts WHERE incident_id = ?", [.text(id)])
        try db.run("DELETE FROM incident_diagnostics WHERE incident_id = ?", [.text(id)])
        var ord = 0
        func add(role: String, kind: String?, digest: DigestRef, mediaType: String?, logicalName: String?, storeURI: String) throws {
            try db.run("""
                INSERT OR REPLACE INTO incident_artifacts(incident_id, ord, role, kind, sha256, bytes_len, media_type, logical_name,
                                                          store_uri)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [.text(id), .of(ord), .text(role), .of(kind), .text(digest.sha256), .of(digest.bytes_len), .of(mediaType),
                      .of(logicalName), .text(storeURI)])
            ord += 1
        }
        if let bundleFile {
            try add(role: "incident_bundle", kind: bundle == nil ? nil : Self.incidentBundleSchema, digest: bundleFile,
                    mediaType: "application/json", logicalName: "incident.bundle", storeURI: "file:" + location.bundlePath)
        }
        if let metaFile {
            try add(role: "incident_meta", kind: Self.incidentMetaSchema, digest: metaFile, mediaType: "application/json",
                    logicalName: "incident.meta", storeURI: "file:" + location.metaPath)
        }
        guard let doc = bundle?.document else { return }
        for name in ["request", "response", "trace"] {
            guard let digest = IndexField.digest(doc[name]?["digest"]) else { continue }
            try add(role: "incident_" + name, kind: IndexField.string(doc[name]?["kind"]), digest: digest, mediaType: nil,
                    logicalName: "incident." + name, storeURI: "sha256:" + digest.sha256)
        }
        for item in IndexField.array(doc["refs"]) {
            guard let ref = IndexField.typedRef(item) else { continue }
            try add(role: ref.label ?? "ref", kind: ref.kind, digest: ref.digest, mediaType: nil, logicalName: nil,
                    storeURI: "sha256:" + ref.digest.sha256)
        }
        for (ord, code) in IndexField.array(doc["diag_codes"]).compactMap(\.stringValue).enumerated() {
            try db.run("INSERT OR REPLACE INTO incident_diagnostics(incident_id, ord, code) VALUES (?, ?, ?)",
                       [.text(id), .of(ord), .text(code)])
        }
    }
}
