import LPCore
import LPState
import LPStage
import Foundation

/// `lp-validate pack seal DIR` (`x07lp pack seal DIR`): pins every file the pack manifest names to
/// what is in the directory now (sha256 and bytes_len), so an edited pack passes intake's seal
/// check again. `--check` only compares (exit 12 when a pin is wrong), for CI.
enum PackSealCommand {
    static let command = StageCommand(
        words: ["pack", "seal"],
        spec: CommandSpec(
            name: "lp-validate pack seal", reportCommand: "pack seal",
            summary: "pin the files of a pack directory in its manifest: sha256 and bytes_len of each (x07lp pack seal)",
            usage: ["lp-validate pack seal DIR [--manifest NAME] [--check]"],
            options: [
                OptionSpec("--manifest", value: "NAME", "the manifest file in DIR (default app.pack.json)"),
                OptionSpec("--check", "write nothing; exit 12 when a pin differs from the file"),
            ],
            positionals: ["DIR"],
            examples: ["x07lp pack seal examples/hello/pack", "x07lp pack seal pack/ --check   # in CI: is the seal current?"],
            exitCodes: [.ok, .usage, .invalidInput, .digestMismatch],
            notes: ["Every object of the manifest with a \"path\" and a \"sha256\" is a file reference: its sha256 (and its",
                    "bytes_len, when it has one) are set from DIR/path. The manifest is rewritten (sorted keys, indented) only",
                    "when a pin changed, and must still satisfy x07.app.pack@0.1.0. Files in DIR the manifest does not name are",
                    "listed as warnings (intake refuses them: LP_PACK_FILE_UNDECLARED)."]),
        body: run)

    static func run(_ ctx: StageContext) throws -> StageOutput {
        guard ctx.arguments.positionals.count == 1, let directory = ctx.arguments.positionals.first else {
            throw LPError(.usage, code: "LP_USAGE", "name one pack directory: lp-validate pack seal DIR")
        }
        let name = ctx.arguments.value("--manifest") ?? "app.pack.json"
        try StateDirectory.checkComponent(name, what: "manifest name")
        let path = directory + "/" + name
        let bytes = try InputDocument.readFile(path, limit: 4 << 20)
        let manifest = try InputDocument(bytes: bytes, source: path).json
        var pins: [JSON] = []
        let sealed = try pin(manifest, directory: directory, pins: &pins)
        let catalog = try ContractCatalog.locate(environment: ctx.environment)
        try catalog.validate(sealed, as: SchemaVersion.appPack, source: path)
        let changed = pins.filter { $0["changed"] == true }.count
        let declared = Set(pins.compactMap { $0["path"]?.stringValue } + [name])
        let undeclared = try filesUnder(directory).filter { !declared.contains($0) && !isAlternativeManifest($0) }
        var output = sealed.encoded(.pretty) + [0x0A]
        if changed == 0 { output = bytes }
        if !ctx.arguments.has("--check"), changed > 0 { try AtomicFile.write(output, to: path, mode: 0o644) }
        var result: [String: JSON] = [
            "schema_version": "x07lp.pack.seal.result@0.1.0", "manifest": .string(path),
            "manifest_digest": DigestRef(of: output).json, "files": .array(pins), "changed": .number(Double(changed)),
            "written": .bool(changed > 0 && !ctx.arguments.has("--check")), "undeclared": .array(undeclared.map(JSON.string)),
        ]
        result["manifest_canonical_digest"] = DigestRef(of: sealed).json
        var diagnostics = undeclared.map {
            Diagnostic(code: "LP_PACK_FILE_UNDECLARED", severity: .warning,
                       message: "\(directory)/\($0) is not named by \(name): intake refuses undeclared files")
        }
        var exitCode = ExitCode.ok
        if ctx.arguments.has("--check"), changed > 0 {
            exitCode = .digestMismatch
            diagnostics.insert(Diagnostic(code: "LP_PACK_DIGEST_MISMATCH_FILE",
                                          message: "\(changed) pin(s) of \(path) differ from the files; run x07lp pack seal \(directory)"), at: 0)
        }
        return StageOutput(result: .object(result), exitCode: exitCode, diagnostics: diagnostics)
    }

    /// `value` with every file reference pinned to DIR/path; `pins` gets one row per reference.
    static func pin(_ value: JSON, directory: String, pins: inout [JSON]) throws -> JSON {
        switch value {
        case .object(var members):
            if case .string(let relative)? = members["path"], members["sha256"] != nil {
                try PackEntryName.checkDeclared(relative)
                let hasher = SHA256Hasher()
                let length = try FileDigest.stream(path: directory + "/" + relative, into: hasher)
                let sha = Hex.encode(hasher.finish())
                let changed = members["sha256"] != .string(sha)
                    || (members["bytes_len"] != nil && members["bytes_len"] != .number(Double(length)))
                members["sha256"] = .string(sha)
                if members["bytes_len"] != nil { members["bytes_len"] = .number(Double(length)) }
                pins.append(["path": .string(relative), "sha256": .string(sha), "bytes_len": .number(Double(length)),
                             "changed": .bool(changed)])
                return .object(members)
            }
            var out: [String: JSON] = [:]
            for key in members.keys.sorted() { out[key] = try pin(members[key]!, directory: directory, pins: &pins) }
            return .object(out)
        case .array(let items):
            return .array(try items.map { try pin($0, directory: directory, pins: &pins) })
        default:
            return value
        }
    }

    /// Every regular file under `directory`, as pack paths (`assets/x.js`), sorted.
    static func filesUnder(_ directory: String) throws -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: directory) else { return [] }
        var files: [String] = []
        for case let relative as String in walker {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: directory + "/" + relative, isDirectory: &isDirectory), !isDirectory.boolValue {
                files.append(relative)
            }
        }
        return files.sorted()
    }

    /// Root-level `*pack*.json` files are alternative manifests (docs/intake.md), not pack files.
    static func isAlternativeManifest(_ relative: String) -> Bool {
        !relative.contains("/") && relative.contains("pack") && relative.hasSuffix(".json")
    }
}
