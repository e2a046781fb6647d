import LPCore
import LPState
import LPModel
import LPIndex
import LPStage
import Foundation

/// `lp-plan`: pins a plan to a planned execution and records the decision.
enum PlanCommand {
    static let command = StageCommand(
        words: [],
        spec: CommandSpec(
            name: "lp-plan", reportCommand: "deploy plan",
            summary: "generate or adopt the deploy plan of a planned execution",
            usage: ["lp-plan [--plan FILE] [--ops FILE] [--slo FILE] < execution.json",
                    "lp-plan --deployment-id ID [--plan FILE]"],
            options: [
                OptionSpec("--deployment-id", value: "ID", aliases: ["--deployment"], "plan the stored execution ID instead of reading stdin"),
                StageOptions.acceptedRun,
                OptionSpec("--plan", value: "FILE", "adopt this x07.deploy.plan@0.2.0; its slo_profile path is read relative to the plan file"),
                OptionSpec("--ops", value: "FILE", aliases: ["--ops-profile"],
                           "ops profile to plan from when intake had none (must equal intake's when it had one)"),
                OptionSpec("--slo", value: "FILE", "SLO profile for the analysis steps (default: the one accepted at intake)"),
                StageOptions.target,
            ],
            examples: [
                "lp-validate --pack app.tar.zst < cr.json | lp-plan | lp-apply --metrics-dir metrics/",
                "lp-plan --deployment-id lpexec_... --plan deploy.plan.json --report",
            ],
            exitCodes: [.ok, .usage, .invalidInput, .gateRejected, .stateLocked, .unsupportedPlanStep],
            notes: ["Prints the execution with its plan ref; the plan is stored in plans/<plan_id>.json and in the",
                    "content store, with every pin naming a stored document (adopted pins are rewritten and reported)."]),
        body: run)

