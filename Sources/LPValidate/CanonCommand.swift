import LPCore
import LPModel
import LPStage

/// `canon`: one JSON document in, its RFC 8785 canonical bytes out (no trailing newline, so the
/// output hashes to the document digest: `x07lp canon < doc.json | sha256sum`).
enum CanonCommand {
    static let command = StageCommand(
        words: ["canon"],
        spec: CommandSpec(
            name: "lp-validate canon", reportCommand: "canon",
            summary: "print the RFC 8785 canonical bytes of a JSON document",
            usage: ["lp-validate canon [--in FILE] < document.json"], options: [],
            examples: ["x07lp canon < change_request.json | sha256sum",
                       "lp-validate canon --in doc.json --report   # result: {canonical, digest}"],
            exitCodes: [.ok, .usage, .invalidInput],
            notes: ["Without --report the output is exactly the canonical bytes, with no trailing newline."]),
        body: { ctx in
            let input = try ctx.readInput()
            let bytes = input.json.canonicalBytes
            return StageOutput(result: ["canonical": .string(String(decoding: bytes, as: UTF8.self)),
                                        "digest": DigestRef(of: bytes).json],
                               rawBytes: bytes)
        })
}
