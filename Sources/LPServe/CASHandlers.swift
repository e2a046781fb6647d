import LPCore
import LPState
import LPModel
import LPIndex

/// The content-addressed store over HTTP: which blobs are missing, and uploads checked against
/// their digest while they stream (a mismatch stores nothing).
enum CASHandlers {
    static func presence(_ body: HTTPBody, _ context: ServeContext) throws -> HTTPResponse {
        let members = try body.jsonObject(limit: ServeLimits.maxJSONBodyBytes)
        var digests: [String] = []
        if case .array(let items)? = members["digests"] { digests += items.compactMap(\.stringValue) }
        if case .array(let items)? = members["objects"] { digests += items.compactMap { $0["sha256"]?.stringValue } }
        guard digests.count <= ServeLimits.maxPresenceBatch else {
            throw ServeError.invalidRequest("at most \(ServeLimits.maxPresenceBatch) digests per presence request")
        }
        let normalized = digests.map { $0.hasPrefix("sha256:") ? String($0.dropFirst(7)) : $0 }
        guard normalized.allSatisfy(Hex.isSHA256) else {
            throw ServeError.invalidRequest("every digest must be 64 lowercase hex digits")
        }
        let store = BlobStore(state: StateDirectory(root: context.state))
        let missing = Set(normalized).filter { !store.contains($0) }.sorted()
        return HTTPResponse(body: ["missing": .array(missing.map(JSON.string))])
    }

    static func put(_ sha: String, _ request: HTTPRequest, _ body: HTTPBody, _ context: ServeContext) throws -> HTTPResponse {
        guard Hex.isSHA256(sha) else { throw ServeError.invalidRequest("the object path must end in a sha256 digest") }
        let state = StateDirectory(root: context.state, observer: IndexMaintenance())
        let writer = try BlobWriter(store: BlobStore(state: state))
        try body.stream(limit: ServeLimits.maxBlobBytes) { try writer.write($0) }
        let logicalName = request.headers["x-logical-name"].flatMap { HTTPRequest.isPlainSegment($0) ? $0 : nil } ?? "artifact.bin"
        let mediaType = request.headers["content-type"].flatMap { $0.count <= 128 ? $0 : nil } ?? "application/octet-stream"
        let staged = try writer.stage(logicalName: logicalName, mediaType: mediaType)
        // A mismatch drops the staged bytes (the staged blob removes its temp file).
        guard staged.ref.sha256 == sha else { throw ServeError.digestMismatch }
        let ref = try state.write { tx in try staged.commit(in: tx) }
        let artifact: JSON = ["digest": ["sha256": .string(ref.sha256), "bytes_len": .number(Double(ref.digest.bytes_len))],
                              "media_type": .string(mediaType), "logical_name": .string(logicalName),
                              "store_uri": .string("sha256:" + sha)]
        return HTTPResponse(body: ["ok": true, "artifact": artifact])
    }
}
