import LPCore
import Foundation

/// An `lp.target.profile@0.1.0` document, checked as the contract and docs/remote.md say: the
/// daemon's URL and trust, where the token and OCI credentials come from (never the secrets).
struct TargetProfile {
    static let schemaVersion = "lp.target.profile@0.1.0"
    static let kinds = ["oss_remote", "hosted", "k8s", "wasmcloud"]

    let document: JSON
    let name: String
    let kind: String
    let baseURL: String
    let tlsMode: String
    let caBundlePath: String?
    /// `sha256:<64 lowercase hex>` of the server key's DER SubjectPublicKeyInfo.
    let pinnedSPKI: String?
    let tokenRef: String
    let expectCapabilitiesDigest: String?
    /// The registry the daemon publishes a run's component to, when the profile names one.
    let oci: OCISettings?

    struct OCISettings {
        var registry: String
        /// `default_namespace` (the daemon uses the deployment's environment without it).
        var namespace: String?
        var usernameRef: String
        var passwordRef: String
        /// `oci_tls.ca_bundle_path` when `oci_tls.mode` is `ca_bundle` (nil: system trust).
        var caBundlePath: String?
    }

    var probes: Bool { kind != "k8s" }

    /// Checks everything but the network; `environment` resolves `env:` refs and `~`.
    init(_ document: JSON, environment: [String: String]) throws {
        guard case .object(let fields) = document else { throw Self.invalid("the profile is not a JSON object") }
        try Self.onlyKeys(fields, ["schema_version", "name", "kind", "base_url", "api_version", "auth", "tls", "runtime_provider",
                                   "routing_provider", "oci_registry", "oci_auth", "oci_tls", "lattice_id", "default_namespace",
                                   "default_env", "cluster_ref", "telemetry_collector_hint", "expect_capabilities_digest"], "the profile")
        let name = try Self.string(fields, "name", max: 128)
        guard Self.isName(name) else {
            throw Self.invalid("name must start with a letter or digit and hold only letters, digits, '.', '_' and '-'")
        }
        guard fields["schema_version"] == .string(Self.schemaVersion) else { throw Self.invalid("schema_version must be \(Self.schemaVersion)") }
        let kind = try Self.string(fields, "kind", max: 64)
        guard Self.kinds.contains(kind) else { throw Self.invalid("kind must be one of \(Self.kinds.joined(separator: ", "))") }
        guard fields["api_version"] == "v1" else { throw Self.invalid("api_version must be v1") }
        guard case .object(let auth) = fields["auth"] ?? .null else { throw Self.invalid("auth is required: {kind: static_bearer, token_ref}") }
        try Self.onlyKeys(auth, ["kind", "token_ref"], "auth")
        guard auth["kind"] == "static_bearer" else { throw Self.invalid("auth.kind must be static_bearer") }
        for key in ["runtime_provider", "routing_provider"] { _ = try Self.string(fields, key, max: 128) }
        for key in ["lattice_id", "default_namespace", "default_env"] { _ = try Self.optionalString(fields, key, max: 128) }
        _ = try Self.optionalString(fields, "cluster_ref", max: 256)
        _ = try Self.optionalString(fields, "telemetry_collector_hint", max: 2048)

        let baseURL = try Self.string(fields, "base_url", max: 2048)
        guard let url = URLComponents(string: baseURL), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty,
              url.user == nil, url.password == nil, url.query == nil, url.fragment == nil else {
            throw Self.invalid("base_url must be an http(s) URL with a host and no credentials, query or fragment")
        }
        let loopback = ["127.0.0.1", "localhost"].contains(host.lowercased())
        guard scheme == "https" || (scheme == "http" && loopback) else {
            throw Self.invalid("non-loopback remote targets must use https:// (http:// only for 127.0.0.1 or localhost)")
        }

        var tlsMode = "system", caBundle: String?, pin: String?
        if let tlsValue = fields["tls"] {
            guard case .object(let tls) = tlsValue else { throw Self.invalid("tls must be an object") }
            try Self.onlyKeys(tls, ["mode", "ca_bundle_path", "pinned_spki_sha256"], "tls")
            tlsMode = try Self.optionalString(tls, "mode", max: 32) ?? "system"
            guard ["system", "ca_bundle", "pinned_spki"].contains(tlsMode) else { throw Self.invalid("tls.mode must be system, ca_bundle or pinned_spki") }
            caBundle = try Self.optionalString(tls, "ca_bundle_path", max: 4096).map { Self.expand($0, environment) }
            pin = try Self.optionalString(tls, "pinned_spki_sha256", max: 71)
        }
        guard scheme == "https" || tlsMode == "system" else { throw Self.invalid("http:// targets cannot use custom TLS trust modes") }
        if tlsMode == "ca_bundle", caBundle == nil { throw Self.invalid("tls.mode ca_bundle needs tls.ca_bundle_path") }
        if tlsMode == "pinned_spki", pin == nil { throw Self.invalid("tls.mode pinned_spki needs tls.pinned_spki_sha256") }
        if let caBundle { try Self.checkPEMBundle(caBundle, "tls.ca_bundle_path") }
        if let pin, !Self.isDigest(pin) { throw Self.invalid("tls.pinned_spki_sha256 must be sha256: and 64 lowercase hex digits") }

        let tokenRef = try Self.string(auth, "token_ref", max: 4096)
        _ = try SecretRef.resolve(tokenRef, field: "auth.token_ref", environment: environment)
        let oci = try Self.checkOCI(fields, environment)
        if kind == "k8s", fields["default_namespace"] == nil { throw Self.invalid("kind k8s needs default_namespace") }
        if kind == "wasmcloud", fields["lattice_id"] == nil { throw Self.invalid("kind wasmcloud needs lattice_id") }
        let expected = try Self.optionalString(fields, "expect_capabilities_digest", max: 71)
        if let expected, !Self.isDigest(expected) { throw Self.invalid("expect_capabilities_digest must be sha256: and 64 lowercase hex digits") }

        self.document = document
        self.name = name
        self.kind = kind
        self.baseURL = String(baseURL.reversed().drop(while: { $0 == "/" }).reversed())
        self.tlsMode = tlsMode
        self.caBundlePath = caBundle
        self.pinnedSPKI = tlsMode == "pinned_spki" ? pin : nil
        self.tokenRef = tokenRef
        self.expectCapabilitiesDigest = expected
        self.oci = oci
    }

