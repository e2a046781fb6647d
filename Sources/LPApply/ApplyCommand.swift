import LPCore
import LPState
import LPModel
import LPIndex
import LPStage
import LPIncident
import LPRuntime
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `lp-apply` (default command): runs a planned execution's plan on the local target.
enum ApplyCommand {
    static let command = StageCommand(
        words: [],
        spec: CommandSpec(
            name: "lp-apply", reportCommand: "deploy run",
            summary: "run a planned deployment's steps on the local target (x07lp deploy run)",
            usage: ["lp-apply [--metrics-dir DIR | --metrics FILE...] [--pause-scale X] [--retry-budget N] < execution.json",
                    "lp-apply --deployment-id ID --metrics-dir DIR"],
            options: [
                OptionSpec("--deployment-id", value: "ID", aliases: ["--deployment"], "run the stored execution ID instead of reading stdin"),
                StageOptions.acceptedRun,
                OptionSpec("--metrics-dir", value: "DIR", aliases: ["--fixture"],
                           "analysis.1.json, analysis.2.json, ... consumed one per analysis attempt"),
                OptionSpec("--metrics", value: "FILE", repeatable: true, "metrics snapshots consumed before --metrics-dir, in order"),
                OptionSpec("--metrics-from", value: "SOURCE",
                           "access-log: measure each analysis window from the candidate's requests served by x07lp serve; prometheus=URL: evaluate --metrics-queries"),
                OptionSpec("--metrics-queries", value: "FILE", "with --metrics-from prometheus=URL: the PromQL per indicator (x07lp.metrics.queries@0.1.0)"),
                OptionSpec("--pause-scale", value: "X", "multiply every pause_s by X (default 1; 0 in tests)"),
                OptionSpec("--retry-budget", value: "N", "analysis attempts per step before giving up (default 3, at most 16)"),
                StageOptions.target,
            ],
            examples: [
                "lp-validate --pack app.tar.zst < cr.json | lp-plan | lp-apply --metrics-dir metrics/ --pause-scale 0",
                "lp-apply --deployment-id lpexec_... --metrics-dir metrics/ --report",
            ],
            exitCodes: [.ok, .usage, .invalidInput, .gateRejected, .sloRollback, .retryBudgetExhausted, .metricsMissing,
                        .stateLocked, .killSwitchEngaged, .unsupportedPlanStep],
            notes: ["Prints the execution. Outcomes: promoted (0), rolled_back (14, an slo_rollback incident is captured),",
                    "failed after the retry budget (15), waiting for metrics (16: rerun lp-apply with more snapshots),",
                    "paused or stopped by a control action (0), blue-green waiting for `deploy promote` (0)."]),
        view: ExecutionView.view, body: run)

