import LPStage

/// `x07lpd`: sets up and runs the self-hosted control plane (docs/x07lpd.md).
public enum DaemonStage {
    public static let definition = StageDefinition(
        name: "x07lpd",
        summary: "the self-hosted x07lp control plane: nginx (TLS, limits) → fcgiwrap → lp-serve on a state directory",
        commands: [LifecycleCommands.initialize, LifecycleCommands.start, LifecycleCommands.stop, LifecycleCommands.status,
                   LifecycleCommands.reload, CredentialCommands.tokenAdd, CredentialCommands.tokenList, CredentialCommands.tokenRemove,
                   CredentialCommands.secretSet, CredentialCommands.secretList, CredentialCommands.secretRemove,
                   CredentialCommands.secretStorePack, RegistryCommands.allow, RegistryCommands.list, RegistryCommands.remove,
                   UICommands.serve, UICommands.export])
}
