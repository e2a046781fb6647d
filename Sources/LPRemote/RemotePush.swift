import LPCore
import Foundation

/// Pushes files to the daemon's CAS: one presence request for all of them, then a streamed PUT
/// for each missing one. Answers `lp.deploy.push.result@0.1.0` and each file's `sha256:` ref.
struct RemotePush {
    struct Item {
        var path: String
        var logicalName: String
        var sha256: String
        var bytesLen: Int
        var json: JSON { ["sha256": .string(sha256), "bytes_len": .number(Double(bytesLen)), "logical_name": .string(logicalName),
                          "store_uri": .string("sha256:" + sha256)] }
    }

    static func item(_ path: String) throws -> Item {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            throw LPError(.usage, code: "LP_NOT_FOUND", "\(path.prefix(256)) is not a file (a remote accept takes a pack archive, not a directory)")
        }
        let hasher = SHA256Hasher()
        let count = try FileDigest.stream(path: path, into: hasher)
        return Item(path: path, logicalName: (path as NSString).lastPathComponent, sha256: Hex.encode(hasher.finish()), bytesLen: count)
    }

    static func push(_ items: [Item], manifest: Item, client: RemoteClient) throws -> JSON {
        let upload = (ExitCode.remoteTransport, "LP_REMOTE_UPLOAD_FAILED")
        let digests = Array(Set(items.map(\.sha256))).sorted()
        let presence = try client.send(.post, "/v1/artifacts/cas/presence", json: ["digests": .array(digests.map(JSON.string))],
                                       failure: upload, idempotent: true)
        guard presence.status == 200, let missing = presence.body["missing"]?.arrayValue?.compactMap(\.stringValue) else {
            throw refusal(presence, upload)
        }
        var uploaded: [JSON] = [], skipped: [JSON] = [], done = Set<String>()
        for item in items where done.insert(item.sha256).inserted {
            guard missing.contains(item.sha256) else { skipped.append(item.json); continue }
            let put = try client.send(.put, "/v1/artifacts/cas/objects/" + item.sha256, file: item.path, failure: upload)
            guard put.status == 200, put.body["ok"] == true else { throw refusal(put, upload) }
            uploaded.append(item.json)
        }
        return ["schema_version": "lp.deploy.push.result@0.1.0", "target": .string(client.profile.name), "artifact": "x07.app.pack@0.1.0",
                "manifest_digest": ["sha256": .string(manifest.sha256), "bytes_len": .number(Double(manifest.bytesLen))],
                "probed": true, "missing_count": .number(Double(missing.count)), "uploaded_count": .number(Double(uploaded.count)),
                "skipped_count": .number(Double(skipped.count)), "uploaded": .array(uploaded), "skipped": .array(skipped)]
    }

    /// A daemon refusal keeps the daemon's code and exit (a bad token is 41, a wrong digest 12).
    static func refusal(_ answer: RemoteClient.Answer, _ fallback: (ExitCode, String)) -> LPError {
        let diagnostics = (answer.body["diagnostics"]?.arrayValue ?? []).compactMap { try? $0.decode(Diagnostic.self) }
        let code = answer.body["exit_code"]?.intValue.flatMap { ExitCode(rawValue: Int32($0)) }
        guard let code, code != .ok, !diagnostics.isEmpty else {
            return LPError(fallback.0, code: fallback.1, "the daemon answered HTTP \(answer.status)")
        }
        return LPError(code, diagnostics)
    }
}
