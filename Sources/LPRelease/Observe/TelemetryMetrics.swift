import LPCore
import LPModel

/// The HTTP metrics of one observation, from its `app.http` events: a request failed when its
/// status is 500 or more or missing; p95 latency is the nearest-rank 95th percentile of
/// `duration_ms` (0 without durations).
struct TelemetryMetrics {
    var errorRate: Double
    var availability: Double
    var latencyP95Ms: Double

    /// Nil when the observation holds no `app.http` event.
    static func of(_ records: [TelemetryRecord]) -> TelemetryMetrics? {
        let http = records.filter { $0.eventClass == "app.http" }
        guard !http.isEmpty else { return nil }
        let failures = http.filter { ($0.number("status") ?? 500) >= 500 }.count
        let durations = http.compactMap { $0.number("duration_ms") }.filter { $0.isFinite && $0 >= 0 }.sorted()
        let rank = Int((0.95 * Double(durations.count)).rounded(.up)) - 1
        return TelemetryMetrics(errorRate: Double(failures) / Double(http.count),
                                availability: Double(http.count - failures) / Double(http.count),
                                latencyP95Ms: durations.isEmpty ? 0 : durations[max(0, rank)])
    }

    /// What an observation without HTTP events but with native incidents counts as: all failed.
    static let failed = TelemetryMetrics(errorRate: 1, availability: 0, latencyP95Ms: 0)

    /// `x07.metrics.snapshot@0.1.0`, labelled with the release it measures.
    func snapshot(takenAtUnixMs: Int64, labels: [String: String]) -> JSON {
        [
            "schema_version": .string(SchemaVersion.metricsSnapshot), "v": 1,
            "taken_at_utc": .string(LogicalClock.rfc3339(unixMs: takenAtUnixMs)), "service": "device_release",
            "metrics": [
                ["name": "http_error_rate", "value": .number(errorRate), "unit": "ratio"],
                ["name": "http_latency_p95_ms", "value": .number(latencyP95Ms), "unit": "ms"],
                ["name": "http_availability", "value": .number(availability), "unit": "ratio"],
            ],
            "labels": .object(labels.mapValues(JSON.string)),
        ]
    }
}
