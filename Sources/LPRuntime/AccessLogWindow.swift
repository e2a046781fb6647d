import LPCore
import LPModel
import Foundation

/// The metrics source `deploy run --metrics-from access-log`: the JSON access log nginx writes
/// for a deployment's listener (`NginxServeConfig`), read from where the previous window ended.
/// Each window becomes one `x07.metrics.snapshot@0.1.0` of the candidate's requests (probes
/// excluded): error rate (share of 5xx), availability (1 - error rate) and p95 latency
/// (nearest rank, ms), named as the SLO profile's indicators name them.
public struct AccessLogWindow: Sendable {
    /// The indicator kinds this source measures, each with the metric name the profile uses.
    public enum Kind: String, Sendable, CaseIterable {
        case errorRate = "error_rate", availability, latencyP95 = "latency_p95_ms"
    }

    public let path: String
    private(set) var offset: UInt64
    /// The first 5xx the candidate answered in the latest window that had one (an incident's
    /// request/response evidence).
    public private(set) var candidateError: ServedRequest?

    /// Starts at the log's current end: only requests after the run started count.
    public init(runtime: ServeRuntime, execId: String) {
        path = runtime.layout.accessLog(execId)
        offset = Self.size(path)
    }

    /// The snapshot of the requests logged since the previous call. A line that is not an entry
    /// of this log's format is skipped and counted in the labels.
    public mutating func snapshot(service: String, metrics names: [Kind: String], takenAtUtc: String) -> JSON {
        let lines = readNewLines()
        var statuses: [Int] = []
        var latencies: [Double] = []
        var skipped = 0
        for line in lines {
            guard let entry = try? JSONParser.parse(Array(line.utf8)), let status = entry["status"]?.intValue,
                  let seconds = entry["rt"]?.doubleValue else {
                skipped += 1
                continue
            }
            guard entry["slot"] == .string(Slot.candidate.rawValue), entry["probe"] != "1" else { continue }
            if status >= 500, !statuses.contains(where: { $0 >= 500 }), let request = ServedRequest(entry) { candidateError = request }
            statuses.append(status)
            latencies.append(seconds * 1000)
        }
        var metrics: [JSON] = [["name": "http_requests", "value": .number(Double(statuses.count)), "unit": "count"]]
        if !statuses.isEmpty {
            let errorRate = Double(statuses.filter { $0 >= 500 }.count) / Double(statuses.count)
            let sorted = latencies.sorted()
            let p95 = sorted[max(0, Int((0.95 * Double(sorted.count)).rounded(.up)) - 1)]
            let values: [Kind: (Double, String)] = [.errorRate: (errorRate, "ratio"), .availability: (1 - errorRate, "ratio"),
                                                    .latencyP95: (p95, "ms")]
            for kind in Kind.allCases {
                guard let name = names[kind], let (value, unit) = values[kind] else { continue }
                metrics.append(["name": .string(name), "value": .number(value), "unit": .string(unit)])
            }
        }
        return ["schema_version": .string(SchemaVersion.metricsSnapshot), "v": 1, "taken_at_utc": .string(takenAtUtc),
                "service": .string(service), "metrics": .array(metrics),
                "labels": ["source": "access-log", "slot": "candidate", "skipped_lines": .string(String(skipped))]]
    }

    /// Complete lines from `offset` on; a partial last line is left for the next window.
    private mutating func readNewLines() -> [String] {
        guard let handle = FileHandle(forReadingAtPath: path) else { return [] }
        defer { try? handle.close() }
        guard (try? handle.seek(toOffset: offset)) != nil, let data = try? handle.readToEnd(), !data.isEmpty else { return [] }
        guard let lastNewline = data.lastIndex(of: UInt8(ascii: "\n")) else { return [] }
        let complete = data[data.startIndex...lastNewline]
        offset += UInt64(complete.count)
        return String(decoding: complete, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    private static func size(_ path: String) -> UInt64 {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.uint64Value ?? 0
    }
}
