import LPCore
import LPVerbs

/// How `x07lp ui serve` started this lp-serve (fastcgi params of its nginx configuration).
public struct UIMode: Sendable, Equatable {
    /// `--allow-local-control`: POST controls need no token (the address is loopback).
    public var localControl: Bool

    public init(localControl: Bool) { self.localControl = localControl }
}

/// The Command Center API: `/healthz` and `/api/*` (docs/ui.md). Reads need no token (ui serve
/// listens on loopback only, and answers only loopback Host names, so a DNS-rebound page gets
/// nothing). A POST needs a `deploy` token unless local control was allowed, and a JSON body: that
/// content type makes a browser ask a CORS preflight first, which this server never grants, so a
/// cross-site page cannot send one. A browser's request (it names its Origin or Sec-Fetch-Site)
/// must also be same-origin and carry `X-X07LP-UI: 1`; scripts such as curl need only the JSON.
public enum UIServe {
    public static let command = "ui serve"
    public static let csrfHeader = "x-x07lp-ui"

    public static func handle(_ request: HTTPRequest, body: HTTPBody, context: ServeContext, mode: UIMode) -> HTTPResponse {
        if request.path == "/healthz" { return HTTPResponse(body: ["ok": true]) }
        do {
            try checkHost(request)
            guard let route = try route(request.path) else { throw ServeError.notFound }
            try checkOrigin(request)
            guard request.method == route.method else { throw ServeError.methodNotAllowed }
            var members: [String: JSON] = [:]
            if route.method == .post {
                try checkControl(request, context: context, mode: mode)
                members = try body.jsonObject(limit: 1 << 16)
            }
            return try answer(route, members, context)
        } catch let error as ServeError {
            return HTTPResponse.refusal(error, command: command, nowMs: context.nowMs)
        } catch {
            return HTTPResponse.refusal(.internalError("internal error"), command: command, nowMs: context.nowMs)
        }
    }

    /// The report a GET path answers, for `ui export` (nil: not an API read).
    public static func read(_ path: String, context: ServeContext) -> JSON? {
        guard let route = try? route(path), route.method == .get, let response = try? answer(route, [:], context) else {
            return nil
        }
        return response.body
    }

    static func route(_ path: String) throws -> UIRoute? {
        guard path.hasPrefix("/api/") else { return nil }
        let words = path.dropFirst(5).split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        for word in words where !HTTPRequest.isPlainSegment(word) {
            throw ServeError.invalidRequest("the path has a segment that is not a plain name")
        }
        return UIRoute.match(words)
    }

    static func answer(_ route: UIRoute, _ members: [String: JSON], _ context: ServeContext) throws -> HTTPResponse {
        let (words, arguments) = try route.verb(members, context)
        let result = VerbRunner.run(words, arguments + context.stateFlags, environment: context.environment)
        // A verb that failed unexpectedly is the server's fault; every other report is an answer.
        return HTTPResponse(status: result.exitCode == .internalError ? 500 : 200, body: result.report)
    }

    /// A browser names the page's origin on cross-origin requests; it must be this server.
    static func checkOrigin(_ request: HTTPRequest) throws {
        if request.headers["sec-fetch-site"] == "cross-site" || request.headers["sec-fetch-site"] == "same-site" {
            throw ServeError.crossOrigin
        }
        guard let origin = request.headers["origin"] else { return }
        guard let host = request.headers["host"], origin == "http://" + host || origin == "https://" + host else {
            throw ServeError.crossOrigin
        }
    }

    /// `Host` is what the browser thinks it talks to: only loopback names are this server.
    static func checkHost(_ request: HTTPRequest) throws {
        guard let host = request.headers["host"] else { return }
        let name: Substring
        if host.hasPrefix("[") { name = host.prefix { $0 != "]" }.dropFirst() } else { name = host.prefix { $0 != ":" } }
        let loopbackV4 = name.hasPrefix("127.") && name.split(separator: ".").count == 4 && name.allSatisfy { $0.isNumber || $0 == "." }
        guard loopbackV4 || ["localhost", "::1"].contains(name.lowercased()) else { throw ServeError.foreignHost }
    }

    static func isBrowser(_ request: HTTPRequest) -> Bool {
        request.headers["origin"] != nil || request.headers["sec-fetch-site"] != nil || request.headers["sec-fetch-mode"] != nil
    }

    static func checkControl(_ request: HTTPRequest, context: ServeContext, mode: UIMode) throws {
        guard request.headers["content-type"]?.lowercased().hasPrefix("application/json") == true,
              !isBrowser(request) || request.headers[csrfHeader] == "1" else {
            throw ServeError.crossOrigin
        }
        if mode.localControl { return }
        let tokens = (try? TokenStore.load(state: context.state)) ?? TokenStore()
        guard let token = request.bearerToken, let entry = tokens.entry(for: token) else { throw ServeError.unauthenticated }
        guard entry.scope.allows(.deploy) else { throw ServeError.forbidden(.deploy) }
    }
}
