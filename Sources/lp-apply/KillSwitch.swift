import LPShared

/// Kill switches latch (SPEC §8.4): `control/kill/platform.json` stops every run,
/// `control/kill/app:<app>/<env>.json` the runs of one app in one environment, until unkilled.
enum KillSwitch {
    static func scopes(appId: String, environment: String) -> [String] {
        ["platform", "app:\(appId)/\(environment)"]
    }

    static func refuseIfEngaged(state: StateDirectory, appId: String, environment: String) throws {
        for scope in scopes(appId: appId, environment: environment) {
            let relative = StateDirectory.killSwitch(scope)
            guard state.exists(relative), let record = try? state.readJSON(relative), record["engaged"] == true else { continue }
            throw LPError(.killSwitchEngaged, code: "LP_KILL_SWITCH_ENGAGED",
                          "\(scope) is killed (\(record["reason"]?.stringValue ?? "no reason")); `x07lp \(scope == "platform" ? "platform" : "app") unkill` first")
        }
    }
}