    static func run(_ ctx: StageContext) throws -> StageOutput {
        let catalog = try ContractCatalog.locate(environment: ctx.environment)
        let execution = try ExecutionInput.load(ctx, catalog: catalog)
        try AcceptedInputs.refuseValidateOnly(execution, state: ctx.state, verb: "run")
        guard let planRef = execution.plan else {
            throw LPError(.usage, code: "LP_EXECUTION_NOT_PLANNED", "deployment \(execution.exec_id) has no plan yet: run lp-plan first")
        }
        guard execution.status.isLive else {
            throw LPError(.usage, code: "LP_EXECUTION_FINISHED", "deployment \(execution.exec_id) is \(execution.status.rawValue); rerun it with `deploy rerun`")
        }
        let pauseScale = try ctx.arguments.value("--pause-scale").map { text -> Double in
            guard let x = Double(text), x >= 0, x <= 3600 else {
                throw LPError(.usage, code: "LP_USAGE", "--pause-scale expects a number in 0...3600, got \"\(text)\"")
            }
            return x
        } ?? 1
        let budget = Int(try ctx.arguments.integer("--retry-budget", range: 1...16) ?? 3)
        let accepted = try AcceptedInputs.load(state: ctx.state, runId: execution.run_id)
        try KillSwitch.refuseIfEngaged(state: ctx.state, appId: accepted.appId, environment: accepted.environment)

        // Everything the run will need is read and checked before the first write.
        let blobs = BlobStore(state: ctx.state)
        let plan = try blobs.readJSON(planRef.digest)
        let steps = try RunStep.expand(plan: plan)
        let slo = try sloProfile(of: plan, blobs: blobs, catalog: catalog)
        if slo == nil, steps.contains(where: \.isAnalysis) {
            throw LPError(.invalidInput, code: "LP_SLO_PROFILE_MISSING",
                          "the plan of \(execution.exec_id) has analysis steps but no SLO profile: plan it again with --slo FILE")
        }
        var feed = try MetricsFeed.load(files: ctx.arguments.all("--metrics"), directory: ctx.arguments.value("--metrics-dir"),
                                        appId: accepted.appId, catalog: catalog)
        feed.live = try MetricsFeed.live(ctx.arguments.value("--metrics-from"), queries: ctx.arguments.value("--metrics-queries"),
                                         files: !ctx.arguments.all("--metrics").isEmpty || ctx.arguments.value("--metrics-dir") != nil,
                                         runtime: ServeRuntime(state: ctx.state), execId: execution.exec_id, appId: accepted.appId,
                                         slo: slo?.json, catalog: catalog)

        let lease = try RunLease.deployment(execution.exec_id, state: ctx.state)
        let targetLease = try RunLease.target(appId: accepted.appId, environment: accepted.environment, state: ctx.state)
        defer { withExtendedLifetime((lease, targetLease)) {} }
        try refuseConcurrentDeployment(ctx, accepted: accepted, execId: execution.exec_id)

        let runId = Identifier.make(.run, parts: ["deploy", execution.exec_id, planRef.digest.sha256,
                                                  String(execution.steps.count), String(ctx.clock.unixMs())])
        var meta = ExecutionMetaLocal.current(of: execution, accepted: accepted, nowUnixMs: ctx.clock.unixMs())
        meta.retry_budget.max_attempts_per_step = budget
        let manifest = try blobs.readJSON(accepted.manifest)
        let layout = try PackLayout.from(manifest: manifest)
        var engine = ApplyEngine(
            state: ctx.state, clock: ctx.clock, catalog: catalog,
            target: TargetDriver(state: ctx.state, target: LocalTarget(state: ctx.state), layout: layout,
                                 stableLayout: try stableRelease(ctx, accepted: accepted, execId: execution.exec_id) ?? layout,
                                 clock: ctx.clock),
            steps: steps, slo: slo, pauseScale: pauseScale,
            progress: ProgressReporter(requested: !ctx.quiet, environment: ctx.environment),
            runId: runId, packManifest: accepted.manifest, feed: feed, execution: execution, meta: meta)
        let record = DeployRunRecord(state: ctx.state, runId: runId, manifest: accepted.manifest, execId: execution.exec_id)
        try record.write(engine: engine, status: "running")
        let ending = try engine.run()
        try record.write(engine: engine, status: DeployRunRecord.status(of: ending))
        return output(engine: engine, ending: ending, runId: runId)
    }

    /// The plan's SLO profile from the content store, checked against its contract (a profile
    /// stored by another tool may lack an objective, which would pass every analysis).
    static func sloProfile(of plan: JSON, blobs: BlobStore, catalog: ContractCatalog) throws -> (json: JSON, digest: DigestRef)? {
        guard let sha = plan["slo_profile"]?["sha256"]?.stringValue else { return nil }
        try StateDirectory.checkComponent(sha, what: "SLO profile digest")
        let bytes = try blobs.read(sha)
        let json: JSON
        do { json = try JSONParser.parse(bytes) } catch {
            throw LPError(.stateCorrupt, code: "LP_STATE_CORRUPT", "SLO profile blob \(sha) is not JSON: \(error)")
        }
        try catalog.validate(json, as: SchemaVersion.sloProfile, source: "SLO profile \(sha.prefix(12))")
        return (json, DigestRef(of: bytes))
    }

