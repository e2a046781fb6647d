import LPCore
import LPState
import LPModel

/// Where a release stands at the store, as an operation needs to know it.
struct StoreContext {
    var execId: String
    var state: StoreState
    var percent: Int?
    var storeReleaseId: String?
    var lane: DistributionLane
    var initialPercent: Int
    var app: DeviceReleasePlan.App
}

/// What the store said after an operation. `evidence` is recorded as it is: it must never hold
/// a credential or a token.
struct StoreOutcome {
    var state: StoreState
    var percent: Int?
    var storeReleaseId: String?
    var message: String
    var evidence: JSON = [:]
}

/// A store operation that failed; `message` is recorded in the decision (no secrets).
struct StoreFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// One app store behind one interface (docs/device-release.md#providers): `mock_v1` changes
/// nothing anywhere; the live App Store Connect and Google Play providers call the store, and
/// only when `X07LP_DEVICE_PROVIDER_LIVE=1`.
protocol StoreProvider {
    var kind: StoreProviderKind { get }
    /// `mock`, `live`, or `live_required` (a live provider that is not enabled).
    var mode: String { get }
    func perform(_ op: ReleaseOp, percent: Int?, at context: StoreContext) throws -> StoreOutcome
}

enum StoreProviders {
    static let liveVariable = "X07LP_DEVICE_PROVIDER_LIVE"

    /// The provider of a profile. Live providers are built only when enabled (exactly "1");
    /// otherwise every operation fails, saying what is required.
    static func make(_ profile: ProviderProfile, appId: String, state: StateDirectory,
                     environment: [String: String]) throws -> StoreProvider {
        switch profile.kind {
        case .mock: return MockStoreProvider()
        case .appStoreConnect, .googlePlay:
            guard environment[liveVariable] == "1" else { return GatedStoreProvider(kind: profile.kind) }
            let credentials = try StoreCredentials.load(profile.credentialsRef, for: .init(providerId: profile.id, appId: appId),
                                                        state: state, environment: environment)
            return profile.kind == .appStoreConnect
                ? try AppStoreConnectProvider(profile: profile, credentials: credentials, environment: environment)
                : try GooglePlayProvider(profile: profile, credentials: credentials, environment: environment)
        }
    }
}

/// A live store provider that is not enabled: every operation fails with what it needs.
struct GatedStoreProvider: StoreProvider {
    let kind: StoreProviderKind
    var mode: String { "live_required" }

    func perform(_ op: ReleaseOp, percent: Int?, at context: StoreContext) throws -> StoreOutcome {
        throw StoreFailure(message: "provider_kind=\(kind.rawValue) requires \(StoreProviders.liveVariable)=1 and real store credentials")
    }
}
