import LPCore
import LPHTTPClient
import Foundation

/// Where a run's component goes (the `oci` member of `POST /v1/deploy/run`, built by the client
/// from its target profile): an HTTPS registry, the namespace, the Basic credentials the client
/// resolved from its secret refs, and the PEM bundle to trust instead of the system's. The
/// credentials live for the request only: never stored, logged or answered.
struct OCIDestination {
    var registry: String
    var namespace: String?
    var username: String
    var password: String
    var caBundlePEM: String?

    static func parse(_ value: JSON) throws -> OCIDestination {
        guard case .object(let fields) = value else { throw ServeError.invalidRequest("oci must be an object") }
        if let extra = fields.keys.sorted().first(where: { !["registry", "namespace", "username", "password", "ca_bundle_pem"].contains($0) }) {
            throw ServeError.invalidRequest("oci has an unknown member \"\(extra.prefix(64))\"")
        }
        func text(_ key: String, max: Int) throws -> String? {
            guard let member = fields[key], member != .null else { return nil }
            guard let string = member.stringValue, !string.isEmpty, string.utf8.count <= max else {
                throw ServeError.invalidRequest("oci.\(key) is a string of 1 to \(max) bytes")
            }
            return string
        }
        guard let registry = try text("registry", max: 512), isHostPort(registry) else {
            throw ServeError.invalidRequest("oci.registry is host[:port] (letters, digits, '.', '-')")
        }
        let namespace = try text("namespace", max: 128)
        if let namespace, !OCIPublisher.isRepositoryComponent(namespace) {
            throw ServeError.invalidRequest("oci.namespace must be lowercase letters and digits, separated by '.', '_' or '-'")
        }
        guard let username = try text("username", max: 4096), let password = try text("password", max: 4096),
              !(username + password).unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }), !username.contains(":") else {
            throw ServeError.invalidRequest("oci.username and oci.password are required, without control characters (and no ':' in the username)")
        }
        let pem = try text("ca_bundle_pem", max: 1 << 20)
        if let pem, !pem.contains("-----BEGIN CERTIFICATE-----") { throw ServeError.invalidRequest("oci.ca_bundle_pem holds no PEM certificate") }
        return OCIDestination(registry: registry, namespace: namespace, username: username, password: password, caBundlePEM: pem)
    }

    static func isHostPort(_ text: String) -> Bool {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let host = parts.first, !host.isEmpty, host.count <= 253,
              host.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "." || $0 == "-") }) else { return false }
        guard parts.count == 2 else { return true }
        return Int(parts[1]).map { (1...65535).contains($0) } ?? false
    }
}

/// Pushes a pack's back-end component to an OCI registry over the distribution API, as a
/// WebAssembly artifact: a config blob (`application/vnd.wasm.config.v0+json`), the component as
/// the one layer (`application/wasm`), and an image manifest tagged `sha256-<component hex>`.
/// Blobs the registry already has (HEAD) are not sent again; each missing one is a POST to open
/// an upload and a PUT of its bytes with their digest. Every request carries Basic credentials.
struct OCIPublisher {
    struct Published {
        var registry: String
        var namespace: String
        var repository: String
        /// `<registry>/<namespace>/<repository>@sha256:<manifest>`: what a runtime pulls.
        var reference: String
        var tag: String
        var manifest: DigestRef
        var component: DigestRef
        var uploadedBlobs: Int
    }

    struct Failure: Error {
        var message: String
        /// What went wrong, for the diagnostic's data: LP_OCI_AUTH_FAILED, LP_HTTP_TLS, ...
        var cause: String
    }

    // LPServe has its own HTTPRequest and HTTPResponse (the CGI side).
    typealias Request = LPHTTPClient.HTTPRequest
    typealias Response = LPHTTPClient.HTTPResponse

    static let manifestMediaType = "application/vnd.oci.image.manifest.v1+json"
    static let configMediaType = "application/vnd.wasm.config.v0+json"
    static let layerMediaType = "application/wasm"
    static let artifactType = "application/vnd.wasm.component.v1+wasm"

    /// The whole publish runs inside the run request, which nginx gives 120 s (NginxConfig).
    static let budget: TimeInterval = 90

    let destination: OCIDestination
    let options: HTTPClientOptions
    let authorization: String
    let deadline: Date

    /// `caBundlePath`: the destination's PEM written to a file for libcurl (nil: system trust).
    init(_ destination: OCIDestination, caBundlePath: String?) {
        self.destination = destination
        var options = HTTPClientOptions(caBundlePath: caBundlePath)
        options.connectTimeout = 10
        options.retry = RetryPolicy(maxAttempts: 2)
        self.options = options
        deadline = Date().addingTimeInterval(Self.budget)
        authorization = "Basic " + Data((destination.username + ":" + destination.password).utf8).base64EncodedString()
    }

    /// An OCI repository name component: lowercase alphanumerics joined by `.`, `_`, `__` or dashes.
    static func isRepositoryComponent(_ text: String) -> Bool {
        text.utf8.count <= 128 && text.range(of: "^[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*$", options: .regularExpression) != nil
    }

