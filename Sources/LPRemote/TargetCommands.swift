import LPCore
import LPStage
import Foundation

/// `x07lp target add | ls | inspect | use | rm`: the client's target profiles (docs/remote.md).
enum TargetCommands {
    static let name = OptionSpec("--name", value: "NAME", "the target's name (the profile's name)")

    static func spec(_ verb: String, _ summary: String, _ options: [OptionSpec], _ example: String, _ codes: [ExitCode],
                     reportVerb: String? = nil) -> CommandSpec {
        CommandSpec(name: "lp-remote target \(verb)", reportCommand: "target \(reportVerb ?? verb)", summary: summary,
                    usage: ["lp-remote target \(verb)" + options.map { " \($0.name) \($0.valueName ?? "")" }.joined()],
                    options: options, examples: [example], exitCodes: [.ok, .usage] + codes)
    }

    static let add = StageCommand(
        words: ["target", "add"],
        spec: spec("add", "check a lp.target.profile@0.1.0, probe its /v1/health and store it",
                   [OptionSpec("--profile", value: "FILE", "the profile document")],
                   "x07lp target add --profile target.json", [.remoteUnreachable, .invalidHTTPRequest])) { ctx in
        let file = try ctx.arguments.required("--profile", ctx.spec)
        let absolute = file.hasPrefix("/") ? file : FileManager.default.currentDirectoryPath + "/" + file
        let document = try InputDocument(bytes: try InputDocument.readFile(file, limit: 1 << 20), source: file).json
        let store = try TargetStore(environment: ctx.environment)
        let profile: TargetProfile
        do { profile = try TargetProfile(document, environment: ctx.environment) } catch var error as LPError {
            error.diagnostics = error.diagnostics.map { var d = $0; d.data = ["profile_path": .string(absolute)]; return d }
            throw error
        }
        if profile.probes { try RemoteClient(profile, environment: ctx.environment).probe() }
        try store.save(profile)
        return StageOutput(result: ["name": .string(profile.name), "profile_path": .string(store.path(of: profile.name)),
                                    "reachable": .bool(profile.probes)])
    }

    static let list = StageCommand(
        words: ["target", "ls"],
        spec: spec("ls", "the stored targets, each probed (lp.target.list.result@0.1.0)", [], "x07lp target ls --json", [],
                   reportVerb: "ls")) { ctx in
        let store = try TargetStore(environment: ctx.environment)
        let current = store.current()
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        // A profile that no longer checks (a token file gone) is left out, as the reference does.
        let items: [JSON] = store.names().compactMap { name in
            guard let profile = try? store.load(name) else { return nil }
            let reachable = profile.probes && (try? RemoteClient(profile, environment: ctx.environment).probe()) != nil
            return ["target_id": .string(targetId(profile)), "name": .string(name), "kind": .string(profile.kind),
                    "base_url": .string(profile.baseURL),
                    "runtime_provider": profile.document["runtime_provider"] ?? "wasmcloud",
                    "routing_provider": profile.document["routing_provider"] ?? "edge_http_v1",
                    "active": .bool(current == name), "reachable": .bool(reachable),
                    "status": reachable ? "healthy" : "unknown", "last_checked_unix_ms": .number(Double(now))]
        }
        return StageOutput(result: ["schema_version": "lp.target.list.result@0.1.0", "items": .array(items)])
    }

    static let inspect = StageCommand(
        words: ["target", "inspect"],
        spec: spec("inspect", "a stored profile, its health and the daemon's capabilities", [name],
                   "x07lp target inspect --name prod", [.remoteUnreachable, .invalidHTTPRequest])) { ctx in
        let store = try TargetStore(environment: ctx.environment)
        let profile = try store.load(try ctx.arguments.required("--name", ctx.spec))
        var capabilities = JSON.null
        if profile.probes {
            let client = try RemoteClient(profile, environment: ctx.environment)
            try client.probe()
            let answer = try client.send(.get, "/v1/capabilities", failure: (.remoteUnreachable, "LP_REMOTE_TARGET_UNREACHABLE"))
            if answer.body["schema_version"] != nil { capabilities = answer.body }
        }
        return StageOutput(result: ["target_id": .string(targetId(profile)), "profile": profile.document,
                                    "active": .bool(store.current() == profile.name), "reachable": .bool(profile.probes),
                                    "capabilities": capabilities])
    }

    static let use = StageCommand(
        words: ["target", "use"],
        spec: spec("use", "make a stored target the current one (every --target-aware verb goes there)", [name],
                   "x07lp target use --name prod", [.invalidHTTPRequest])) { ctx in
        let store = try TargetStore(environment: ctx.environment)
        let profile = try store.load(try ctx.arguments.required("--name", ctx.spec))
        try store.use(profile.name)
        return StageOutput(result: ["name": .string(profile.name)])
    }

    static let remove = StageCommand(
        words: ["target", "rm"],
        spec: spec("rm", "forget a stored target (and the current one, if it is that)", [name], "x07lp target rm --name prod", [])) { ctx in
        let name = try ctx.arguments.required("--name", ctx.spec)
        guard TargetProfile.isName(name) else { throw LPError(.usage, code: "LP_TARGET_NOT_FOUND", "\"\(name.prefix(128))\" is not a target name") }
        try TargetStore(environment: ctx.environment).remove(name)
        return StageOutput(result: ["name": .string(name)])
    }

    /// The contract's `target_id`: stable for a name and daemon URL, so a profile pointed elsewhere is another target.
    static func targetId(_ profile: TargetProfile) -> String {
        "lptgt_" + String(SHA256.hex(Array((profile.name + "\n" + profile.baseURL).utf8)).prefix(24))
    }
}