    /// One deployment of an app/env runs at a time: another one still `started` (running, or
    /// paused mid-run) must finish first (exit 17, naming it).
    static func refuseConcurrentDeployment(_ ctx: StageContext, accepted: AcceptedInputs, execId: String) throws {
        let (index, _) = try StateIndex.open(state: ctx.state)
        guard let other = try index.startedExecutions(appId: accepted.appId, environment: accepted.environment,
                                                      excluding: execId).first else { return }
        throw LPError(.stateLocked, code: "LP_DEPLOYMENT_IN_PROGRESS",
                      "deployment \(other.exec_id) of \(accepted.appId) in \(accepted.environment) is still started; finish it "
                      + "(x07lp deploy run --deployment-id \(other.exec_id)) or stop it (x07lp deploy stop --deployment-id \(other.exec_id)) first")
    }

    /// The pack of the app/env's last promoted deployment (found through the query index), if any.
    static func stableRelease(_ ctx: StageContext, accepted: AcceptedInputs, execId: String) throws -> PackLayout? {
        let (index, _) = try StateIndex.open(state: ctx.state)
        guard let previous = try index.latestPromoted(appId: accepted.appId, environment: accepted.environment, excluding: execId),
              let revision = previous.candidate_revision else { return nil }
        return try PackLayout.from(manifest: BlobStore(state: ctx.state).readJSON(revision))
    }

    static func output(engine: ApplyEngine, ending: RunEnding, runId: String) -> StageOutput {
        let exitCode = ending.exitCode
        let document = (try? engine.execution.json()) ?? [:]
        // A rollback names the indicators that caused it, with their values.
        let violations = ending == .rolledBack ? SLOViolation.of(execution: document, state: engine.state) : []
        let diagnostics = ending.diagnosticCode.map { c -> [Diagnostic] in
            let severity: Diagnostic.Severity = exitCode == .ok ? .info : .error
            var message = engine.meta.pause_reason ?? "deployment \(engine.execution.exec_id) ended: \(engine.meta.outcome.rawValue)"
            if let why = SLOViolation.summary(violations) { message += " (\(why))" }
            return [Diagnostic(code: c, severity: severity, message: message)]
        } ?? []
        var result: JSON = [
            "deployment_id": .string(engine.execution.exec_id), "run_id": .string(runId),
            "final_decision_id": engine.meta.latest_decision_id.map(JSON.string) ?? .null,
            "outcome": .string(engine.meta.outcome.rawValue),
            "latest_weight_pct": .number(Double(engine.meta.routing.candidate_weight_pct)),
            "public_listener": engine.meta.public_listener.map(JSON.string) ?? .null,
        ]
        if !violations.isEmpty { result = result.setting("slo_violations", .array(violations.map(\.json))) }
        return StageOutput(result: result, document: document, exitCode: exitCode, diagnostics: diagnostics,
                           artifacts: engine.artifacts, runId: runId)
    }
}

/// A lock held for a whole run (`flock`, dropped by the kernel if the run dies): one lp-apply
/// per deployment (`runtime/<exec>/.apply.lock`) and one per app/env
/// (`runtime/.targets/<app>@<env>.lock`). A second run exits 17 at once.
final class RunLease {
    private let fd: Int32

    private init(path: String, busy: LPError) throws {
        try AtomicFile.makeDirectories((path as NSString).deletingLastPathComponent)
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw AtomicFile.ioError("open", path) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw busy
        }
        self.fd = fd
    }

    static func deployment(_ execId: String, state: StateDirectory) throws -> RunLease {
        try RunLease(path: state.path("runtime/\(execId)/.apply.lock"),
                     busy: LPError(.stateLocked, code: "LP_DEPLOYMENT_BUSY", "deployment \(execId) is being run by another lp-apply"))
    }

    static func target(appId: String, environment: String, state: StateDirectory) throws -> RunLease {
        try StateDirectory.checkComponent(appId, what: "app id")
        try StateDirectory.checkComponent(environment, what: "environment")
        return try RunLease(path: state.path("runtime/.targets/\(appId)@\(environment).lock"),
                            busy: LPError(.stateLocked, code: "LP_DEPLOYMENT_IN_PROGRESS",
                                          "another lp-apply is running a deployment of \(appId) in \(environment)"))
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
