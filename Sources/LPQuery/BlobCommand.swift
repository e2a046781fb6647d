import LPCore
import LPState
import LPStage

/// `lp-query blob DIGEST` (`x07lp blob cat`): a stored document or file, by its digest, as it was
/// stored: the evidence behind a rollback, a captured request, a plan.
enum BlobCommand {
    static let command = StageCommand(
        words: ["blob"],
        spec: CommandSpec(
            name: "lp-query blob", reportCommand: "blob cat",
            summary: "print a stored blob (document or file) by its digest (x07lp blob cat)",
            usage: ["lp-query blob sha256:HEX", "lp-query blob HEX --report"],
            options: [], positionals: ["DIGEST"],
            examples: ["x07lp blob cat sha256:01aef057c4cca5be5f2f4c6d3ffc3859e89d6799027afe20f5115115b147aee6",
                       "x07lp blob cat sha256:01ae... --json | jq .result.document"],
            exitCodes: [.ok, .usage, .stateCorrupt],
            notes: ["Prints the blob's bytes exactly as stored. With --report the result names the digest, size, media type",
                    "and logical name, and holds the document when the blob is JSON."]),
        body: { ctx in
            guard ctx.arguments.positionals.count == 1, let text = ctx.arguments.positionals.first else {
                throw LPError(.usage, code: "LP_USAGE", "name one blob: lp-query blob sha256:HEX (a store_uri of a query result)")
            }
            let hex = text.hasPrefix("sha256:") ? String(text.dropFirst(7)) : text
            guard hex.count == 64, hex.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else {
                throw LPError(.usage, code: "LP_USAGE", "\"\(text.prefix(80))\" is not a digest: sha256: and 64 lowercase hex digits")
            }
            try IndexAccess.requireState(ctx)
            let store = BlobStore(state: ctx.state)
            guard store.contains(hex) else {
                throw LPError(.usage, code: "LP_NOT_FOUND", "no blob sha256:\(hex) in \(ctx.state.root)/store")
            }
            let bytes = try store.read(hex)
            let meta = try? ctx.state.readJSON(StateDirectory.blobMeta(hex))
            var result: [String: JSON] = ["schema_version": .string(SchemaVersion.blobShowResult),
                                          "digest": ["sha256": .string(hex), "bytes_len": .number(Double(bytes.count))],
                                          "media_type": meta?["media_type"] ?? .null, "logical_name": meta?["logical_name"] ?? .null]
            result["document"] = (try? JSONParser.parse(bytes)) ?? .null
            return StageOutput(result: .object(result), rawBytes: bytes)
        })
}
