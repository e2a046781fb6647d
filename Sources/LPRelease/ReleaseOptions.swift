import LPCore
import LPStage

/// Options the device release commands share, declared once.
enum ReleaseOptions {
    static let release = OptionSpec("--release", value: "ID", aliases: ["--release-id", "--release-exec-id"],
                                    "the release execution (lpdrexec_..., result.exec_id of release-run)")
    static let reason = OptionSpec("--reason", value: "TEXT", "why (recorded in the signed decision)")
    static let providerProfile = OptionSpec("--provider-profile", value: "FILE", "lp.device.store.provider.profile@0.1.0")
    static let packageManifest = OptionSpec("--package-manifest", value: "FILE", "x07.device.package.manifest@0.1.0 of the sealed package")
    static let plan = OptionSpec("--plan", value: "FILE", "lp.device.release.plan@0.2.0 (written by release-create)")
    static let signingKey = OptionSpec("--signing-key", value: "PEM",
                                       "Ed25519 private key to sign with (default: keys/control.ed25519.key.pem, created 0600)")

    /// The exit codes every command that reads release files may end with.
    static let readingCodes: [ExitCode] = [.ok, .usage, .invalidInput, .stateLocked, .stateCorrupt]

    static func releaseId(_ ctx: StageContext) throws -> String {
        try ctx.arguments.required("--release", ctx.spec)
    }

    static func reasonText(_ ctx: StageContext) -> String {
        String((ctx.arguments.value("--reason") ?? "manual").prefix(4096))
    }
}
