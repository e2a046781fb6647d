import LPCore
import LPIndex
import LPStage

/// The filters `device release-list` and `device release-query --latest` share.
enum DeviceReleaseFilterOptions {
    /// The four filter flags; `prefix` says when they apply ("with --latest: ").
    static func options(prefix: String = "") -> [OptionSpec] {
        [OptionSpec("--app-id", value: "APP", prefix + "releases of this app"),
         OptionSpec("--provider-id", value: "ID", prefix + "releases through this provider profile"),
         OptionSpec("--distribution-lane", value: "LANE", prefix + "beta or production"),
         OptionSpec("--target-kind", value: "KIND", prefix + "ios or android")]
    }

    static func filter(_ args: ParsedArguments) -> DeviceReleaseFilter {
        DeviceReleaseFilter(appId: args.value("--app-id"), providerId: args.value("--provider-id"),
                            lane: args.value("--distribution-lane"), target: args.value("--target-kind"))
    }
}
