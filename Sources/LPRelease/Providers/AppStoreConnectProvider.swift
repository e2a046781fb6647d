import LPCore
import LPModel
import LPHTTPClient
import Foundation

/// `appstoreconnect_v1`: the App Store Connect API (docs/device-release.md#app-store-connect).
/// Every request carries an ES256 JWT (kid = the API key id, iss = the issuer, aud
/// `appstoreconnect-v1`, valid 20 minutes from the wall clock). A beta release adds the build to
/// `provider_options.beta_group_id`; a production release drives the version's phased release
/// (start: create or re-activate; pause: PAUSED; resume: ACTIVE; complete: COMPLETE).
struct AppStoreConnectProvider: StoreProvider {
    var kind: StoreProviderKind { .appStoreConnect }
    var mode: String { "live" }

    let api: StoreAPI
    let signer: JWTSigner
    let issuer: String
    let keyId: String
    let options: JSON
    let appRef: JSON

    static let defaultBaseURL = "https://api.appstoreconnect.apple.com"

    init(profile: ProviderProfile, credentials: StoreCredentials, environment: [String: String]) throws {
        signer = try credentials.signer()
        guard signer.algorithm == .es256 else {
            throw LPError(.invalidInput, code: "LP_DEVICE_CREDENTIALS_INVALID", "App Store Connect keys are EC P-256 (ES256)", stage: .parse)
        }
        issuer = try credentials.require("issuer_id")
        keyId = try credentials.require("key_id")
        options = profile.options
        appRef = profile.appRef
        let base = options["base_url"]?.stringValue ?? credentials.string("base_url") ?? Self.defaultBaseURL
        api = StoreAPI(name: "App Store Connect", baseURL: base, options: options, environment: environment)
    }

    func token() throws -> String {
        let now = Int64(Date().timeIntervalSince1970)
        return try signer.token(header: ["kid": .string(keyId)],
                                claims: ["iss": .string(issuer), "iat": .number(Double(now)), "exp": .number(Double(now + 1200)),
                                         "aud": "appstoreconnect-v1"])
    }

    func perform(_ op: ReleaseOp, percent: Int?, at context: StoreContext) throws -> StoreOutcome {
        let token = try self.token()
        if context.lane == .beta {
            guard op == .start else { throw StoreFailure(message: "App Store Connect beta releases only start (\(op.rawValue))") }
            guard let group = options["beta_group_id"]?.stringValue else {
                throw StoreFailure(message: "App Store Connect beta release needs provider_options.beta_group_id")
            }
            let build = try buildId(context, token: token)
            try api.call(.post, "/v1/betaGroups/\(StoreAPI.escape(group))/relationships/builds", token: token,
                         body: ["data": [["type": "builds", "id": .string(build)]]])
            return StoreOutcome(state: .available, percent: 100, storeReleaseId: "build:\(build)",
                                message: "App Store Connect: build \(build) added to beta group \(group)",
                                evidence: ["build_id": .string(build), "beta_group_id": .string(group)])
        }
        let state: String
        switch op {
        case .start, .resume: state = "ACTIVE"
        case .pause: state = "PAUSED"
        case .complete: state = "COMPLETE"
        default: throw StoreFailure(message: "App Store Connect phased releases cannot \(op.rawValue)")
        }
        let version = try versionId(context, token: token)
        var phased = context.storeReleaseId
        if phased == nil {
            let current = try api.call(.get, "/v1/appStoreVersions/\(StoreAPI.escape(version))/appStoreVersionPhasedRelease", token: token)
            phased = current["data"]?["id"]?.stringValue
        }
        if let id = phased {
            try api.call(.patch, "/v1/appStoreVersionPhasedReleases/\(StoreAPI.escape(id))", token: token,
                         body: ["data": ["type": "appStoreVersionPhasedReleases", "id": .string(id),
                                         "attributes": ["phasedReleaseState": .string(state)]]])
        } else {
            guard op == .start else { throw StoreFailure(message: "App Store Connect: version \(version) has no phased release to \(op.rawValue)") }
            let created = try api.call(.post, "/v1/appStoreVersionPhasedReleases", token: token, body: [
                "data": ["type": "appStoreVersionPhasedReleases", "attributes": ["phasedReleaseState": "ACTIVE"],
                         "relationships": ["appStoreVersion": ["data": ["type": "appStoreVersions", "id": .string(version)]]]],
            ])
            phased = created["data"]?["id"]?.stringValue
        }
        guard let id = phased else { throw StoreFailure(message: "App Store Connect returned no phased release id") }
        let (outcome, shown): (StoreState, Int?) = switch op {
        case .pause: (.paused, context.percent)
        case .complete: (.completed, 100)
        default: (.inProgress, nil)
        }
        return StoreOutcome(state: outcome, percent: shown, storeReleaseId: id,
                            message: "App Store Connect: phased release \(id) of version \(version) is \(state)",
                            evidence: ["app_store_version_id": .string(version), "phased_release_id": .string(id),
                                       "phased_release_state": .string(state)])
    }

    /// The app's id: `app_ref.app_id`, else looked up by `app_ref.bundle_id`.
    func appId(token: String) throws -> String {
        if let id = appRef["app_id"]?.stringValue { return id }
        guard let bundle = appRef["bundle_id"]?.stringValue else {
            throw StoreFailure(message: "App Store Connect needs app_ref.app_id or app_ref.bundle_id")
        }
        let found = try api.call(.get, "/v1/apps?filter%5BbundleId%5D=\(StoreAPI.escape(bundle))", token: token)
        guard let id = found["data"]?.arrayValue?.first?["id"]?.stringValue else {
            throw StoreFailure(message: "App Store Connect has no app with bundle id \(bundle)")
        }
        return id
    }

    /// The App Store version being released: `provider_options.app_store_version_id`, else the
    /// app's iOS version with the package's version string.
    func versionId(_ context: StoreContext, token: String) throws -> String {
        if let id = options["app_store_version_id"]?.stringValue { return id }
        let app = try appId(token: token)
        let found = try api.call(.get, "/v1/apps/\(StoreAPI.escape(app))/appStoreVersions?filter%5BversionString%5D="
                                 + StoreAPI.escape(context.app.version) + "&filter%5Bplatform%5D=IOS", token: token)
        guard let id = found["data"]?.arrayValue?.first?["id"]?.stringValue else {
            throw StoreFailure(message: "App Store Connect has no iOS version \(context.app.version) of app \(app)")
        }
        return id
    }

    /// The build of the package: `provider_options.build_id`, else the app's build with its build number.
    func buildId(_ context: StoreContext, token: String) throws -> String {
        if let id = options["build_id"]?.stringValue { return id }
        let app = try appId(token: token)
        let found = try api.call(.get, "/v1/builds?filter%5Bapp%5D=\(StoreAPI.escape(app))&filter%5Bversion%5D=\(StoreAPI.escape(context.app.build))",
                                 token: token)
        guard let id = found["data"]?.arrayValue?.first?["id"]?.stringValue else {
            throw StoreFailure(message: "App Store Connect has no build \(context.app.build) of app \(app)")
        }
        return id
    }
}
