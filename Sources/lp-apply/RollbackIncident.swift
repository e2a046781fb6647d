import LPShared

/// The incident an SLO rollback captures (classification `slo_rollback`, source `slo`): a
/// `lp.incident.bundle@0.2.0` and its local meta under incidents/<app>/<env>/<id>/. The
/// incident stage (lp-incident) builds richer bundles; this one links the deployment, its run,
/// the rollback decision and the evidence of the failed analysis.
enum RollbackIncident {
    struct Captured {
        var id: String
        var artifacts: [ArtifactRef]
    }

    static func environmentObject(_ name: String) -> JSON {
        ["dev", "staging", "prod"].contains(name) ? ["kind": .string(name)] : ["kind": "custom", "name": .string(name)]
    }

    static func capture(state: StateDirectory, execution: DeployExecution, meta: ExecutionMetaLocal, runId: String,
                        decisionId: String?, nowUnixMs: Int64) throws -> Captured {
        let app = meta.target.app_id, env = meta.target.environment
        let id = Identifier.make(.incident, parts: [execution.exec_id, "slo_rollback", decisionId ?? "-"])
        var refs: [JSON] = []
        if let report = meta.analysis.last_slo_report {
            refs.append(["kind": .string(report.kind ?? "x07.wasm.slo.eval.report@0.1.0"), "digest": report.digest.json, "label": "slo_eval"])
        }
        if let snapshot = meta.analysis.last_snapshot {
            refs.append(["kind": .string(snapshot.kind ?? "x07.metrics.snapshot@0.1.0"), "digest": snapshot.digest.json, "label": "snapshot"])
        }
        let bundle: JSON = [
            "schema_version": "lp.incident.bundle@0.2.0", "incident_id": .string(id), "created_unix_ms": .number(Double(nowUnixMs)),
            "app_id": .string(app), "environment": environmentObject(env),
            "window": ["start_unix_ms": .number(Double(meta.started_unix_ms ?? nowUnixMs)), "end_unix_ms": .number(Double(nowUnixMs))],
            "diag_codes": ["LP_SLO_DECISION_ROLLBACK"], "refs": .array(refs),
        ]
        var incidentMeta: JSON = [
            "schema_version": "lp.incident.bundle.meta.local@0.2.0", "classification": "slo_rollback", "source": "slo",
            "incident_status": "open", "deployment_id": .string(execution.exec_id), "run_id": .string(runId),
            "target": ["app_id": .string(app), "environment": .string(env)], "captured_unix_ms": .number(Double(nowUnixMs)),
            "candidate_weight_pct": .number(Double(meta.routing.candidate_weight_pct)),
        ]
        if let decisionId { incidentMeta = incidentMeta.setting("decision_id", .string(decisionId)) }
        let directory = StateDirectory.incidentDirectory(app: app, env: env, id: id)
        return try state.withLock {
            Captured(id: id, artifacts: [
                try state.writeRecord(bundle, at: directory + "/incident.bundle.json", logicalName: "lp.incident.bundle"),
                try state.writeRecord(incidentMeta, at: directory + "/incident.meta.local.json", logicalName: "lp.incident.bundle.meta.local"),
            ])
        }
    }
}
