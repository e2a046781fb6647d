/// Why a request got no response. `code` is the diagnostic code a caller reports
/// (`LP_HTTP_TIMEOUT`, ...); the message never contains the URL's query, headers or body.
public struct HTTPClientError: Error, CustomStringConvertible, Sendable {
    public enum Kind: String, Sendable {
        /// The request itself is unusable: bad URL, refused scheme, a header with a line break.
        case invalidRequest = "INVALID_REQUEST"
        /// Name resolution or TCP connection failed (also through a proxy).
        case connect = "CONNECT"
        case timeout = "TIMEOUT"
        /// TLS handshake or certificate verification failed.
        case tls = "TLS"
        /// The server's public key matches none of the pins.
        case pinning = "PINNING"
        /// The response body is larger than `maxResponseBytes`.
        case tooLarge = "TOO_LARGE"
        /// The upload file could not be read.
        case upload = "UPLOAD"
        /// The connection broke mid-exchange, or another transfer error.
        case transport = "TRANSPORT"
    }

    public var kind: Kind
    public var message: String
    /// Attempts made before giving up.
    public var attempts: Int

    public init(_ kind: Kind, _ message: String, attempts: Int = 1) {
        self.kind = kind
        self.message = message
        self.attempts = attempts
    }

    public var code: String { "LP_HTTP_" + kind.rawValue }

    /// Failures another attempt may not repeat: connection, timeout, a dropped connection.
    /// Certificate, pinning and size failures would fail the same way again.
    public var isTransient: Bool { [.connect, .timeout, .transport].contains(kind) }

    public var description: String {
        "\(code): \(message)" + (attempts > 1 ? " (after \(attempts) attempts)" : "")
    }
}
