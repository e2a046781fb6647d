import LPCore
import LPState
import LPModel
import LPStage

/// `lp-release run` (`x07lp device release-run`): validates a plan, stages its package for a new
/// execution, and runs its steps until the plan is done, a metrics gate waits for an
/// observation, or a store step fails (exit 18). Every run is a new execution.
enum RunCommand {
    static let command = StageCommand(
        words: ["run"],
        spec: CommandSpec(
            name: "lp-release run", reportCommand: "device release run",
            summary: "run a device release plan as a new execution",
            usage: ["lp-release run --plan FILE [--provider-profile FILE] [--package-manifest FILE]"],
            options: [ReleaseOptions.plan,
                      OptionSpec("--provider-profile", value: "FILE", "the provider profile (default: the stored copy)"),
                      OptionSpec("--package-manifest", value: "FILE",
                                 "the plan's package (default: the copy release-create stored); its canonical digest must be the plan's")],
            examples: ["x07lp device release-run --plan plan.json --json"],
            exitCodes: ReleaseOptions.readingCodes + [.releaseNotReady, .killSwitchEngaged],
            notes: ["Live store providers (appstoreconnect_v1, googleplay_v1) call the store only with X07LP_DEVICE_PROVIDER_LIVE=1;",
                    "without it their first step fails: the execution is failed, exit 18 (LP_DEVICE_RELEASE_RUN_FAILED)."]),
        body: run)

    static func run(_ ctx: StageContext) throws -> StageOutput {
        let release = try ReleaseContext(ctx)
        let source = try ctx.arguments.required("--plan", ctx.spec)
        let json = try InputDocument(bytes: try InputDocument.readFile(source, limit: 4 << 20), source: source).json
        let profile = try PlanInput.provider(for: json, ctx: ctx, catalog: release.catalog)
        let plan = try PlanValidation.check(json, source: source, provider: profile, catalog: release.catalog)
        let given = try ctx.arguments.value("--package-manifest").map { try DevicePackage.read(path: $0, catalog: release.catalog) }
        if let given, given.canonicalDigest != plan.package.digest {
            throw PlanValidation.invalid("\(given.manifestPath) is not the package of plan \(plan.plan_id) "
                                         + "(canonical sha256 \(given.canonicalDigest.sha256), the plan's \(plan.package.digest.sha256))")
        }
        let package = try given ?? PackageStore.source(of: plan, state: ctx.state, catalog: release.catalog)
        let files = try package.contents()
        let provider = try StoreProviders.make(profile, appId: plan.app.app_id, state: ctx.state, environment: ctx.environment)
        let now = ctx.clock.unixMs()

        let (execId, written) = try ctx.state.write { tx -> (String, [ArtifactRef]) in
            if let given { try PackageStore.storeSource(given, files: files, in: tx) }
            let profileRef = try tx.writeRecord(profile.json, at: DeviceReleasePaths.provider(profile.id),
                                                logicalName: "lp.device.store.provider.profile")
            let planRef = try tx.writeRecord(json, at: DeviceReleasePaths.plan(plan.plan_id), logicalName: "lp.device.release.plan")
            let (runId, execId) = ExecutionIds.allocate(planId: plan.plan_id, nowUnixMs: now, seed: [], in: tx)
            let rollout: Int? = profile.lane == .beta ? 100 : profile.kind == .appStoreConnect ? nil : profile.initialPercent
            let staged = try PackageStore.stage(package, files: files, execId: execId, planId: plan.plan_id, plan: plan,
                                                rolloutPercent: rollout, lane: profile.lane, catalog: release.catalog, in: tx)
            let executionRef = try release.store.create(ExecutionIds.execution(execId, runId: runId, plan: plan, planDigest: planRef.digest,
                                                                               profile: profile, staged: staged, nowUnixMs: now), in: tx)
            return (execId, [profileRef, planRef, staged, executionRef])
        }
        var engine = StepEngine(release: release, plan: plan, profile: profile, provider: provider, gates: 0)
        try engine.advance(execId)
        var output = try ReleaseResults.run(try release.store.load(execId))
        output.artifacts = written
        return output
    }
}

/// Ids and the first document of a new execution.
enum ExecutionIds {
    /// `lpdrrun_` and `lpdrexec_` ids for a plan run at `nowUnixMs`: the first attempt whose
    /// execution does not exist yet, so running a plan again makes a new execution.
    static func allocate(planId: String, nowUnixMs: Int64, seed: [String], in tx: WriteTransaction) -> (runId: String, execId: String) {
        var attempt = 0
        while true {
            let runId = Identifier.make(.deviceRun, parts: [planId, String(nowUnixMs)] + seed + (attempt == 0 ? [] : [String(attempt)]))
            let execId = Identifier.make(.deviceExecution, parts: [runId, String(nowUnixMs)])
            if !tx.exists(DeviceReleasePaths.execution(execId)) { return (runId, execId) }
            attempt += 1
        }
    }

    static func execution(_ execId: String, runId: String, plan: DeviceReleasePlan, planDigest: DigestRef, profile: ProviderProfile,
                          staged: ArtifactRef, nowUnixMs: Int64) -> DeviceReleaseExecution {
        var meta = DeviceReleaseExecution.Meta(
            plan: plan, providerKind: profile.kind, lane: profile.lane,
            capabilities: ProviderCapabilities(kind: profile.kind, lane: profile.lane).json,
            sourceManifest: DeviceReleasePaths.packageSource(plan.package.digest.sha256) + "/" + DeviceReleasePaths.sourceManifestFile,
            stagedRoot: DeviceReleasePaths.stagedPackage(execId), stagedManifest: String(staged.store_uri.dropFirst("file:".count)),
            nowUnixMs: nowUnixMs)
        meta.artifacts.append(.init(role: "staged_package_manifest", kind: SchemaVersion.devicePackageManifest,
                                    digest: staged.digest, store_uri: staged.store_uri))
        return DeviceReleaseExecution(exec_id: execId, plan_id: plan.plan_id, run_id: runId, created_unix_ms: nowUnixMs,
                                      plan: .init(digest: planDigest), meta: meta)
    }
}
