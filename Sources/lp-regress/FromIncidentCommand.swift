import Foundation
import LPShared

/// `lp-regress from-incident`: from an incident with a trace, writes `<out-dir>/<name>/` —
/// `regression.request.json` (lp.regression.request@0.2.0), `replay.trace.json` (the replay
/// fixture) and `http.test.sh` (the portable HTTP test) — stores them and the run result by
/// digest, and moves the incident's regression status to `generated`.
enum FromIncidentCommand {
    static let invariant = "http.status_lt_500"
    static let reportSchema = "x07lp.regression.report@0.1.0"

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
            ],
            examples: ["x07lp regress from-incident --incident-id lpinc_... --name health_500 --out-dir tests/regress --json",
                       "sh tests/regress/health_500/http.test.sh http://127.0.0.1:8080"],
            exitCodes: [.ok, .usage, .invalidInput, .stateLocked, .stateCorrupt],
            notes: ["Needs an incident captured with --trace (exit 3, LP_INCIDENT_TRACE_MISSING, otherwise). The same",
                    "incident, name and pinned time give byte-identical files. http.test.sh exits 0 when the replayed request",
                    "gets a status below 500, 1 when it does not, 2 when no response came."]),
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
        let fixtures = try RegressionFixtures.build(loaded, state: ctx.state, name: name, invariant: invariant,
                                                    nowUnixMs: ctx.clock.unixMs())
        let directory = outDir + "/" + name
        let files = fixtures.files.map { file in (file, DigestRef(of: file.bytes)) }
        let report: JSON = [
            "schema_version": .string(reportSchema), "regression_id": .string(fixtures.regressionId),
            "incident_id": .string(input.id), "name": .string(name), "out_dir": .string(outDir), "dry_run": .bool(dryRun),
            "invariants": [.string(invariant)], "replaced_responses": .number(Double(fixtures.replacedResponses)),
            "generated": .array(files.map { file, digest in
                digest.json(path: name + "/" + file.name).setting("role", .string(file.role))
            }),
        ]
        var artifacts: [ArtifactRef] = []
        if !dryRun {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            for (file, _) in files {
                try AtomicFile.write(file.bytes, to: directory + "/" + file.name, mode: file.executable ? 0o755 : 0o644)
            }
        }
        let located = { (kind: String?, digest: DigestRef, logical: String, media: String) -> JSON in
            var ref: [String: JSON] = ["digest": digest.json, "media_type": .string(media), "logical_name": .string(logical),
                                       "store_uri": .string("sha256:" + digest.sha256)]
            if let kind { ref["kind"] = .string(kind) }
            return .object(ref)
        }
        let generated: [JSON] = files.enumerated().map { ord, item in
            located(item.0.kind, item.1, name + "/" + item.0.name, item.0.mediaType)
                .setting("role", .string(item.0.role)).setting("ord", .number(Double(ord)))
        }
        let reportDigest = DigestRef(of: report)
        var result: [String: JSON] = [
            "schema_version": "lp.regression.run.result@0.2.0", "incident_id": .string(input.id),
            "regression_id": .string(fixtures.regressionId), "ok": true,
            "tool": ["name": "x07 wasm", "command": "app regress from-incident"], "dry_run": .bool(dryRun),
            "created_unix_ms": .number(Double(fixtures.createdUnixMs)), "out_dir": .string(outDir),
            "replay_target_kind": .null, "replay_mode": "app_trace",
            "replay_synthesis_status": .string(dryRun ? "planned" : "generated"),
            "target_artifact": located("x07.app.pack@0.1.0", fixtures.packDigest, "pack.manifest", "application/json"),
            "request": located("lp.regression.request@0.2.0", DigestRef(of: fixtures.request), "lp.regression.request",
                               "application/json")
                .setting("store_uri", .string("file:" + StateDirectory.regression(fixtures.regressionId) + "/request.json")),
            "report": located(reportSchema, reportDigest, "regression.report", "application/json"),
            "generated_trace_artifact_refs": .array(generated.filter { $0["kind"] == "x07.app.trace@0.1.0" }),
            "generated_report_artifact_refs": [located(reportSchema, reportDigest, "regression.report", "application/json")
                                                .setting("role", "regression_report")],
            "generated": .array(generated),
        ]
        if dryRun {
            result["incident_status_after"] = .string(loaded.meta.regression_status)
        } else {
            let blobs = BlobStore(state: ctx.state)
            let stored = try ctx.state.withLock { () -> [ArtifactRef] in
                var refs = try files.map { file, _ in
                    try blobs.put(file.bytes, logicalName: name + "/" + file.name, mediaType: file.mediaType)
                }
                refs.append(try blobs.put(report, logicalName: "regression.report"))
                refs.append(try ctx.state.writeRecord(fixtures.request, at: StateDirectory.regression(fixtures.regressionId) + "/request.json",
                                                      logicalName: "lp.regression.request"))
                return refs
            }
            artifacts += stored
            result["incident_status_after"] = "generated"
            let resultRef = try ctx.state.withLock {
                try ctx.state.writeRecord(.object(result), at: StateDirectory.regression(fixtures.regressionId) + "/result.json",
                                          logicalName: "lp.regression.run.result")
            }
            artifacts.append(resultRef)
            let evidence = [TypedRef(kind: "lp.regression.request@0.2.0", digest: DigestRef(of: fixtures.request), label: "regression_request"),
                            TypedRef(kind: "lp.regression.run.result@0.2.0", digest: resultRef.digest, label: "regression_result")]
            let transition = try store.transition(.regression, id: input.id, regression: fixtures.regressionId, evidence: evidence,
                                                  message: "regression \(name) generated into \(directory)",
                                                  nowUnixMs: fixtures.createdUnixMs) { meta in
                guard meta.regression_id != fixtures.regressionId || meta.regression_status != "generated" else { return false }
                meta.regression_id = fixtures.regressionId
                meta.regression_status = "generated"
                if meta.incident_status == .open { meta.incident_status = .regression_generated }
                return true
            }
            artifacts += transition.artifacts
        }
        return StageOutput(result: .object(result), artifacts: artifacts, runId: loaded.meta.run_id)
    }
}