    static func run(_ ctx: StageContext) throws -> StageOutput {
        let catalog = try ContractCatalog.locate(environment: ctx.environment)
        let execution = try ExecutionInput.load(ctx, catalog: catalog)
        try AcceptedInputs.refuseValidateOnly(execution, state: ctx.state, verb: "planned")
        let replanning = ["--plan", "--ops", "--slo"].contains { ctx.arguments.value($0) != nil }
        if execution.plan != nil, !replanning {
            // Already planned (a rerun, or `deploy run` again after a pause): keep its plan.
            return StageOutput(result: ["deployment_id": .string(execution.exec_id), "plan_digest": execution.plan?.digest.json ?? .null],
                               document: try execution.json(), runId: execution.run_id)
        }
        guard execution.status == .planned else {
            throw LPError(.usage, code: "LP_EXECUTION_NOT_PLANNED",
                          "deployment \(execution.exec_id) is \(execution.status.rawValue); only a planned execution can be (re)planned")
        }
        let accepted = try AcceptedInputs.load(state: ctx.state, runId: execution.run_id)
        let planFile = try ctx.arguments.value("--plan").map { path -> ContractDocument in
            let bytes = try InputDocument.readFile(path, limit: ContractDocument.maxBytes)
            try PlanSteps.checkKnown(try InputDocument(bytes: bytes, source: path).json, source: path)
            return try ContractDocument(path: path, contract: SchemaVersion.deployPlan, catalog: catalog)
        }
        let opsFile = try ctx.arguments.value("--ops").map { try ContractDocument(path: $0, contract: SchemaVersion.appOpsProfile, catalog: catalog) }
        if let opsFile, let acceptedOps = accepted.ops, opsFile.rawDigest != acceptedOps {
            throw LPError(.gateRejected, code: "LP_PLAN_OPS_MISMATCH",
                          "\(opsFile.path) is not the ops profile intake accepted (sha256 \(acceptedOps.sha256)); accept the change again with it")
        }
        var sloFile = try ctx.arguments.value("--slo").map { try ContractDocument(path: $0, contract: SchemaVersion.sloProfile, catalog: catalog) }
        if sloFile == nil, let planFile, let relative = planFile.json["slo_profile"]?["path"]?.stringValue {
            let path = relative.hasPrefix("/") ? relative : (planFile.path as NSString).deletingLastPathComponent + "/" + relative
            if FileManager.default.fileExists(atPath: path) {
                sloFile = try ContractDocument(path: path, contract: SchemaVersion.sloProfile, catalog: catalog)
            }
        }

        // The plan is built and checked before anything is written.
        func pinned(_ doc: ContractDocument?) -> PlanBuilder.FileDigest? {
            doc.map { PlanBuilder.FileDigest(path: ($0.path as NSString).lastPathComponent, digest: $0.rawDigest) }
        }
        let ops = pinned(opsFile) ?? accepted.ops.map { PlanBuilder.FileDigest(path: "ops.json", digest: $0) }
        let slo = pinned(sloFile) ?? accepted.slo.map { PlanBuilder.FileDigest(path: "slo.json", digest: $0) }
        let builder = PlanBuilder(manifest: accepted.manifest, ops: ops, slo: slo,
                                  policies: accepted.policies.map { PlanBuilder.FileDigest(path: "policy.json", digest: $0) })
        let planId = Identifier.make(.plan, parts: [execution.exec_id, planFile?.canonicalDigest.sha256 ?? "generated",
                                                    ops?.digest.sha256 ?? "-", slo?.digest.sha256 ?? "-"])
        var warnings: [Diagnostic] = []
        let plan: JSON
        if let planFile {
            (plan, warnings) = builder.adopt(planFile.json)
        } else {
            guard let opsDigest = ops?.digest else {
                throw LPError(.usage, code: "LP_PLAN_NO_OPS", "intake accepted no ops profile: pass --ops FILE or --plan FILE")
            }
            let opsProfile = try opsFile?.json ?? BlobStore(state: ctx.state).readJSON(opsDigest)
            plan = try builder.generate(id: planId, opsProfile: opsProfile)
        }
        try catalog.validate(plan, as: SchemaVersion.deployPlan, source: "plan")
        if plan["slo_profile"] == nil || plan["slo_profile"] == .null, PlanSteps.hasAnalysis(plan) {
            throw LPError(.invalidInput, code: "LP_PLAN_SLO_MISSING",
                          "the plan has analysis steps but no SLO profile: pass --slo FILE (or accept the change with one)")
        }

        return try ctx.state.write { tx in
            var artifacts: [ArtifactRef] = []
            for (doc, name) in [(opsFile, "x07.app.ops.profile"), (sloFile, "x07.slo.profile")] {
                if let doc { artifacts.append(try tx.putBlob(doc.bytes, logicalName: name)) }
            }
            let planRef = try tx.putBlob(plan, logicalName: "deploy.plan")
            artifacts.append(try tx.writeRecord(plan, at: StateDirectory.plan(planId), logicalName: "deploy.plan"))

            let evidence = [TypedRef(kind: SchemaVersion.deployPlan, digest: planRef.digest, label: planId)]
                + [slo.map { TypedRef(kind: SchemaVersion.sloProfile, digest: $0.digest, label: "slo_profile") }].compactMap { $0 }
            let decisionId = Identifier.make(.decision, parts: [execution.exec_id, "plan", planRef.sha256])
            let decision = try DecisionRecord(
                decision_id: decisionId, run_id: execution.run_id, created_unix_ms: ctx.clock.unixMs(step: 0),
                kind: planFile == nil ? "plan.generate" : "plan.adopt", outcome: .allow,
                reasons: [DecisionRecord.Reason(code: planFile == nil ? ReasonCode.planGenerated : ReasonCode.planAdopted,
                                                message: "plan \(planId) (\(plan["strategy"]?["type"]?.stringValue ?? "?"))")]
                    + warnings.map { DecisionRecord.Reason(code: $0.code, message: String($0.message.prefix(1024))) },
                evidence: evidence, subject: TypedRef(kind: SchemaVersion.appPack, digest: accepted.manifest, label: "pack_manifest"),
                meta: ["exec_id": .string(execution.exec_id), "plan_id": .string(planId)])
            artifacts.append(try tx.writeRecord(try JSON(encoding: decision), at: StateDirectory.decisionRecord(decisionId),
                                                       logicalName: "lp.decision.record"))

            let (planned, executionRef) = try ExecutionStore(state: ctx.state).update(execution.exec_id, in: tx) {
                $0.plan = DeployExecution.PlanRef(digest: planRef.digest)
            }
            artifacts.append(executionRef)
            let executionJSON = try planned.json()
            return StageOutput(
                result: ["deployment_id": .string(execution.exec_id), "plan_id": .string(planId), "plan_digest": planRef.digest.json,
                         "decision_id": .string(decisionId), "strategy": plan["strategy"]?["type"] ?? .null],
                document: executionJSON, diagnostics: warnings, artifacts: artifacts, runId: execution.run_id)
        }
    }
}
