import LPCore
import LPState
import LPModel
import LPIndex
import LPStage
import Foundation

/// `lp-validate` (default command): intake of a change request and a sealed pack.
enum IntakeCommand {
    static let command = StageCommand(
        words: [],
        spec: CommandSpec(
            name: "lp-validate", reportCommand: "deploy accept",
            summary: "accept a change request and a sealed app pack (x07lp deploy accept)",
            usage: ["lp-validate --pack DIR|ARCHIVE [--ops FILE --slo FILE --policy FILE... --provenance FILE --trusted-key PEM...] < change_request.json"],
            options: [
                OptionSpec("--pack", value: "DIR|ARCHIVE", aliases: ["--pack-dir"],
                           "the pack: a directory, or a tar, tar.gz, tar.xz, tar.zst or zip archive whose root is the pack root"),
                OptionSpec("--pack-manifest", value: "NAME", "manifest file name inside the pack (default app.pack.json)"),
                OptionSpec("--ops", value: "FILE", aliases: ["--ops-profile"],
                           "x07.app.ops.profile@0.1.0; its referenced files must be given and match pinned digests"),
                OptionSpec("--slo", value: "FILE", "x07.slo.profile@0.1.0 referenced by the ops profile"),
                OptionSpec("--capabilities", value: "FILE", "x07.app.capabilities@0.2.0 referenced by the ops profile (checked against its pin)"),
                OptionSpec("--policy", value: "FILE", repeatable: true, "x07.policy.card@0.1.0 to evaluate"),
                OptionSpec("--provenance", value: "FILE", "DSSE envelope with an in-toto v1 / SLSA v1 statement about the pack"),
                OptionSpec("--trusted-key", value: "PEM", repeatable: true, "Ed25519 public key trusted to sign provenance"),
                OptionSpec("--max-pack-bytes", value: "N", "cap on the pack's total size (default 4294967296)"),
                OptionSpec("--max-pack-entries", value: "N", "cap on the pack's entry count (default 4096)"),
                StageOptions.target,
            ],
            examples: [
                "lp-validate --pack app.tar.zst < change_request.json | lp-plan --ops ops.json",
                "x07lp deploy accept --pack-dir pack/ --change change_request.json --ops ops.json --slo slo.json --json",
            ],
            exitCodes: [.ok, .usage, .invalidInput, .digestMismatch, .gateRejected, .stateLocked],
            notes: [
                "Prints the lp.deploy.execution@0.1.0: status planned (allowed), or failed with meta.outcome",
                "\"rejected\" (exit 13). Unsafe or malformed packs (exit 3) and broken seals (exit 12) are refused",
                "before anything is stored. Records: runs/, decisions/, deploy/ and the inputs in store/.",
                "Intent: validate_only stops at intake (status completed, never planned or run); rollback must",
                "name a pack this app/env already promoted; stop and replay are refused (exit 13) with their verbs.",
            ]),
        body: run)

