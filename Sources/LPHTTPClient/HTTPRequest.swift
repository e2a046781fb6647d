/// One HTTP header line, as sent or received (names keep their spelling; compare them
/// case-insensitively).
public struct HTTPHeader: Equatable, Sendable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// What `HTTPClient.send` sends: method, absolute URL, headers and a body held in memory or
/// streamed from a file.
public struct HTTPRequest: Sendable {
    public enum Method: String, Sendable {
        case get = "GET", head = "HEAD", post = "POST", put = "PUT", patch = "PATCH", delete = "DELETE"

        /// RFC 9110 idempotent methods: sending them twice has the effect of sending them once,
        /// so a failed attempt may be retried.
        public var isIdempotent: Bool { self != .post && self != .patch }
    }

    public enum Body: Sendable {
        case none
        case bytes([UInt8])
        /// Streamed from the file at this path, read again from its start on each attempt
        /// (never held in memory whole).
        case file(String)
    }

    public var method: Method
    public var url: String
    public var headers: [HTTPHeader]
    public var body: Body
    /// Whether a failed attempt may be sent again: the method's idempotence unless the caller
    /// knows better (a POST with an idempotency key).
    public var idempotent: Bool

    public init(_ method: Method, _ url: String, headers: [HTTPHeader] = [], body: Body = .none, idempotent: Bool? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.idempotent = idempotent ?? method.isIdempotent
    }

    /// A JSON body with its content type.
    public static func json(_ method: Method, _ url: String, body: [UInt8], headers: [HTTPHeader] = []) -> HTTPRequest {
        HTTPRequest(method, url, headers: headers + [HTTPHeader("content-type", "application/json")], body: .bytes(body))
    }

    /// The URL without its query and fragment, for messages: a query may carry secrets.
    public var redactedURL: String {
        String(url.prefix { $0 != "?" && $0 != "#" })
    }
}

/// What came back: the final response's status, headers and body (never more than the
/// client's `maxResponseBytes`).
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [HTTPHeader]
    public var body: [UInt8]
    /// How many attempts it took (1 when the first one answered).
    public var attempts: Int

    public init(status: Int, headers: [HTTPHeader], body: [UInt8], attempts: Int = 1) {
        self.status = status
        self.headers = headers
        self.body = body
        self.attempts = attempts
    }

    /// The last value of a header, by case-insensitive name.
    public func header(_ name: String) -> String? {
        headers.last { $0.name.lowercased() == name.lowercased() }?.value
    }

    public var isSuccess: Bool { (200..<300).contains(status) }

    public var text: String { String(decoding: body, as: UTF8.self) }
}