    /// Publishes the component at `componentPath` (its digest `component`) for `appId`.
    func publish(componentPath: String, component: DigestRef, appId: String, environment: String) throws -> Published {
        let namespace = destination.namespace ?? environment
        guard Self.isRepositoryComponent(namespace), Self.isRepositoryComponent(appId) else {
            throw Failure(message: "\(namespace)/\(appId) is not an OCI repository name (lowercase letters and digits, separated by '.', '_' or '-')",
                          cause: "LP_OCI_REPOSITORY_INVALID")
        }
        let name = namespace + "/" + appId
        let layerDigest = "sha256:" + component.sha256
        // A fixed `created`: the same component always makes the same config and manifest.
        let config: JSON = ["architecture": "wasm", "os": "wasip2", "created": "1970-01-01T00:00:00Z", "layerDigests": [.string(layerDigest)]]
        let configBytes = config.canonicalBytes
        let configRef = DigestRef(of: configBytes)
        let title: JSON = ["org.opencontainers.image.title": .string(appId + "-backend")]
        let manifest: JSON = [
            "schemaVersion": 2, "mediaType": .string(Self.manifestMediaType), "artifactType": .string(Self.artifactType),
            "config": ["mediaType": .string(Self.configMediaType), "digest": .string("sha256:" + configRef.sha256), "size": .number(Double(configRef.bytes_len))],
            "layers": [["mediaType": .string(Self.layerMediaType), "digest": .string(layerDigest), "size": .number(Double(component.bytes_len)), "annotations": title]],
            "annotations": title,
        ]
        let manifestBytes = manifest.canonicalBytes
        let manifestRef = DigestRef(of: manifestBytes)

        var uploaded = 0
        if try uploadIfMissing(name, digest: layerDigest, body: .file(componentPath)) { uploaded += 1 }
        if try uploadIfMissing(name, digest: "sha256:" + configRef.sha256, body: .bytes(configBytes)) { uploaded += 1 }
        let tag = "sha256-" + component.sha256
        let put = try send(Request(.put, base + "/v2/\(name)/manifests/\(tag)",
                                       headers: [HTTPHeader("content-type", Self.manifestMediaType)], body: .bytes(manifestBytes)))
        guard put.status == 201 || put.status == 200 else { throw refusal(put, "PUT manifest of \(name)") }
        if let answered = put.header("docker-content-digest"), answered != "sha256:" + manifestRef.sha256 {
            throw Failure(message: "the registry stored the manifest of \(name) as \(answered.prefix(80)), not sha256:\(manifestRef.sha256)",
                          cause: "LP_OCI_DIGEST_MISMATCH")
        }
        return Published(registry: destination.registry, namespace: namespace, repository: appId,
                         reference: "\(destination.registry)/\(name)@sha256:\(manifestRef.sha256)", tag: tag,
                         manifest: manifestRef, component: component, uploadedBlobs: uploaded)
    }

    private var base: String { "https://" + destination.registry }

    /// HEAD the blob; when missing, POST an upload and PUT the bytes with their digest. True when uploaded.
    private func uploadIfMissing(_ name: String, digest: String, body: Request.Body) throws -> Bool {
        let head = try send(Request(.head, base + "/v2/\(name)/blobs/\(digest)"))
        if head.status == 200 { return false }
        guard head.status == 404 else { throw refusal(head, "HEAD blob of \(name)") }
        let opened = try send(Request(.post, base + "/v2/\(name)/blobs/uploads/"))
        guard opened.status == 202, let location = opened.header("location") else { throw refusal(opened, "POST upload of \(name)") }
        let target = try uploadURL(location)
        let put = try send(Request(.put, target + (target.contains("?") ? "&" : "?") + "digest=" + digest,
                                       headers: [HTTPHeader("content-type", "application/octet-stream")], body: body))
        guard put.status == 201 else { throw refusal(put, "PUT blob of \(name)") }
        return true
    }

    /// The upload session URL: relative to the registry, or absolute on the registry itself (the
    /// credentials go nowhere else).
    private func uploadURL(_ location: String) throws -> String {
        if location.hasPrefix("/") { return base + location }
        guard location.hasPrefix(base + "/") else {
            throw Failure(message: "the registry sent the upload to another host; refused", cause: "LP_OCI_PROTOCOL")
        }
        return location
    }

    private func send(_ request: Request) throws -> Response {
        var request = request
        request.headers += [HTTPHeader("authorization", authorization),
                            HTTPHeader("accept", Self.manifestMediaType + ", application/json")]
        // Each request (its retry included) gets what is left of the budget.
        let left = deadline.timeIntervalSinceNow
        guard left > 1 else { throw Failure(message: "registry \(destination.registry): the publish took longer than \(Int(Self.budget)) s", cause: "LP_HTTP_TIMEOUT") }
        var options = options
        options.totalTimeout = left / Double(options.retry.maxAttempts)
        do { return try HTTPClient(options: options).send(request) } catch let error as HTTPClientError {
            throw Failure(message: "registry \(destination.registry): \(error.message)", cause: error.code)
        }
    }

    private func refusal(_ response: Response, _ what: String) -> Failure {
        if response.status == 401 || response.status == 403 {
            return Failure(message: "registry \(destination.registry) refused the credentials (HTTP \(response.status) on \(what))",
                           cause: "LP_OCI_AUTH_FAILED")
        }
        // The registry's error code (OCI error body), never more of its answer.
        let code = (try? JSONParser.parse(response.body))?["errors"]?.arrayValue?.first?["code"]?.stringValue.map { " " + $0.prefix(64) } ?? ""
        return Failure(message: "registry \(destination.registry) answered HTTP \(response.status)\(code) to \(what)", cause: "LP_OCI_PUSH_FAILED")
    }
}
