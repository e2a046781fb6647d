import LPCore

/// The `target_profile` member of a run request: the client's profile as
/// `lp.deploy.execution.meta.remote@0.1.0` records it (names, URL, trust and refs; never a
/// secret). Checked member by member before it is stored with the execution.
enum TargetProfileRecord {
    static let required: Set = ["name", "kind", "base_url", "api_version", "auth_kind", "runtime_provider", "routing_provider"]
    static let optional: Set = ["oci_registry", "default_namespace", "default_env", "cluster_ref", "lattice_id", "telemetry_collector_hint"]
    static let objects: [String: Set<String>] = ["tls": ["mode", "ca_bundle_path", "pinned_spki_sha256"],
                                                 "oci_auth": ["kind", "username_ref", "password_ref"], "oci_tls": ["mode", "ca_bundle_path"]]

    static func check(_ value: JSON) throws -> JSON {
        guard case .object(let fields) = value else { throw ServeError.invalidRequest("target_profile must be an object") }
        for (key, member) in fields {
            if let allowed = objects[key] {
                if member == .null { continue }
                guard case .object(let inner) = member, !inner.isEmpty,
                      inner.allSatisfy({ allowed.contains($0.key) && isText($0.value) }) else {
                    throw ServeError.invalidRequest("target_profile.\(key) must be an object of \(allowed.sorted().joined(separator: ", ")) strings")
                }
            } else if required.contains(key) || optional.contains(key) {
                guard isText(member) || (optional.contains(key) && member == .null) else {
                    throw ServeError.invalidRequest("target_profile.\(key) must be a string of 1 to 2048 bytes")
                }
            } else {
                throw ServeError.invalidRequest("target_profile has an unknown member \"\(key.prefix(64))\"")
            }
        }
        guard required.isSubset(of: fields.keys), fields["api_version"] == "v1", fields["auth_kind"] == "static_bearer",
              let name = fields["name"]?.stringValue, HTTPRequest.isPlainSegment(name),
              ["oss_remote", "hosted", "k8s", "wasmcloud"].contains(fields["kind"]?.stringValue ?? "") else {
            throw ServeError.invalidRequest("target_profile needs name, kind, base_url, api_version v1, auth_kind static_bearer, runtime_provider and routing_provider")
        }
        return value
    }

    static func isText(_ value: JSON) -> Bool {
        guard let text = value.stringValue else { return false }
        return !text.isEmpty && text.utf8.count <= 2048
    }
}
