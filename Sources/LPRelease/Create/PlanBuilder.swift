import Foundation
import LPCore
import LPModel

/// The plan `release-create` writes: start the release; on a production lane with percentages,
/// set the initial percent; with an SLO profile, a metrics gate. Its id hashes the whole plan.
enum PlanBuilder {
    struct Gate {
        var slo: TypedRef
        var windowSeconds: Int
        var onFail: MetricsOnFail
    }

    static func steps(provider: ProviderProfile, gate: Gate?) -> [DeviceReleasePlan.Step] {
        var steps = [DeviceReleasePlan.Step(id: "start", op: .start, on_fail: "pause")]
        let capabilities = ProviderCapabilities(kind: provider.kind, lane: provider.lane)
        if provider.lane == .production, capabilities.supportsPercent {
            steps.append(.init(id: "rollout_\(provider.initialPercent)", op: .setPercent, percent: provider.initialPercent,
                               on_fail: "pause"))
        }
        if let gate {
            steps.append(.init(id: "metrics_eval", op: .metricsEval, window_seconds: gate.windowSeconds, thresholds: gate.slo,
                               on_fail: gate.onFail.rawValue))
        }
        return steps
    }

    static func plan(createdUnixMs: Int64, provider: ProviderProfile, package: DevicePackage, native: NativeReadiness,
                     gate: Gate?) -> DeviceReleasePlan {
        var plan = DeviceReleasePlan(
            plan_id: "", created_unix_ms: createdUnixMs,
            provider_profile: .init(digest: provider.digest, provider_id: provider.id), target: provider.target,
            app: .init(app_id: package.appId, track_or_lane: provider.trackOrLane, version: package.version, build: package.build),
            package: .init(digest: package.canonicalDigest, label: (package.manifestPath as NSString).lastPathComponent),
            native_summary: native.summary, release_readiness: native.readiness, steps: steps(provider: provider, gate: gate))
        let seed = (try? JSON(encoding: plan))?.canonicalBytes ?? []
        plan.plan_id = Identifier.make(.devicePlan, parts: [SHA256.hex(seed)])
        return plan
    }
}


