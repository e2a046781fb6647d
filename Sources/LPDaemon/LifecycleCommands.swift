import LPCore
import LPState
import LPStage
import LPServe
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `x07lpd init | start | stop | status | reload`.
enum LifecycleCommands {
    static let common = [OptionSpec("--state-dir", value: "DIR", "the daemon's state directory (an ordinary x07lp state dir)")]

    static let initialize = StageCommand(
        words: ["init"],
        spec: CommandSpec(
            name: "x07lpd init", reportCommand: "x07lpd init",
            summary: "write the nginx and fcgiwrap configuration of a daemon under <state>/.x07lpd/",
            usage: ["x07lpd init --state-dir DIR [--addr HOST:PORT] [--tls-cert PEM --tls-key PEM | --dev-ca] [--trusted-key PEM]..."],
            options: [
                OptionSpec("--addr", value: "HOST:PORT", "where nginx listens (default 127.0.0.1:17443)"),
                OptionSpec("--tls-cert", value: "PEM", "the server certificate (chain) nginx presents"),
                OptionSpec("--tls-key", value: "PEM", "its private key"),
                OptionSpec("--dev-ca", "make a private CA and a localhost certificate under .x07lpd/tls/ (ca.pem for clients)"),
                OptionSpec("--trusted-key", value: "PEM", repeatable: true, "an Ed25519 public key trusted to sign provenance"),
                OptionSpec("--fcgi-children", value: "N", "lp-serve processes fcgiwrap runs at once (default 4)"),
            ],
            examples: ["x07lpd init --state-dir /var/lib/x07lpd --dev-ca --trusted-key keys/release.pub.pem"],
            exitCodes: [.ok, .usage, .internalError],
            notes: ["Without TLS the address must be loopback. Init is re-runnable: it rewrites the configuration and",
                    "keeps tokens, secrets and the master key. Secrets are sealed with .x07lpd/secret-master.key (0600)."]),
        body: { ctx in
            let state = try stateDir(ctx)
            let (host, port) = try DaemonConfig.address(ctx.arguments.value("--addr") ?? "127.0.0.1:17443")
            let dir = DaemonConfig.directory(state)
            for sub in ["", "/run", "/logs", "/tmp", "/tls", "/trusted-keys"] { try AtomicFile.makeDirectories(dir + sub) }
            var cert = ctx.arguments.value("--tls-cert"), key = ctx.arguments.value("--tls-key")
            var ca: String?
            if ctx.arguments.has("--dev-ca") {
                guard cert == nil, key == nil else { throw LPError(.usage, code: "LP_USAGE", "--dev-ca or --tls-cert/--tls-key, not both") }
                let made = try DevCA.make(in: dir + "/tls")
                (ca, cert, key) = (made.ca, made.cert, made.key)
            }
            guard (cert == nil) == (key == nil) else { throw LPError(.usage, code: "LP_USAGE", "--tls-cert and --tls-key go together") }
            if cert == nil, !DaemonConfig.isLoopback(host) {
                throw LPError(.usage, code: "LP_USAGE", "plain HTTP only on a loopback address: add --dev-ca or --tls-cert/--tls-key")
            }
            for file in [cert, key].compactMap({ $0 }) where !FileManager.default.isReadableFile(atPath: file) {
                throw LPError(.usage, code: "LP_NOT_FOUND", "cannot read \(file)")
            }
            for pem in ctx.arguments.all("--trusted-key") {
                let bytes = try InputDocument.readFile(pem, limit: 1 << 16)
                let publicKey = try Ed25519.publicKey(pem: bytes)
                _ = try AtomicFile.write(bytes, to: TrustedKeys.directory(state) + "/" + publicKey.keyId + ".pem")
            }
            let masterKey = SealedSecretStore.defaultMasterKeyPath(state: state)
            if !FileManager.default.fileExists(atPath: masterKey) {
                _ = try AtomicFile.write(Array((Hex.encode(try AESGCM.randomBytes(32)) + "\n").utf8), to: masterKey)
            }
            let children = Int(ctx.arguments.value("--fcgi-children") ?? "4") ?? 0
            guard (1...64).contains(children) else { throw LPError(.usage, code: "LP_USAGE", "--fcgi-children is 1 to 64") }
            let config = DaemonConfig(state_dir: state, host: host, port: port, tls_cert: cert.map(absolute), tls_key: key.map(absolute),
                                      dev_ca: ca, serve_binary: try serveBinary(ctx), fcgi_children: children,
                                      secret_master_key: masterKey)
            try write(config)
            return StageOutput(result: try summary(config))
        })

