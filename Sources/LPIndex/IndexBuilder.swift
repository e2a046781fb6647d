import LPCore
import LPState
import LPModel
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The full rebuild: reads every record of the state directory into an empty database.
/// Runs before executions and decisions (so a planned execution finds its app through its run),
/// then the other record kinds, the incident and regression directories and the blob metas; the
/// target heads are computed once at the end.
struct IndexBuilder {
    let state: StateDirectory

    /// Builds the whole index into `db` (empty) and returns the state generation it reflects, or
    /// nil when a commit ran while the files were read (`IndexGeneration.observe`): the content
    /// is then stored without a generation, so it never passes for current.
    @discardableResult
    func build(into db: Database, nowUnixMs: Int64) throws -> UInt64? {
        try IndexSchema.create(in: db)
        var writer = IndexWriter(db: db, state: state)
        writer.deferHeads = true
        return try db.transaction {
            let generation = try IndexGeneration.observe(state) {
                let stamps = IndexFingerprint.capture(state: state)
                for directory in ["runs", "deploy", "decisions", "control/actions", DeviceReleasePaths.plans,
                                  DeviceReleasePaths.executions] {
                    for name in Self.entries(state.path(directory)) where !name.isDirectory && name.name.hasSuffix(".json") {
                        try index(directory + "/" + name.name, writer)
                    }
                }
                try killSwitches(writer)
                try incidents(writer)
                try regressions(writer)
                try blobs(writer)
                try IndexFingerprint.replaceAll(stamps, in: db)
            }
            try writer.rebuildHeads()
            try IndexGeneration.store(generation, in: db)
            try db.run("INSERT OR REPLACE INTO meta(k, v) VALUES ('built_unix_ms', ?)", [.text(String(nowUnixMs))])
            try db.run("INSERT OR REPLACE INTO meta(k, v) VALUES ('schema_version', ?)", [.text(String(IndexSchema.version))])
            return generation
        }
    }

    private func index(_ relative: String, _ writer: IndexWriter) throws {
        guard let record = writer.readRecord(relative) else { return }
        try writer.apply(relativePath: relative, document: record.document, digest: record.digest)
    }

    /// control/kill/platform.json and control/kill/app:<app>/<env>.json
    private func killSwitches(_ writer: IndexWriter) throws {
        let root = "control/kill"
        for entry in Self.entries(state.path(root)) {
            if entry.isDirectory {
                for file in Self.entries(state.path(root + "/" + entry.name)) where !file.isDirectory && file.name.hasSuffix(".json") {
                    try index(root + "/" + entry.name + "/" + file.name, writer)
                }
            } else if entry.name.hasSuffix(".json") {
                try index(root + "/" + entry.name, writer)
            }
        }
    }

    private func incidents(_ writer: IndexWriter) throws {
        for app in Self.entries(state.path("incidents")) where app.isDirectory {
            for env in Self.entries(state.path("incidents/\(app.name)")) where env.isDirectory {
                for id in Self.entries(state.path("incidents/\(app.name)/\(env.name)")) where id.isDirectory {
                    let location = IncidentLocation(app: app.name, env: env.name, id: id.name)
                    let bundle = writer.readRecord(location.bundlePath)
                    let meta = writer.readRecord(location.metaPath)
                    for (path, record) in [(location.bundlePath, bundle), (location.metaPath, meta)] {
                        guard let record else { continue }
                        try writer.listRecord(path, schema: record.document?["schema_version"]?.stringValue, digest: record.digest)
                    }
                    try writer.incidentRow(location, bundle: bundle, meta: meta)
                }
            }
        }
    }

    /// regressions/<regression_id>/{request,result}.json
    private func regressions(_ writer: IndexWriter) throws {
        for entry in Self.entries(state.path("regressions")) where entry.isDirectory {
            let directory = "regressions/" + entry.name
            var records: [String: (document: JSON?, digest: DigestRef)] = [:]
            for file in [IndexWriter.regressionRequestFile, IndexWriter.regressionResultFile] {
                guard let record = writer.readRecord(directory + "/" + file) else { continue }
                records[file] = record
                try writer.listRecord(directory + "/" + file, schema: record.document?["schema_version"]?.stringValue,
                                      digest: record.digest)
            }
            try writer.regressionRow(id: entry.name, directory: directory, request: records[IndexWriter.regressionRequestFile],
                                     result: records[IndexWriter.regressionResultFile])
        }
    }

    /// store/meta/sha256/<2>/<sha>.json → `artifacts`.
    private func blobs(_ writer: IndexWriter) throws {
        let root = "store/meta/sha256"
        for prefix in Self.entries(state.path(root)) where prefix.isDirectory {
            for file in Self.entries(state.path(root + "/" + prefix.name)) where !file.isDirectory && file.name.hasSuffix(".json") {
                guard let record = writer.readRecord(root + "/" + prefix.name + "/" + file.name), let meta = record.document,
                      let sha = IndexField.string(meta["sha256"]), let length = IndexField.int(meta["bytes_len"]) else { continue }
                try writer.blob(ArtifactRef(digest: DigestRef(sha256: sha, bytes_len: length),
                                            mediaType: IndexField.string(meta["media_type"]) ?? "application/octet-stream",
                                            logicalName: IndexField.string(meta["logical_name"]) ?? "",
                                            storeURI: "sha256:" + sha))
            }
        }
    }

    /// The entries of a directory (no dot entries, so no temp files), sorted by name; symlinks
    /// are neither files nor directories here and are skipped.
    static func entries(_ absolute: String) -> [(name: String, isDirectory: Bool)] {
        guard let dir = opendir(absolute) else { return [] }
        defer { closedir(dir) }
        var result: [(name: String, isDirectory: Bool)] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard !name.hasPrefix(".") else { continue }
            var type = entry.pointee.d_type
            if type == UInt8(DT_UNKNOWN) {
                var info = stat()
                guard lstat(absolute + "/" + name, &info) == 0 else { continue }
                type = (info.st_mode & S_IFMT) == S_IFDIR ? UInt8(DT_DIR) : (info.st_mode & S_IFMT) == S_IFREG ? UInt8(DT_REG) : 0
            }
            if type == UInt8(DT_DIR) { result.append((name, true)) } else if type == UInt8(DT_REG) { result.append((name, false)) }
        }
        return result.sorted { $0.name < $1.name }
    }
}
