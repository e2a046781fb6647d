import LPCore
import LPModel

/// The checks a plan must pass before it runs (docs/device-release.md#validate), in order; the
/// first that fails is `LP_DEVICE_RELEASE_PLAN_INVALID`, exit 10.
enum PlanValidation {
    static let code = "LP_DEVICE_RELEASE_PLAN_INVALID"

    static func invalid(_ message: String, data: [String: JSON]? = nil) -> LPError {
        LPError(.releaseNotReady, code: code, message, stage: .parse, data: data)
    }

    /// The plan as a typed document, once its contract and the provider accept it.
    static func check(_ json: JSON, source: String, provider: ProviderProfile, catalog: ContractCatalog) throws -> DeviceReleasePlan {
        let declared = json["schema_version"]?.stringValue
        guard declared == SchemaVersion.deviceReleasePlan else {
            throw invalid("\(source): schema_version is \(json["schema_version"]?.canonicalString.prefix(80) ?? "missing"); "
                          + "x07lp runs \(SchemaVersion.deviceReleasePlan) plans (create one with `x07lp device release-create`)")
        }
        do {
            try catalog.validate(json, as: SchemaVersion.deviceReleasePlan, source: source)
        } catch let error as LPError where error.exitCode == .invalidInput {
            let shown = error.diagnostics.prefix(3).map(\.message).joined(separator: "; ")
            throw invalid("\(source) does not satisfy \(SchemaVersion.deviceReleasePlan): \(shown)",
                          data: ["violations": .array(error.diagnostics.compactMap { $0.data.map(JSON.object) })])
        }
        var plan: DeviceReleasePlan
        do { plan = try json.decode(DeviceReleasePlan.self) } catch {
            throw invalid("\(source): \(error)")
        }
        // The id is the hash of the plan: a plan edited after it was created is another plan.
        let id = plan.plan_id
        plan.plan_id = ""
        let expected = Identifier.make(.devicePlan, parts: [SHA256.hex(try JSON(encoding: plan).canonicalBytes)])
        plan.plan_id = id
        guard id == expected else {
            throw invalid("\(source): plan_id \(id.prefix(64)) is not the hash of the plan (\(expected)); "
                          + "it was edited after release-create: create it again")
        }
        try check(plan, provider: provider)
        return plan
    }

    static func check(_ plan: DeviceReleasePlan, provider: ProviderProfile) throws {
        if plan.provider_profile.digest != provider.digest || (plan.provider_profile.provider_id.map { $0 != provider.id } ?? false) {
            throw invalid("plan \(plan.plan_id) was made for another provider profile (sha256 \(plan.provider_profile.digest.sha256)); "
                          + "\(provider.id) has sha256 \(provider.digest.sha256)")
        }
        guard plan.target == provider.target else {
            throw invalid("plan \(plan.plan_id) targets \(plan.target.rawValue), provider \(provider.id) releases to \(provider.target.rawValue)")
        }
        let summary = plan.native_summary
        guard summary.target_kind == plan.target else {
            throw invalid("native_summary.target_kind is \(summary.target_kind.rawValue), the plan targets \(plan.target.rawValue)")
        }
        guard summary.provider_kind == provider.kind else {
            throw invalid("native_summary.provider_kind is \(summary.provider_kind.rawValue), the provider is \(provider.kind.rawValue)")
        }
        guard !summary.telemetry_classes.isEmpty else { throw invalid("native_summary.telemetry_classes is empty") }
        guard !summary.permission_declarations.isEmpty else { throw invalid("native_summary.permission_declarations is empty") }
        guard !plan.release_readiness.isBlocking else {
            let codes = plan.release_readiness.errors.map(\.code).joined(separator: ", ")
            throw invalid("the package is not ready for release (\(codes.isEmpty ? "status blocked" : codes))")
        }
        let capabilities = ProviderCapabilities(kind: provider.kind, lane: provider.lane)
        for (index, step) in plan.steps.enumerated() where step.op.isStoreOp && !capabilities.supports(step.op) {
            throw invalid("step \(index) (\(step.id)): provider \(provider.kind.rawValue) on the \(provider.lane.rawValue) lane does not support device release op=\(step.op.rawValue)")
        }
    }
}
