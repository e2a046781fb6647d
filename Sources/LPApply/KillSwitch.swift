import LPCore
import LPState
import LPModel
import LPIndex
import LPStage
import LPIncident

/// Kill switches latch (docs/deploy.md#kill-switches): `control/kill/platform.json` stops every run,
/// `control/kill/app:<app>/<env>.json` the runs of one app in one environment, until unkilled.
enum KillSwitch {
    static func scopes(appId: String, environment: String) -> [String] {
        ["platform", "app:\(appId)/\(environment)"]
    }

    static func refuseIfEngaged(state: StateDirectory, appId: String, environment: String) throws {
        for scope in scopes(appId: appId, environment: environment) {
            let relative = StateDirectory.killSwitch(scope)
            guard state.exists(relative) else { continue }
            // Fail closed: a switch that cannot be read may be engaged.
            let record: JSON
            do { record = try state.readJSON(relative) } catch {
                throw unreadable(scope, state.path(relative), "\(error)")
            }
            guard let engaged = record["engaged"]?.boolValue else {
                throw unreadable(scope, state.path(relative), "no boolean `engaged` member")
            }
            guard engaged else { continue }
            throw LPError(.killSwitchEngaged, code: "LP_KILL_SWITCH_ENGAGED",
                          "\(scope) is killed (\(record["reason"]?.stringValue ?? "no reason")); `x07lp \(scope == "platform" ? "platform" : "app") unkill` first")
        }
    }

    private static func unreadable(_ scope: String, _ path: String, _ problem: String) -> LPError {
        LPError(.killSwitchEngaged, code: "LP_KILL_SWITCH_UNREADABLE",
                "the \(scope) kill switch \(path) cannot be read (\(problem)); the run is blocked until it is repaired or `x07lp \(scope == "platform" ? "platform" : "app") unkill` rewrites it")
    }
}
