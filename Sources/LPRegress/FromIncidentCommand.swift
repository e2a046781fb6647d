import LPCore
import LPState
import LPModel
import LPIndex
import LPStage
import LPIncident
import Foundation

/// `lp-regress from-incident`: from an incident with a trace, writes `<out-dir>/<name>/` —
/// `regression.request.json` (lp.regression.request@0.2.0), `replay.trace.json` (the replay
/// fixture) and `http.test.sh` (the portable HTTP test) — stores them and the run result by
/// digest, and moves the incident's regression status to `generated`. An incident of a device
/// release gets native replay fixtures instead (`DeviceReplayFixtures`), no external tool.
enum FromIncidentCommand {
    static let invariant = "http.status_lt_500"
    static let reportSchema = SchemaVersion.regressionReport

    static let command = StageCommand(
        words: ["from-incident"],
        spec: CommandSpec(
            name: "lp-regress from-incident", reportCommand: "regress from-incident",
            summary: "generate a replay trace and an HTTP test from an incident",
            usage: ["lp-regress from-incident --incident-id ID --name NAME --out-dir DIR [--dry-run]",
                    "lp-incident capture ... | lp-regress from-incident --name NAME --out-dir DIR"],
            options: [
                OptionSpec("--incident-id", value: "ID", "the incident (else the bundle or report on stdin names it)"),
                OptionSpec("--name", value: "NAME", "fixture name: the directory under --out-dir (default: the incident id)"),
                OptionSpec("--out-dir", value: "DIR", "where <NAME>/ is written (created if missing)"),
                OptionSpec("--dry-run", "compute and print the result; write nothing (no files, no state change)"),
                StageOptions.target,
            ],
            examples: ["x07lp regress from-incident --incident-id lpinc_... --name health_500 --out-dir tests/regress --json",
                       "sh tests/regress/health_500/http.test.sh http://127.0.0.1:8080"],
            exitCodes: [.ok, .usage, .invalidInput, .stateLocked, .stateCorrupt],
            notes: ["Needs an incident captured with --trace (exit 3, LP_INCIDENT_TRACE_MISSING, otherwise). The same",
                    "incident, name and pinned time give byte-identical files. http.test.sh exits 0 when the replayed request",
                    "gets a status below 500, 1 when it does not, 2 when no response came. An incident of a device release",
                    "(captured with --release, or by release-run / release-observe) gets native replay fixtures instead:",
                    "regression.request.json with native_replay_hints, device.replay.json (x07lp.device.replay@0.1.0) and, when",
                    "the device's x07.web_ui.trace was captured, device.trace.json; no trace is needed."]),
        body: run)

