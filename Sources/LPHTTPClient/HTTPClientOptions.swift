import Foundation

/// How an `HTTPClient` connects (docs/http-client.md). The defaults are safe for talking to a
/// public API: HTTPS only, the system's trusted CAs, bounded time and response size.
public struct HTTPClientOptions: Sendable {
    /// A PEM file of CA certificates to trust instead of the system's (`CURLOPT_CAINFO`).
    public var caBundlePath: String?
    /// Public-key pins of the server: each `sha256//<base64 of the SHA-256 of its DER
    /// SubjectPublicKeyInfo>`, or one path to a PEM/DER public key. When set, a server whose key
    /// matches none fails with `pinning`, whatever CA signed it (`CURLOPT_PINNEDPUBLICKEY`).
    public var pinnedPublicKeys: [String] = []
    /// Seconds to establish the connection (TCP + TLS), per attempt.
    public var connectTimeout = 10.0
    /// Seconds for a whole attempt, upload and download included.
    public var totalTimeout = 60.0
    /// Bytes of response body accepted; more fails the request with `tooLarge`.
    public var maxResponseBytes = 16 << 20
    public var retry = RetryPolicy()
    /// Plain `http://` URLs are refused unless set (a test peer on the loopback, a local proxy).
    public var allowPlainHTTP = false
    /// Redirects are not followed unless set (then at most 5, never from HTTPS to HTTP).
    public var followRedirects = false
    public var userAgent = "x07lp-http/0.1"

    public init(caBundlePath: String? = nil, pinnedPublicKeys: [String] = []) {
        self.caBundlePath = caBundlePath
        self.pinnedPublicKeys = pinnedPublicKeys
    }
}

/// When and how long to wait before sending an idempotent request again: after a connection
/// failure, a timeout, a dropped connection, or one of `retryStatuses`. Delays double from
/// `initialDelay` up to `maxDelay`; a `Retry-After` of seconds is honoured up to `maxDelay`.
public struct RetryPolicy: Sendable {
    /// Attempts in all (1 = no retry).
    public var maxAttempts = 3
    public var initialDelay = 0.25
    public var maxDelay = 8.0
    public var retryStatuses: Set<Int> = [408, 425, 429, 500, 502, 503, 504]

    public init(maxAttempts: Int = 3, initialDelay: Double = 0.25, maxDelay: Double = 8.0) {
        self.maxAttempts = maxAttempts
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
    }

    /// Seconds to wait after failed attempt `attempt` (1-based).
    public func delay(afterAttempt attempt: Int, retryAfter: String? = nil) -> Double {
        if let retryAfter, let seconds = Double(retryAfter.trimmingCharacters(in: .whitespaces)), seconds >= 0 {
            return min(seconds, maxDelay)
        }
        let exponent = Double(max(0, attempt - 1))
        return min(initialDelay * pow(2, exponent), maxDelay)
    }
}
