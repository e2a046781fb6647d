import LPCore
import LPModel
import LPStage

/// `digest FILE`: `{sha256, bytes_len}` of a file's raw bytes, or with `--canonical` of the
/// canonical bytes of the JSON document it holds (the digest x07lp records for documents).
enum DigestCommand {
    static let command = StageCommand(
        words: ["digest"],
        spec: CommandSpec(
            name: "lp-validate digest", reportCommand: "digest",
            summary: "print the {sha256, bytes_len} digest of a file",
            usage: ["lp-validate digest FILE [--canonical]"],
            options: [OptionSpec("--canonical", "digest the canonical bytes of the JSON document in FILE")],
            positionals: ["FILE"],
            examples: ["x07lp digest app.pack.json", "x07lp digest --canonical change_request.json"],
            exitCodes: [.ok, .usage, .invalidInput]),
        body: { ctx in
            guard ctx.arguments.positionals.count == 1, let path = ctx.arguments.positionals.first else {
                throw LPError(.usage, code: "LP_USAGE", "name one file: lp-validate digest FILE")
            }
            let hasher = SHA256Hasher()
            var length = 0
            if ctx.arguments.has("--canonical") {
                let limit = InputDocument.defaultMaxBytes
                let document = try InputDocument(bytes: InputDocument.readFile(path, limit: limit), source: path)
                let bytes = document.json.canonicalBytes
                hasher.update(bytes)
                length = bytes.count
            } else {
                length = try FileDigest.stream(path: path, into: hasher)
            }
            return StageOutput(result: DigestRef(sha256: Hex.encode(hasher.finish()), bytes_len: length).json)
        })
}