    /// The profile as an execution's remote meta records it (`target_profile` of
    /// `lp.deploy.execution.meta.remote@0.1.0`): refs and paths, never a secret; provider short
    /// names as their full ids.
    var record: JSON {
        let providers = ["wasmcloud": "lp.impl.runtime.wasmcloud_v1", "edge_http_v1": "lp.impl.routing.edge_http_v1",
                         "otlp_http_v1": "lp.impl.telemetry.otlp_http_v1", "server_store_v1": "lp.impl.secrets.server_store_v1",
                         "oci_v1": "lp.impl.component_registry.oci_v1"]
        var out: JSON = ["name": .string(name), "kind": .string(kind), "base_url": .string(baseURL), "api_version": "v1",
                         "auth_kind": "static_bearer"]
        for key in ["runtime_provider", "routing_provider"] {
            let value = document[key]?.stringValue ?? ""
            out = out.setting(key, .string(providers[value] ?? value))
        }
        for key in ["tls", "oci_registry", "oci_auth", "oci_tls", "default_namespace", "default_env", "cluster_ref", "lattice_id",
                    "telemetry_collector_hint"] {
            out = out.setting(key, document[key] ?? .null)
        }
        return out
    }

    /// The OCI registry the daemon publishes to: its credentials (refs that must resolve) and trust.
    private static func checkOCI(_ fields: [String: JSON], _ environment: [String: String]) throws -> OCISettings? {
        let registry = try optionalString(fields, "oci_registry", max: 512)
        if let registry, registry.contains("://") || registry.contains("/") || registry.isEmpty {
            throw invalid("oci_registry is host[:port], without a scheme or path")
        }
        if registry != nil, fields["oci_auth"] == nil || fields["oci_tls"] == nil {
            throw invalid("oci_registry needs oci_auth and oci_tls")
        }
        var refs: [String] = []
        if let authValue = fields["oci_auth"] {
            guard case .object(let auth) = authValue else { throw invalid("oci_auth must be an object") }
            try onlyKeys(auth, ["kind", "username_ref", "password_ref"], "oci_auth")
            guard auth["kind"] == "basic" else { throw invalid("oci_auth.kind must be basic") }
            for key in ["username_ref", "password_ref"] {
                let ref = try string(auth, key, max: 4096)
                _ = try SecretRef.resolve(ref, field: "oci_auth." + key, environment: environment)
                refs.append(ref)
            }
        }
        var bundle: String?
        if let tlsValue = fields["oci_tls"] {
            guard case .object(let tls) = tlsValue else { throw invalid("oci_tls must be an object") }
            try onlyKeys(tls, ["mode", "ca_bundle_path"], "oci_tls")
            let mode = try string(tls, "mode", max: 32)
            guard ["system", "ca_bundle"].contains(mode) else { throw invalid("oci_tls.mode must be system or ca_bundle") }
            bundle = try optionalString(tls, "ca_bundle_path", max: 4096).map { expand($0, environment) }
            if mode == "ca_bundle", bundle == nil { throw invalid("oci_tls.mode ca_bundle needs oci_tls.ca_bundle_path") }
            if let bundle { try checkPEMBundle(bundle, "oci_tls.ca_bundle_path") }
            if mode == "system" { bundle = nil }
        }
        guard let registry, refs.count == 2 else { return nil }
        return OCISettings(registry: registry, namespace: fields["default_namespace"]?.stringValue, usernameRef: refs[0],
                           passwordRef: refs[1], caBundlePath: bundle)
    }

