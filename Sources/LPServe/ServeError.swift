import LPCore

/// Why a request was refused before (or instead of) running a verb; each maps to one HTTP status
/// and one `lp.cli.report` code.
public enum ServeError: Error, Equatable {
    case invalidRequest(String)
    case tooLarge(Int)
    case lengthRequired
    case unauthenticated
    /// A Command Center POST from another origin, or without its JSON body and custom header.
    case crossOrigin
    /// A Host header that is not a loopback name: a DNS-rebound page talking to `ui serve`.
    case foreignHost
    /// A run names an OCI registry the operator did not allow (`x07lpd registry allow`).
    case registryNotAllowed(String)
    case forbidden(Scope)
    case notFound
    case methodNotAllowed
    case digestMismatch
    case leaseConflict(String)
    case secretsMissing([String])
    case secretStoreInvalid(String)
    case internalError(String)

    var status: Int {
        switch self {
        case .invalidRequest, .lengthRequired: return 400
        case .tooLarge: return 413
        case .unauthenticated: return 401
        case .forbidden, .crossOrigin, .foreignHost, .registryNotAllowed: return 403
        case .notFound: return 404
        case .methodNotAllowed: return 405
        case .digestMismatch, .leaseConflict: return 409
        case .secretsMissing, .secretStoreInvalid: return 200
        case .internalError: return 500
        }
    }

    var exitCode: ExitCode {
        switch self {
        case .invalidRequest, .tooLarge, .lengthRequired, .methodNotAllowed: return .invalidHTTPRequest
        case .unauthenticated, .forbidden, .crossOrigin, .foreignHost, .registryNotAllowed: return .remoteAuth
        case .notFound: return .httpNotFound
        case .digestMismatch, .secretStoreInvalid: return .digestMismatch
        case .leaseConflict, .secretsMissing: return .gateRejected
        case .internalError: return .internalError
        }
    }

    var code: String {
        switch self {
        case .invalidRequest, .lengthRequired, .methodNotAllowed: return "LP_INVALID_HTTP_REQUEST"
        case .tooLarge: return "LP_HTTP_BODY_TOO_LARGE"
        case .unauthenticated: return "LP_REMOTE_AUTH_FAILED"
        case .forbidden: return "LP_REMOTE_SCOPE_DENIED"
        case .crossOrigin: return "LP_UI_CROSS_ORIGIN"
        case .foreignHost: return "LP_UI_FOREIGN_HOST"
        case .registryNotAllowed: return "LP_OCI_REGISTRY_NOT_ALLOWED"
        case .notFound: return "LP_HTTP_NOT_FOUND"
        case .digestMismatch: return "LP_REMOTE_UPLOAD_DIGEST_MISMATCH"
        case .leaseConflict: return "LP_REMOTE_LEASE_CONFLICT"
        case .secretsMissing: return "LP_REMOTE_SECRET_NOT_FOUND"
        case .secretStoreInvalid: return "LP_REMOTE_SECRET_STORE_INVALID"
        case .internalError: return "LP_INTERNAL"
        }
    }

    /// The message of a refusal, for callers outside the server.
    public var localizedMessage: String { message }

    /// Never an input value: a path, header or body may hold a secret.
    var message: String {
        switch self {
        case .invalidRequest(let why): return why
        case .tooLarge(let limit): return "the request body is larger than \(limit) bytes"
        case .lengthRequired: return "a request body needs a Content-Length"
        case .unauthenticated: return "remote api requires a valid bearer token"
        case .forbidden(let scope): return "the token's scope does not allow this route (it needs \(scope.rawValue))"
        case .crossOrigin: return "a control needs a same-origin request with a JSON body (from a browser, also the X-X07LP-UI: 1 header)"
        case .registryNotAllowed(let registry):
            return "this daemon does not publish to \(registry.prefix(256)); its operator allows a registry with `x07lpd registry allow --host \(registry.prefix(256))`"
        case .foreignHost: return "the Command Center answers only requests addressed to a loopback host (127.x.x.x, localhost, [::1])"
        case .notFound: return "endpoint not found"
        case .methodNotAllowed: return "this endpoint does not take that method"
        case .digestMismatch: return "uploaded blob digest does not match path digest"
        case .leaseConflict(let key): return "remote deployment lease for \(key) is already held"
        case .secretsMissing: return "referenced remote secret was not found"
        case .secretStoreInvalid(let why): return why
        case .internalError(let why): return why
        }
    }
}