    static func run(_ ctx: StageContext) throws -> StageOutput {
        let catalog = try ContractCatalog.locate(environment: ctx.environment)
        let inputs = try IntakeInputs(ctx, catalog: catalog)
        // The pack streams into staged blobs outside the writer lock: they reach the store only
        // when the records are written, in one transaction.
        var parsedManifest: PackManifest?
        var packBytes: Int64?  // the manifest and the files it declares: the intake progress total
        let source: PackSource = try openSource(inputs.packPath, manifestName: inputs.manifestName, limits: inputs.limits)
        var ingest = PackIngest(source: source, manifestName: inputs.manifestName, store: BlobStore(state: ctx.state),
                                limits: inputs.limits) { bytes in
            let manifest = try parseManifest(bytes, name: inputs.manifestName, catalog: catalog)
            parsedManifest = manifest
            let declared = try manifest.declaredFiles()
            packBytes = Int64(bytes.count) + declared.values.reduce(0) { $0 + Int64($1.bytes_len) }
            return declared
        }
        let progress = ProgressReporter(requested: !ctx.quiet, environment: ctx.environment)
        ingest.progress = progress.byteCounter(label: "intake") { packBytes }
        defer { progress.finish() }  // also when intake throws, so the diagnostic starts a line
        let pack = try ingest.run()
        guard let parsedManifest else { throw LPError(.internalError, code: "LP_INTERNAL", "manifest not parsed") }
        let manifest = try JSONParser.parse(pack.manifestBytes)
        let manifestDigest = DigestRef(of: manifest)

        let releases = inputs.intent == .rollback
            ? ReleaseHistory.promotedManifests(state: ctx.state, appId: inputs.appId, environment: inputs.environment) : []
        let outcome = IntakeGates.evaluate(inputs, manifest: manifest, manifestDigest: manifestDigest, catalog: catalog,
                                           releases: releases)
        try AppBinding.check(statement: outcome.statement, manifest: manifestDigest, appId: inputs.appId)
        var records = IntakeRecords(clock: ctx.clock)
        let written = try ctx.state.write { tx in
            try records.write(inputs: inputs, pack: pack, manifest: manifest, manifestDigest: manifestDigest,
                              parsedManifest: parsedManifest, outcome: outcome, in: tx)
        }

        var diagnostics = outcome.errors.map {
            Diagnostic(code: "LP_GATE_REJECTED", message: $0.message, data: ["reason_code": .string($0.code)])
        }
        diagnostics += outcome.warnings.map {
            Diagnostic(code: $0.code, severity: .warning, message: $0.message)
        }
        if outcome.allowed, inputs.intent == .validateOnly {
            diagnostics.append(Diagnostic(code: ReasonCode.intentValidateOnly, severity: .info,
                                          message: "intent validate_only: the change passed intake; deployment \(written.execId) "
                                              + "is completed here and is never planned or run"))
        }
        let result: JSON = [
            "exec_id": .string(written.execId), "exec_digest": written.executionRef.digest.json,
            "run_id": .string(written.runId), "run_digest": written.runRef.digest.json,
            "decision_id": .string(written.decisionId), "decision_digest": written.decisionRef.digest.json,
            "outcome": .string(outcome.allowed ? "allow" : "deny"),
        ]
        return StageOutput(result: result, document: written.execution, exitCode: outcome.allowed ? .ok : .gateRejected,
                           diagnostics: diagnostics, artifacts: records.artifacts, runId: written.runId)
    }

    static func openSource(_ path: String, manifestName: String, limits: PackLimits) throws -> PackSource {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw LPError(.usage, code: "LP_NOT_FOUND", "no pack at \(path)")
        }
        return isDirectory.boolValue ? try DirectoryPackSource(root: path, manifestName: manifestName) : try ArchiveReader(path: path, limits: limits)
    }

    /// The manifest must be JSON, pass `x07.app.pack@0.1.0`, and have a sound structure.
    static func parseManifest(_ bytes: [UInt8], name: String, catalog: ContractCatalog) throws -> PackManifest {
        let json: JSON
        do {
            json = try InputDocument(bytes: bytes, source: name).json
            try catalog.validate(json, as: SchemaVersion.appPack, source: name)
        } catch let error as LPError where error.exitCode == .invalidInput {
            let head = Diagnostic(code: "LP_PACK_MANIFEST_INVALID", stage: .parse, message: "\(name) is not a valid x07.app.pack@0.1.0 manifest")
            throw LPError(.invalidInput, [head] + error.diagnostics)
        }
        let ranges = PackManifest.rangeProblems(json, source: name)
        if !ranges.isEmpty { throw LPError(.invalidInput, ranges) }
        let manifest = try json.decode(PackManifest.self)
        let problems = manifest.structureProblems()
        if !problems.isEmpty { throw LPError(.invalidInput, problems) }
        return manifest
    }
}
