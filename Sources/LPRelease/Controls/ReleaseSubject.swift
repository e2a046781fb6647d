import LPCore
import LPState
import LPModel

/// A stored release with what acting on it needs: its plan and provider profile as stored (the
/// plan checked again against them) and the provider to call.
struct ReleaseSubject {
    let execution: DeviceReleaseExecution
    let plan: DeviceReleasePlan
    let profile: ProviderProfile
    let provider: StoreProvider

    static func load(_ release: ReleaseContext, execId: String) throws -> ReleaseSubject {
        let execution = try release.store.load(execId)
        let profile = try ProviderProfile.stored(id: execution.meta.provider_id, state: release.state, catalog: release.catalog)
        let relative = DeviceReleasePaths.plan(execution.plan_id)
        guard release.state.exists(relative) else {
            throw LPError(.stateCorrupt, code: "LP_STATE_CORRUPT", "the plan \(execution.plan_id) of \(execId) is not in \(release.state.root)")
        }
        let plan = try PlanValidation.check(try release.state.readJSON(relative), source: release.state.path(relative),
                                            provider: profile, catalog: release.catalog)
        return ReleaseSubject(execution: execution, plan: plan, profile: profile,
                              provider: try StoreProviders.make(profile, appId: plan.app.app_id, state: release.state,
                                                                 environment: release.ctx.environment))
    }

    var storeContext: StoreContext {
        StoreContext(execId: execution.exec_id, state: execution.meta.current_state, percent: execution.meta.current_rollout_percent,
                     storeReleaseId: execution.meta.latest_store_release_id, lane: profile.lane,
                     initialPercent: profile.initialPercent, app: plan.app)
    }

    var capabilities: ProviderCapabilities { ProviderCapabilities(kind: profile.kind, lane: profile.lane) }
}
