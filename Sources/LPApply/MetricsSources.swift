/// The sources `deploy run --metrics-from` measures.
public enum MetricsSources {
    /// A local run: `access-log` (the served traffic), or `prometheus=URL` with `--metrics-queries`.
    public static func isKnown(_ source: String) -> Bool { source == "access-log" || source.hasPrefix("prometheus=") }

    /// What a remote run may name, checked by x07lpd before it takes the lease: the daemon's own
    /// access log only (a URL from a request would let a token make the daemon call any host).
    public static let remote = ["access-log"]
}