    static func invalid(_ message: String) -> LPError {
        LPError(.invalidHTTPRequest, code: "LP_TARGET_PROFILE_INVALID", message, stage: .parse)
    }

    static func isName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.isASCII, CharacterSet.alphanumerics.contains(first), name.utf8.count <= 128 else {
            return false
        }
        return name.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0)) }
    }

    static func isDigest(_ text: String) -> Bool {
        text.hasPrefix("sha256:") && text.utf8.count == 71
            && text.utf8.dropFirst(7).allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    static func expand(_ path: String, _ environment: [String: String]) -> String {
        guard path == "~" || path.hasPrefix("~/"), let home = environment["HOME"] else { return path }
        return home + path.dropFirst()
    }

    private static func onlyKeys(_ fields: [String: JSON], _ allowed: Set<String>, _ what: String) throws {
        if let extra = fields.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw invalid("\(what) has an unknown field \"\(extra.prefix(64))\"")
        }
    }

    private static func string(_ fields: [String: JSON], _ key: String, max: Int) throws -> String {
        guard let value = try optionalString(fields, key, max: max) else { throw invalid("\(key) is required") }
        return value
    }

    private static func optionalString(_ fields: [String: JSON], _ key: String, max: Int) throws -> String? {
        guard let value = fields[key] else { return nil }
        guard case .string(let text) = value, !text.isEmpty, text.utf8.count <= max else {
            throw invalid("\(key) must be a string of 1 to \(max) bytes")
        }
        return text
    }

    private static func checkPEMBundle(_ path: String, _ field: String) throws {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, info.st_size < 4 << 20,
              let text = try? String(contentsOfFile: path, encoding: .utf8),
              text.contains("-----BEGIN CERTIFICATE-----"), text.contains("-----END CERTIFICATE-----") else {
            throw invalid("\(field) must name a readable file holding at least one PEM certificate")
        }
    }
}
