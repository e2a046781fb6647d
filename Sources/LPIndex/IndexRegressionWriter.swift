import LPCore
import LPState
import LPModel
/// `regressions/<regression_id>/` → one `regressions` row, computed from both records of the
/// directory: `request.json` (lp.regression.request@0.2.0) and `result.json`
/// (lp.regression.run.result@0.2.0). Like an incident, the row never depends on the order the two
/// were written or indexed in: when one is written, the other is read from disk.
extension IndexWriter {
    static let regressionRequestSchema = SchemaVersion.regressionRequest
    static let regressionResultSchema = SchemaVersion.regressionRunResult
    static let regressionRequestFile = "request.json"
    static let regressionResultFile = "result.json"

    /// The regression id and directory of `regressions/<id>/<file>`, else nil.
    static func regressionDirectory(of path: String) -> (id: String, directory: String)? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, parts[0] == "regressions", !parts[1].isEmpty else { return nil }
        return (parts[1], "regressions/" + parts[1])
    }

    func regression(writtenPath: String, document: JSON, digest: DigestRef) throws {
        guard let (id, directory) = Self.regressionDirectory(of: writtenPath) else { return }
        func load(_ path: String) -> (document: JSON?, digest: DigestRef)? {
            path == writtenPath ? (document, digest) : readRecord(path)
        }
        try regressionRow(id: id, directory: directory, request: load(directory + "/" + Self.regressionRequestFile),
                          result: load(directory + "/" + Self.regressionResultFile))
    }

    func regressionRow(id: String, directory: String, request: (document: JSON?, digest: DigestRef)?,
                       result: (document: JSON?, digest: DigestRef)?) throws {
        guard request != nil || result != nil else { return }
        let requestDoc = request?.document?["schema_version"]?.stringValue == Self.regressionRequestSchema ? request?.document : nil
        let resultDoc = result?.document?["schema_version"]?.stringValue == Self.regressionResultSchema ? result?.document : nil
        let report = IndexField.digest(resultDoc?["report"]?["digest"])
        try db.run("""
            INSERT OR REPLACE INTO regressions(regression_id, incident_id, name, created_unix_ms, ok, incident_status_after,
              replay_mode, replay_synthesis_status, out_dir, report_sha256, report_bytes_len, report_store_uri,
              request_sha256, request_bytes_len, result_sha256, result_bytes_len, dir)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [.text(id),
                  .of(IndexField.string(resultDoc?["incident_id"]) ?? IndexField.string(requestDoc?["meta"]?["incident_id"])),
                  .of(IndexField.string(requestDoc?["meta"]?["name"])),
                  .of(IndexField.int64(resultDoc?["created_unix_ms"]) ?? IndexField.int64(requestDoc?["created_unix_ms"])),
                  IndexField.bool(resultDoc?["ok"]).map(SQLValue.of) ?? .null,
                  .of(IndexField.string(resultDoc?["incident_status_after"])), .of(IndexField.string(resultDoc?["replay_mode"])),
                  .of(IndexField.string(resultDoc?["replay_synthesis_status"])), .of(IndexField.string(resultDoc?["out_dir"])),
                  .of(report?.sha256), .of(report?.bytes_len), .of(IndexField.string(resultDoc?["report"]?["store_uri"])),
                  .of(request?.digest.sha256), .of(request?.digest.bytes_len), .of(result?.digest.sha256),
                  .of(result?.digest.bytes_len), .text(directory)])
    }
}
