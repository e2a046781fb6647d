import LPCore
import LPState
import LPModel
import LPStage

/// `lp-release validate` (`x07lp device release-validate`): checks a plan against its contract
/// and its provider (docs/device-release.md#validate) without running it.
enum ValidateCommand {
    static let command = StageCommand(
        words: ["validate"],
        spec: CommandSpec(
            name: "lp-release validate", reportCommand: "device release validate",
            summary: "check a device release plan against its contract and its provider",
            usage: ["lp-release validate --plan FILE [--provider-profile FILE]"],
            options: [ReleaseOptions.plan,
                      OptionSpec("--provider-profile", value: "FILE",
                                 "the provider profile (default: the copy release-create stored for the plan's provider_id)")],
            examples: ["x07lp device release-validate --plan plan.json --json"],
            exitCodes: ReleaseOptions.readingCodes + [.releaseNotReady]),
        body: run)

    static func run(_ ctx: StageContext) throws -> StageOutput {
        let release = try ReleaseContext(ctx)
        let source = try ctx.arguments.required("--plan", ctx.spec)
        let json = try InputDocument(bytes: try InputDocument.readFile(source, limit: 4 << 20), source: source).json
        var result = summary(json)
        do {
            let provider = try PlanInput.provider(for: json, ctx: ctx, catalog: release.catalog)
            result["distribution_lane"] = .string(provider.lane.rawValue)
            _ = try PlanValidation.check(json, source: source, provider: provider, catalog: release.catalog)
            result["capabilities"] = ProviderCapabilities(kind: provider.kind, lane: provider.lane).json
            return StageOutput(result: .object(result))
        } catch let error as LPError where error.exitCode == .releaseNotReady {
            return StageOutput(result: .object(result), exitCode: error.exitCode, diagnostics: error.diagnostics)
        }
    }

    /// What the plan says about itself (shown whether it passes or not).
    static func summary(_ plan: JSON) -> [String: JSON] {
        let readiness = plan["release_readiness"] ?? .null
        return ["plan_id": plan["plan_id"] ?? .null, "provider_kind": plan["native_summary"]?["provider_kind"] ?? .null,
                "target": plan["target"] ?? .null,
                "native_summary": plan["native_summary"] ?? .null, "release_readiness": readiness,
                "native_validation_warnings": readiness["warnings"] ?? [], "native_validation_errors": readiness["errors"] ?? []]
    }
}

/// Reading a plan's provider: given with --provider-profile, else the stored copy.
enum PlanInput {
    static func provider(for plan: JSON, ctx: StageContext, catalog: ContractCatalog) throws -> ProviderProfile {
        if let path = ctx.arguments.value("--provider-profile") { return try ProviderProfile.read(path: path, catalog: catalog) }
        guard let id = plan["provider_profile"]?["provider_id"]?.stringValue else {
            throw PlanValidation.invalid("the plan names no provider_id; pass --provider-profile FILE")
        }
        return try ProviderProfile.stored(id: id, state: ctx.state, catalog: catalog)
    }
}