    static func run(_ ctx: StageContext) throws -> StageOutput {
        let args = ctx.arguments
        let input = try IncidentInput.resolve(ctx)
        let name = args.value("--name") ?? input.id
        guard name.range(of: "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", options: .regularExpression) != nil else {
            throw LPError(.usage, code: "LP_USAGE", "--name \(name): use 1-64 letters, digits, '.', '_' or '-' (it names a directory)")
        }
        let outDir = try args.required("--out-dir", ctx.spec)
        let dryRun = args.has("--dry-run")
        let store = IncidentStore(state: ctx.state)
        let loaded = try store.load(try store.locate(input.id))
        let rules = RedactionRules.from(environment: ctx.environment)
        let fixtures = loaded.meta.release_exec_id != nil
            ? try DeviceReplayFixtures.build(loaded, state: ctx.state, name: name, nowUnixMs: ctx.clock.unixMs(), rules: rules)
            : try RegressionFixtures.build(loaded, state: ctx.state, name: name, invariant: invariant, nowUnixMs: ctx.clock.unixMs(),
                                           rules: rules)
        let directory = outDir + "/" + name
        // Every file as the blob it is stored as; a dry run computes the same refs and stores nothing.
        let files = fixtures.files.map { file in
            (file, ArtifactRef.blob(DigestRef(of: file.bytes), logicalName: name + "/" + file.name, mediaType: file.mediaType))
        }
        let report: JSON = [
            "schema_version": .string(reportSchema), "regression_id": .string(fixtures.regressionId),
            "incident_id": .string(input.id), "name": .string(name), "out_dir": .string(outDir), "dry_run": .bool(dryRun),
            "invariants": [.string(fixtures.invariant)], "replaced_responses": .number(Double(fixtures.replacedResponses)),
            "generated": .array(files.map { file, ref in ref.digest.json(path: ref.logical_name).setting("role", .string(file.role)) }),
        ]
        let reportRef = ArtifactRef.blob(DigestRef(of: report), logicalName: "regression.report")
        let requestPath = StateDirectory.regression(fixtures.regressionId) + "/request.json"
        let requestRef = ArtifactRef(digest: DigestRef(of: fixtures.request), logicalName: "lp.regression.request",
                                     storeURI: "file:" + requestPath)
        let generated = try files.enumerated().map { ord, item in
            try JSON(encoding: item.1.stored(role: item.0.role, ord: ord, kind: item.0.kind))
        }
        let result: [String: JSON] = [
            "schema_version": .string(SchemaVersion.regressionRunResult), "incident_id": .string(input.id),
            "regression_id": .string(fixtures.regressionId), "ok": true,
            "tool": ["name": "x07 wasm", "command": .string(fixtures.toolCommand)], "dry_run": .bool(dryRun),
            "created_unix_ms": .number(Double(fixtures.createdUnixMs)), "out_dir": .string(outDir),
            "replay_target_kind": fixtures.replayTargetKind.map(JSON.string) ?? .null, "replay_mode": .string(fixtures.replayMode),
            "replay_synthesis_status": .string(dryRun ? "planned" : "generated"),
            "target_artifact": fixtures.targetArtifact,
            "request": requestRef.located(kind: SchemaVersion.regressionRequest),
            "report": reportRef.located(kind: reportSchema),
            "generated_trace_artifact_refs": .array(generated.filter { $0["kind"] == .string(fixtures.traceKind) }),
            "generated_report_artifact_refs": [reportRef.located(kind: reportSchema).setting("role", "regression_report")],
            "generated": .array(generated),
            "incident_status_after": .string(dryRun ? loaded.meta.regression_status : "generated"),
        ]
        guard !dryRun else { return StageOutput(result: .object(result), runId: loaded.meta.run_id) }

        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for (file, _) in files {
            try AtomicFile.write(file.bytes, to: directory + "/" + file.name, mode: file.executable ? 0o755 : 0o644)
        }
        // The fixtures, the regression records and the incident's transition are one transaction.
        let artifacts = try ctx.state.write { tx -> [ArtifactRef] in
            var written = try files.map { file, ref in try tx.putBlob(file.bytes, logicalName: ref.logical_name, mediaType: ref.media_type) }
            written.append(try tx.putBlob(report, logicalName: reportRef.logical_name))
            written.append(try tx.writeRecord(fixtures.request, at: requestPath, logicalName: requestRef.logical_name))
            let resultRef = try tx.writeRecord(.object(result), at: StateDirectory.regression(fixtures.regressionId) + "/result.json",
                                               logicalName: "lp.regression.run.result")
            written.append(resultRef)
            let evidence = [TypedRef(kind: SchemaVersion.regressionRequest, digest: requestRef.digest, label: "regression_request"),
                            TypedRef(kind: SchemaVersion.regressionRunResult, digest: resultRef.digest, label: "regression_result")]
            written += try store.transition(.regression, id: input.id, regression: fixtures.regressionId, evidence: evidence,
                                            message: "regression \(name) generated into \(directory)",
                                            nowUnixMs: fixtures.createdUnixMs, in: tx) { meta in
                guard meta.regression_id != fixtures.regressionId || meta.regression_status != "generated" else { return false }
                meta.regression_id = fixtures.regressionId
                meta.regression_status = "generated"
                return true
            }.artifacts
            return written
        }
        return StageOutput(result: .object(result), artifacts: artifacts, runId: loaded.meta.run_id)
    }
}