    static let start = StageCommand(
        words: ["start"],
        spec: CommandSpec(
            name: "x07lpd start", reportCommand: "x07lpd start",
            summary: "start fcgiwrap and nginx for the state directory (in the background, or --foreground)",
            usage: ["x07lpd start --state-dir DIR [--foreground]"],
            options: [OptionSpec("--foreground", "stay in the foreground until SIGINT/SIGTERM (systemd, containers)")],
            examples: ["x07lpd start --state-dir /var/lib/x07lpd", "x07lpd start --state-dir /var/lib/x07lpd --foreground"],
            exitCodes: [.ok, .usage, .invalidInput, .internalError]),
        body: { ctx in
            let config = try DaemonConfig.load(try stateDir(ctx))
            try write(config)
            if DaemonProcesses.pid(config.nginxPid) != nil {
                return StageOutput(result: try summary(config).setting("already_running", true))
            }
            DaemonProcesses.killOrphanedWorkers(config)
            if ctx.arguments.has("--foreground") { Foreground.run(config) }
            if DaemonProcesses.pid(config.fcgiPid) == nil { _ = try DaemonProcesses.startFcgiwrap(config) }
            do { try DaemonProcesses.startNginx(config) } catch {
                _ = DaemonProcesses.stop(config.fcgiPid, signal: SIGTERM, group: true)
                throw error
            }
            return StageOutput(result: try summary(config))
        })

    static let stop = StageCommand(
        words: ["stop"],
        spec: CommandSpec(
            name: "x07lpd stop", reportCommand: "x07lpd stop", summary: "stop nginx (gracefully) and fcgiwrap",
            usage: ["x07lpd stop --state-dir DIR"], options: [], examples: ["x07lpd stop --state-dir /var/lib/x07lpd"],
            exitCodes: [.ok, .usage]),
        body: { ctx in
            let config = try DaemonConfig.load(try stateDir(ctx))
            let nginx = DaemonProcesses.stop(config.nginxPid, signal: SIGQUIT)
            let fcgi = DaemonProcesses.stop(config.fcgiPid, signal: SIGTERM, group: true)
            DaemonProcesses.removeSocket(config)
            return StageOutput(result: ["stopped": ["nginx": .bool(nginx), "fcgiwrap": .bool(fcgi)]])
        })

    static let status = StageCommand(
        words: ["status"],
        spec: CommandSpec(
            name: "x07lpd status", reportCommand: "x07lpd status", summary: "whether nginx and fcgiwrap run, and the URL",
            usage: ["x07lpd status --state-dir DIR"], options: [], examples: ["x07lpd status --state-dir /var/lib/x07lpd"],
            exitCodes: [.ok, .usage]),
        body: { ctx in StageOutput(result: try summary(try DaemonConfig.load(try stateDir(ctx)))) })

    static let reload = StageCommand(
        words: ["reload"],
        spec: CommandSpec(
            name: "x07lpd reload", reportCommand: "x07lpd reload",
            summary: "rewrite the nginx configuration and have nginx reload it (no request is dropped)",
            usage: ["x07lpd reload --state-dir DIR"], options: [], examples: ["x07lpd reload --state-dir /var/lib/x07lpd"],
            exitCodes: [.ok, .usage, .invalidInput]),
        body: { ctx in
            let config = try DaemonConfig.load(try stateDir(ctx))
            try write(config)
            guard let pid = DaemonProcesses.pid(config.nginxPid) else {
                throw LPError(.usage, code: "LP_DAEMON_NOT_RUNNING", "nginx is not running; `x07lpd start --state-dir \(config.state_dir)`")
            }
            kill(pid, SIGHUP)
            return StageOutput(result: try summary(config))
        })

    static func stateDir(_ ctx: StageContext) throws -> String {
        guard ctx.arguments.value("--state-dir") != nil || ctx.environment["X07LP_STATE_DIR"] != nil else {
            throw LPError(.usage, code: "LP_USAGE", "name the daemon's state directory: --state-dir DIR")
        }
        try AtomicFile.makeDirectories(ctx.state.root)
        return absolute(ctx.state.root)
    }

    static func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }

    /// `lp-serve` beside this binary (or in $X07LP_BIN_DIR).
    static func serveBinary(_ ctx: StageContext) throws -> String {
        let here = URL(fileURLWithPath: ServeContext.ownPath(CommandLine.arguments.first ?? "x07lpd")).deletingLastPathComponent().path
        for dir in [ctx.environment["X07LP_BIN_DIR"], here].compactMap({ $0 }) where access(dir + "/lp-serve", X_OK) == 0 {
            return absolute(dir + "/lp-serve")
        }
        throw LPError(.usage, code: "LP_NOT_FOUND", "cannot find lp-serve next to x07lpd; set X07LP_BIN_DIR")
    }

    /// The configuration files, checked by `nginx -t` before they are kept.
    static func write(_ config: DaemonConfig) throws {
        try config.save()
        _ = try AtomicFile.write(Array(NginxConfig.render(config).utf8), to: config.nginxConf)
        try DaemonProcesses.testConfiguration(config)
    }

    static func summary(_ config: DaemonConfig) throws -> JSON {
        ["schema_version": "x07lpd.status@0.1.0", "state_dir": .string(config.state_dir), "url": .string(config.url),
         "tls": config.tls_cert == nil ? .null : ["cert": .string(config.tls_cert!), "dev_ca": config.dev_ca.map(JSON.string) ?? .null],
         "nginx": ["running": .bool(DaemonProcesses.pid(config.nginxPid) != nil), "config": .string(config.nginxConf)],
         "fcgiwrap": ["running": .bool(DaemonProcesses.pid(config.fcgiPid) != nil), "socket": .string(config.fcgiSocket)],
         "logs": .string(config.logs)]
    }
}
