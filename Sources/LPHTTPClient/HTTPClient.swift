import CCurl
import Foundation

/// Outgoing HTTP(S) for x07lp, through libcurl (docs/http-client.md). One client holds its
/// options and is safe to share between threads; every `send` uses its own connection.
///
/// - TLS verifies the peer and its host name against the system's CAs (or `caBundlePath`),
///   TLS 1.2 at least, optionally pinned to public keys.
/// - Proxies come from the usual environment variables (`https_proxy`, `http_proxy`,
///   `no_proxy`, `all_proxy`), read by libcurl.
/// - Idempotent requests are retried with back-off on transient failures and retryable
///   statuses (`RetryPolicy`); others are sent once.
/// - A file body is streamed, never read whole; a response body is bounded.
public struct HTTPClient: Sendable {
    public let options: HTTPClientOptions

    public init(options: HTTPClientOptions = HTTPClientOptions()) {
        self.options = options
    }

    /// Sends `request`, retrying as the policy allows. A response with any status is returned
    /// (after retries of a retryable status are spent); only a request that got no response
    /// throws `HTTPClientError`.
    public func send(_ request: HTTPRequest) throws -> HTTPResponse {
        try check(request)
        _ = CurlGlobal.initialized
        let retries = request.idempotent ? max(1, options.retry.maxAttempts) : 1
        var attempt = 1
        while true {
            do {
                var response = try CurlTransfer(request: request, options: options).perform()
                response.attempts = attempt
                guard attempt < retries, options.retry.retryStatuses.contains(response.status) else { return response }
                Self.pause(options.retry.delay(afterAttempt: attempt, retryAfter: response.header("retry-after")))
            } catch var error as HTTPClientError {
                error.attempts = attempt
                guard error.isTransient, attempt < retries else { throw error }
                Self.pause(options.retry.delay(afterAttempt: attempt))
            }
            attempt += 1
        }
    }

    /// Refuses what libcurl would misread or what the options forbid, before any connection.
    func check(_ request: HTTPRequest) throws {
        let scheme = request.url.prefix { $0 != ":" }.lowercased()
        guard scheme == "https" || (scheme == "http" && options.allowPlainHTTP), request.url.contains("://") else {
            throw HTTPClientError(.invalidRequest, "\(request.redactedURL): only https:// URLs are allowed"
                                  + (options.allowPlainHTTP ? " (and http://)" : ""))
        }
        // Scalars, not characters: "\r\n" is one Character, equal to neither "\r" nor "\n".
        let unsafe: (String) -> Bool = { $0.unicodeScalars.contains { $0 == "\r" || $0 == "\n" || $0 == "\0" } }
        if unsafe(request.url) || request.headers.contains(where: { unsafe($0.name) || unsafe($0.value) || $0.name.isEmpty || $0.name.contains(":") }) {
            throw HTTPClientError(.invalidRequest, "\(request.redactedURL): a header name or value, or the URL, holds a line break or is malformed")
        }
    }

    static func pause(_ seconds: Double) {
        guard seconds > 0 else { return }
        Thread.sleep(forTimeInterval: seconds)
    }
}

/// `curl_global_init` once per process, before the first transfer (a lazy global is
/// initialized exactly once, thread-safely).
enum CurlGlobal {
    static let initialized: Bool = lp_curl_global_init() == CURLE_OK
}
