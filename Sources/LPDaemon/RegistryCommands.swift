import LPCore
import LPStage
import LPServe

/// `x07lpd registry allow | list | rm`: the OCI registries remote runs may publish to
/// (`OCIRegistries`); a run naming any other is refused with 403 `LP_OCI_REGISTRY_NOT_ALLOWED`.
enum RegistryCommands {
    static let hostOption = OptionSpec("--host", value: "HOST[:PORT]", "the registry, as target profiles name it in oci_registry")

    static func host(_ ctx: StageContext) throws -> String {
        guard let host = OCIRegistries.normalized(try ctx.arguments.required("--host", ctx.spec)) else {
            throw LPError(.usage, code: "LP_USAGE", "--host is host[:port] (letters, digits, '.', '-'; port 1 to 65535)")
        }
        return host
    }

    static func answer(_ list: OCIRegistries) -> StageOutput {
        StageOutput(result: ["registries": .array(list.registries.map(JSON.string))])
    }

    static let allow = CredentialCommands.simple(
        ["registry", "allow"], "let remote runs publish to an OCI registry", usage: "x07lpd registry allow --state-dir DIR --host HOST[:PORT]",
        options: [hostOption], example: "x07lpd registry allow --state-dir /var/lib/x07lpd --host registry.example.com") { ctx in
        let state = try LifecycleCommands.stateDir(ctx)
        let host = try host(ctx)
        var list = try OCIRegistries.load(state: state)
        list.registries = Array(Set(list.registries + [host])).sorted()
        try list.save(state: state)
        return answer(list)
    }

    static let list = CredentialCommands.simple(
        ["registry", "list"], "the OCI registries remote runs may publish to", usage: "x07lpd registry list --state-dir DIR",
        options: [], example: "x07lpd registry list --state-dir /var/lib/x07lpd") { ctx in
        return answer(try OCIRegistries.load(state: try LifecycleCommands.stateDir(ctx)))
    }

    static let remove = CredentialCommands.simple(
        ["registry", "rm"], "stop publishing to an OCI registry", usage: "x07lpd registry rm --state-dir DIR --host HOST[:PORT]",
        options: [hostOption], example: "x07lpd registry rm --state-dir /var/lib/x07lpd --host registry.example.com") { ctx in
        let state = try LifecycleCommands.stateDir(ctx)
        let host = try host(ctx)
        var list = try OCIRegistries.load(state: state)
        guard list.registries.contains(host) else { throw LPError(.usage, code: "LP_NOT_FOUND", "\(host) is not an allowed registry") }
        list.registries.removeAll { $0 == host }
        try list.save(state: state)
        return answer(list)
    }
}
