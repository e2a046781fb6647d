import Foundation

/// The provenance signing keys the daemon trusts: `<state>/.x07lpd/trusted-keys/*.pem`, put
/// there by `x07lpd init --trusted-key` (never by a request).
public enum TrustedKeys {
    public static func directory(_ state: String) -> String { state + "/.x07lpd/trusted-keys" }

    static func files(_ context: ServeContext) -> [String] {
        let dir = directory(context.state)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.filter { $0.hasSuffix(".pem") }.sorted().map { dir + "/" + $0 }
    }
}
