import LPCore
import LPModel
import LPHTTPClient
import Foundation

/// `googleplay_v1`: the Google Play Developer API (docs/device-release.md#google-play). A
/// service account's RS256 JWT is exchanged for an access token (OAuth 2.0 JWT bearer); each
/// operation is one edit: create it, set the track's release (version codes, status, user
/// fraction), commit it. The store release id is `track:<track>`.
struct GooglePlayProvider: StoreProvider {
    var kind: StoreProviderKind { .googlePlay }
    var mode: String { "live" }

    let api: StoreAPI
    let tokenAPI: StoreAPI
    let signer: JWTSigner
    let clientEmail: String
    let tokenURI: String
    let packageName: String
    let track: String
    let options: JSON

    static let defaultBaseURL = "https://androidpublisher.googleapis.com"
    static let defaultTokenURI = "https://oauth2.googleapis.com/token"
    static let scope = "https://www.googleapis.com/auth/androidpublisher"

    init(profile: ProviderProfile, credentials: StoreCredentials, environment: [String: String]) throws {
        signer = try credentials.signer()
        guard signer.algorithm == .rs256 else {
            throw LPError(.invalidInput, code: "LP_DEVICE_CREDENTIALS_INVALID", "Google service account keys are RSA (RS256)", stage: .parse)
        }
        clientEmail = try credentials.require("client_email")
        tokenURI = credentials.string("token_uri") ?? Self.defaultTokenURI
        guard let name = profile.appRef["package_name"]?.stringValue else {
            throw LPError(.invalidInput, code: "LP_DEVICE_PROVIDER_PROFILE_INVALID", "Google Play needs app_ref.package_name", stage: .parse)
        }
        packageName = name
        track = profile.track ?? (profile.lane == .beta ? "internal" : "production")
        options = profile.options
        let base = options["base_url"]?.stringValue ?? credentials.string("base_url") ?? Self.defaultBaseURL
        api = StoreAPI(name: "Google Play", baseURL: base, options: options, environment: environment)
        tokenAPI = StoreAPI(name: "Google OAuth", baseURL: "", options: options, environment: environment)
    }

    /// An access token for the service account (JWT bearer grant, RFC 7523).
    func accessToken() throws -> String {
        let now = Int64(Date().timeIntervalSince1970)
        let assertion = try signer.token(claims: ["iss": .string(clientEmail), "scope": .string(Self.scope), "aud": .string(tokenURI),
                                                  "iat": .number(Double(now)), "exp": .number(Double(now + 3600))])
        let form = "grant_type=" + StoreAPI.escape("urn:ietf:params:oauth:grant-type:jwt-bearer") + "&assertion=" + assertion
        let answer = try tokenAPI.send(HTTPRequest(.post, tokenURI, headers: [HTTPHeader("content-type", "application/x-www-form-urlencoded")],
                                                   body: .bytes(Array(form.utf8))), what: "token")
        guard let token = answer["access_token"]?.stringValue, !token.isEmpty else {
            throw StoreFailure(message: "Google OAuth answered without an access token")
        }
        return token
    }

    func perform(_ op: ReleaseOp, percent: Int?, at context: StoreContext) throws -> StoreOutcome {
        let token = try accessToken()
        let codes = options["version_codes"]?.arrayValue?.compactMap { $0.stringValue ?? $0.intValue.map(String.init) } ?? [context.app.build]
        let beta = context.lane == .beta
        let release: JSON
        let outcome: (StoreState, Int?)
        switch op {
        case .start:
            (release, outcome) = beta ? (Self.release(codes, percent: 100), (.available, 100))
                : (Self.release(codes, percent: context.initialPercent), (.inProgress, context.initialPercent))
        case .setPercent:
            let target = min(percent ?? context.initialPercent, 100)
            (release, outcome) = (Self.release(codes, percent: target), (target == 100 ? .completed : .inProgress, target))
        case .pause:
            (release, outcome) = (Self.release(codes, status: "halted", percent: context.percent), (.paused, context.percent))
        case .resume:
            let target = context.percent ?? context.initialPercent
            (release, outcome) = (Self.release(codes, percent: target), (target == 100 ? .completed : .inProgress, target))
        case .complete:
            (release, outcome) = (Self.release(codes, percent: 100), (beta ? .available : .completed, 100))
        case .rollbackPrevious:
            release = try previousRelease(excluding: codes, token: token)
            outcome = (.rolledBack, 0)
        case .metricsEval:
            throw StoreFailure(message: "Google Play has no operation \(op.rawValue)")
        }
        let edits = "/androidpublisher/v3/applications/\(StoreAPI.escape(packageName))/edits"
        guard let edit = try api.call(.post, edits, token: token, body: [:])["id"]?.stringValue else {
            throw StoreFailure(message: "Google Play created an edit without an id")
        }
        try api.call(.put, "\(edits)/\(StoreAPI.escape(edit))/tracks/\(StoreAPI.escape(track))", token: token,
                     body: ["track": .string(track), "releases": [release]])
        try api.call(.post, "\(edits)/\(StoreAPI.escape(edit)):commit", token: token)
        return StoreOutcome(state: outcome.0, percent: outcome.1, storeReleaseId: "track:\(track)",
                            message: "Google Play: \(track) track release \(release["status"]?.stringValue ?? "?") committed (edit \(edit))",
                            evidence: ["track": .string(track), "edit_id": .string(edit), "release": release])
    }

    /// A track release of `codes`: staged (`inProgress` with a user fraction) below 100 %.
    static func release(_ codes: [String], status: String? = nil, percent: Int?) -> JSON {
        var release: [String: JSON] = ["versionCodes": .array(codes.map(JSON.string))]
        let staged = (percent ?? 100) < 100
        release["status"] = .string(status ?? (staged ? "inProgress" : "completed"))
        if staged, let percent { release["userFraction"] = .number(Double(percent) / 100) }
        return .object(release)
    }

    /// The release to roll back to: the first on the track that ships none of `codes`, as completed.
    func previousRelease(excluding codes: [String], token: String) throws -> JSON {
        let edits = "/androidpublisher/v3/applications/\(StoreAPI.escape(packageName))/edits"
        guard let edit = try api.call(.post, edits, token: token, body: [:])["id"]?.stringValue else {
            throw StoreFailure(message: "Google Play created an edit without an id")
        }
        let current = try api.call(.get, "\(edits)/\(StoreAPI.escape(edit))/tracks/\(StoreAPI.escape(track))", token: token)
        // The edit only read the track; deleting it is tidiness, its failure changes nothing.
        _ = try? api.call(.delete, "\(edits)/\(StoreAPI.escape(edit))", token: token)
        let previous = current["releases"]?.arrayValue?.first { release in
            let shipped = release["versionCodes"]?.arrayValue?.compactMap { $0.stringValue ?? $0.intValue.map(String.init) } ?? []
            return !shipped.isEmpty && Set(shipped).isDisjoint(with: codes)
        }
        guard let previous, let shipped = previous["versionCodes"] else {
            throw StoreFailure(message: "Google Play: the \(track) track has no earlier release to roll back to")
        }
        return ["versionCodes": shipped, "status": "completed"]
    }
}
