/// The sources `deploy run --metrics-from` measures (x07lpd checks a remote run's source against
/// them before it takes the lease).
public enum MetricsSources {
    public static let names = ["access-log"]
}
