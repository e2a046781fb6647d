import LPCore
import LPState
import LPStage
import LPServe
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `x07lp ui serve` and `x07lp ui export` (docs/ui.md): the Command Center on the x07lpd stack.
enum UICommands {
    static let serve = StageCommand(
        words: ["ui", "serve"],
        spec: CommandSpec(
            name: "x07lp ui serve", reportCommand: "ui serve",
            summary: "serve the Command Center (static UI + /api/*) with nginx and lp-serve until SIGINT/SIGTERM",
            usage: ["x07lp ui serve --state-dir DIR [--addr HOST:PORT] [--allow-local-control]"],
            options: [
                OptionSpec("--addr", value: "HOST:PORT", "a loopback address (default 127.0.0.1:17090)"),
                OptionSpec("--allow-local-control", "POST controls need no token (else a deploy-scope x07lpd token); also X07LP_UI_ALLOW_LOCAL_CONTROL=1"),
            ],
            examples: ["x07lp ui serve --state-dir state --allow-local-control"],
            exitCodes: [.ok, .usage, .invalidInput, .internalError],
            notes: ["Prints its URL and stays in the foreground. Reads need no token: the address must be loopback.",
                    "X07LP_UI_ALLOW_LOCAL_CONTROL=1 does what --allow-local-control does, for a caller that cannot add flags."]),
        body: { ctx in
            let state = try LifecycleCommands.stateDir(ctx)
            let (host, port) = try DaemonConfig.address(ctx.arguments.value("--addr") ?? "127.0.0.1:17090")
            guard DaemonConfig.isLoopback(host) else {
                throw LPError(.usage, code: "LP_USAGE", "ui serve answers reads without a token: --addr must be a loopback address")
            }
            let runtime = DaemonConfig.directory(state) + "/ui-\(port)"
            for sub in ["/run", "/logs", "/tmp"] { try AtomicFile.makeDirectories(runtime + sub) }
            let ui = UIConfig(runtime: runtime, static_root: try staticRoot(ctx), local_control: allowsLocalControl(ctx))
            let config = DaemonConfig(state_dir: state, host: host, port: port, serve_binary: try LifecycleCommands.serveBinary(ctx),
                                      fcgi_children: 4, secret_master_key: SealedSecretStore.defaultMasterKeyPath(state: state), ui: ui)
            _ = try AtomicFile.write(Array(NginxConfig.render(config).utf8), to: config.nginxConf)
            try DaemonProcesses.testConfiguration(config)
            DaemonProcesses.killOrphanedWorkers(config)
            Foreground.run(config)
        })

    static let export = StageCommand(
        words: ["ui", "export"],
        spec: CommandSpec(
            name: "x07lp ui export", reportCommand: "ui export",
            summary: "write the Command Center's pages as static files with the state's reports embedded (controls hidden)",
            usage: ["x07lp ui export --state-dir DIR --out DIR [--app-id APP --env ENV]"],
            options: [
                OptionSpec("--out", value: "DIR", "where index.html, app.js, app.css and data.js go"),
                OptionSpec("--app-id", value: "APP", "only this app's deployments"),
                OptionSpec("--env", value: "ENV", "only this environment's deployments"),
            ],
            examples: ["x07lp ui export --state-dir state --out site"],
            exitCodes: [.ok, .usage, .internalError],
            notes: ["Open DIR/index.html from file://: it reads data.js, not the network."]),
        body: { ctx in
            guard let out = ctx.arguments.value("--out") else { throw LPError(.usage, code: "LP_USAGE", "name the output directory: --out DIR") }
            let state = try LifecycleCommands.stateDir(ctx)
            let context = ServeContext(state: state, environment: ctx.environment,
                                        nowMs: Int64(Date().timeIntervalSince1970 * 1000), serveBinary: "")
            let reports = UIExport.collect(context, app: ctx.arguments.value("--app-id"), env: ctx.arguments.value("--env"))
            try UIExport.write(reports, from: try staticRoot(ctx), to: out)
            return StageOutput(result: ["schema_version": "lp.ui.export.result@0.1.0", "out": .string(out),
                                        "reports": .number(Double(reports.count))])
        })

    /// `--allow-local-control`, or the environment's `X07LP_UI_ALLOW_LOCAL_CONTROL=1` (the reference
    /// CI starts `ui serve` through a shim that passes no flag of ours).
    static func allowsLocalControl(_ ctx: StageContext) -> Bool {
        ctx.arguments.has("--allow-local-control") || ctx.environment["X07LP_UI_ALLOW_LOCAL_CONTROL"] == "1"
    }

    /// index.html and its files: `$X07LP_UI_DIR`, else the nearest share/x07lp/ui (installed) or
    /// ui/ (the repository; binaries in .build/<triple>/<config>/) above the binary.
    static func staticRoot(_ ctx: StageContext) throws -> String {
        var dir = URL(fileURLWithPath: CommandLine.arguments.first ?? "x07lpd").resolvingSymlinksInPath().deletingLastPathComponent()
        var candidates = [ctx.environment["X07LP_UI_DIR"]].compactMap { $0 }
        for _ in 0..<4 {
            dir = dir.deletingLastPathComponent()
            candidates += [dir.path + "/share/x07lp/ui", dir.path + "/ui"]
        }
        for dir in candidates where FileManager.default.fileExists(atPath: dir + "/index.html") {
            return URL(fileURLWithPath: LifecycleCommands.absolute(dir)).standardized.path
        }
        throw LPError(.usage, code: "LP_NOT_FOUND", "cannot find the Command Center files (ui/index.html); set X07LP_UI_DIR")
    }
}
