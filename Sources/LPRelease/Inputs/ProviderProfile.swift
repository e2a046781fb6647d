import LPCore
import LPState
import LPModel

/// An `lp.device.store.provider.profile@0.1.0`, checked against its contract, with the values
/// the release line reads from it.
struct ProviderProfile {
    let json: JSON
    let id: String
    let kind: StoreProviderKind
    let lane: DistributionLane
    let target: ReleaseTarget
    let track: String?
    /// The staged percent of a production rollout: `rollout_defaults.initial_percent`, else
    /// `policy.initial_percent`, else 10; at most 100.
    let initialPercent: Int
    let credentialsRef: String

    /// The digest plans pin the profile by (its canonical bytes).
    var digest: DigestRef { DigestRef(of: json) }
    var trackOrLane: String { track ?? lane.rawValue }
    var options: JSON { json["provider_options"] ?? [:] }
    var appRef: JSON { json["app_ref"] ?? [:] }

    init(json: JSON, source: String, catalog: ContractCatalog) throws {
        try catalog.validate(json, as: SchemaVersion.deviceProviderProfile, source: source)
        guard let id = json["provider_id"]?.stringValue,
              let kind = json["provider_kind"]?.stringValue.flatMap(StoreProviderKind.init(rawValue:)),
              let lane = json["distribution_lane"]?.stringValue.flatMap(DistributionLane.init(rawValue:)),
              let target = json["target"]?.stringValue.flatMap(ReleaseTarget.init(rawValue:)),
              let credentials = json["credentials_ref"]?.stringValue else {
            throw LPError(.internalError, code: "LP_INTERNAL", "\(source): a valid provider profile lacks a required member")
        }
        let percent = json["rollout_defaults"]?["initial_percent"] ?? json["policy"]?["initial_percent"]
        var initial = 10
        if let percent {
            guard let value = percent.intValue, value >= 0 else {
                throw LPError(.invalidInput, code: "LP_DEVICE_PROVIDER_PROFILE_INVALID",
                              "\(source): initial_percent must be a whole number from 0 to 100, got \(percent.canonicalString.prefix(40))",
                              stage: .parse)
            }
            initial = min(value, 100)
        }
        self.json = json
        self.id = id
        self.kind = kind
        self.lane = lane
        self.target = target
        self.track = json["track"]?.stringValue
        self.initialPercent = initial
        self.credentialsRef = credentials
        try StateDirectory.checkComponent(id, what: "provider_id")
    }

    static func read(path: String, catalog: ContractCatalog) throws -> ProviderProfile {
        let input = try InputDocument(bytes: try InputDocument.readFile(path, limit: 1 << 20), source: path)
        return try ProviderProfile(json: input.json, source: path, catalog: catalog)
    }

    /// The copy the last create or run stored for `id`.
    static func stored(id: String, state: StateDirectory, catalog: ContractCatalog) throws -> ProviderProfile {
        try StateDirectory.checkComponent(id, what: "provider_id")
        let relative = DeviceReleasePaths.provider(id)
        guard state.exists(relative) else {
            throw LPError(.usage, code: "LP_NOT_FOUND",
                          "no provider profile \(id) in \(state.root); pass --provider-profile FILE")
        }
        return try ProviderProfile(json: try state.readJSON(relative), source: state.path(relative), catalog: catalog)
    }
}
