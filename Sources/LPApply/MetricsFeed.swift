import LPCore
import LPRuntime
import Foundation

/// The metrics snapshots of a run, consumed one per analysis attempt in order: `--metrics FILE`
/// (repeatable) first, then `analysis.1.json`, `analysis.2.json`, … from `--metrics-dir`. Every
/// snapshot is read and checked before the run moves any traffic (`load`): it must satisfy
/// `x07.metrics.snapshot@0.1.0` and describe this app, and the directory's `analysis.*.json`
/// files must be numbered 1, 2, 3, … without gaps, so a misnamed file cannot be skipped silently.
/// With `--metrics-from access-log` the snapshots come from served traffic instead, with
/// `--metrics-from prometheus=URL` from PromQL queries (`LiveSource`).
struct MetricsFeed {
    /// Snapshots measured from the candidate's real requests, one per analysis attempt.
    struct LiveSource {
        /// The access log (`--metrics-from access-log`); nil with Prometheus.
        var window: AccessLogWindow?
        var prometheus: PrometheusSource?
        var service: String
        var names: [AccessLogWindow.Kind: String]
        var catalog: ContractCatalog
    }

    let snapshots: [ContractDocument]
    var live: LiveSource?
    /// `--metrics-dir`, and how many `--metrics` files come before its snapshots.
    var directory: String?
    var fileCount = 0
    private(set) var consumed = 0

    init(snapshots: [ContractDocument], directory: String? = nil, fileCount: Int = 0) {
        self.snapshots = snapshots
        self.directory = directory
        self.fileCount = fileCount
    }

    /// Where the next snapshot was looked for, for the message when there is none: the file name
    /// and the directory (`analysis.3.json in metrics/`), or the flags to give.
    var nextSnapshotWanted: String {
        guard let directory else { return "no --metrics-dir given and every --metrics file is used: pass more snapshots" }
        return "looked for analysis.\(max(1, consumed - fileCount + 1)).json in \(directory)"
    }

    /// Reads and checks every snapshot the run may consume (exit 2 for a missing source, 3 for a
    /// snapshot that is invalid, misnamed or of another service).
    static func load(files: [String], directory: String?, appId: String, catalog: ContractCatalog) throws -> MetricsFeed {
        var paths = files
        if let directory { paths += try numberedSnapshots(in: directory) }
        let snapshots = try paths.map { path -> ContractDocument in
            let document = try ContractDocument(path: path, contract: SchemaVersion.metricsSnapshot, catalog: catalog)
            let service = document.json["service"]?.stringValue ?? ""
            guard service == appId else {
                throw LPError(.invalidInput, code: "LP_METRICS_SERVICE_MISMATCH",
                              "\(path) is a snapshot of service \"\(service.prefix(80))\", but this deployment is of \(appId)")
            }
            return document
        }
        return MetricsFeed(snapshots: snapshots, directory: directory, fileCount: files.count)
    }

    /// `analysis.1.json` … `analysis.N.json` of `directory`, in order; other files are ignored.
    static func numberedSnapshots(in directory: String) throws -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else {
            throw LPError(.usage, code: "LP_METRICS_DIR_NOT_FOUND", "--metrics-dir \(directory): no such directory")
        }
        guard isDirectory.boolValue else {
            throw LPError(.usage, code: "LP_METRICS_DIR_NOT_FOUND", "--metrics-dir \(directory) is not a directory")
        }
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: directory) } catch {
            throw LPError(.usage, code: "LP_METRICS_DIR_UNREADABLE", "cannot list --metrics-dir \(directory): \(error.localizedDescription)")
        }
        var numbered: [Int: String] = [:]
        for name in names.sorted() where name.lowercased().hasPrefix("analysis") && name.lowercased().hasSuffix(".json") {
            guard let number = snapshotNumber(name) else {
                throw LPError(.invalidInput, code: "LP_METRICS_SNAPSHOT_NAME",
                              "\(directory)/\(name): snapshot files are named analysis.1.json, analysis.2.json, … (no leading zeros)")
            }
            numbered[number] = name
        }
        let ordered = numbered.keys.sorted()
        if let gap = ordered.enumerated().first(where: { $0.offset + 1 != $0.element }) {
            throw LPError(.invalidInput, code: "LP_METRICS_SNAPSHOT_NAME",
                          "\(directory) has no analysis.\(gap.offset + 1).json but has analysis.\(gap.element).json: number them 1, 2, 3, … without gaps")
        }
        return ordered.compactMap { numbered[$0].map { directory + "/" + $0 } }
    }

    /// N of `analysis.N.json` (N ≥ 1, no sign or leading zero), else nil.
    static func snapshotNumber(_ name: String) -> Int? {
        guard name.hasPrefix("analysis."), name.hasSuffix(".json") else { return nil }
        let digits = name.dropFirst("analysis.".count).dropLast(".json".count)
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber), digits.first != "0",
              digits.count <= 6 else { return nil }
        return Int(digits)
    }

    /// `--metrics-from`: `access-log` reads the deployment's served traffic (x07lp serve must
    /// run); `prometheus=URL` evaluates the PromQL of `--metrics-queries FILE` (each query is
    /// tried here, before any traffic moves); nil keeps the snapshot files. The profile says which
    /// metric names to produce.
    static func live(_ source: String?, queries: String?, files: Bool, runtime: ServeRuntime, execId: String, appId: String,
                     slo: JSON?, catalog: ContractCatalog) throws -> LiveSource? {
        guard let source else {
            if queries != nil { throw LPError(.usage, code: "LP_USAGE", "--metrics-queries goes with --metrics-from prometheus=URL") }
            return nil
        }
        let prometheusURL = source.hasPrefix("prometheus=") ? String(source.dropFirst("prometheus=".count)) : nil
        guard MetricsSources.isKnown(source) else {
            throw LPError(.usage, code: "LP_METRICS_SOURCE_UNKNOWN",
                          "--metrics-from \(source.prefix(80)): the sources are access-log and prometheus=URL")
        }
        guard !files else {
            throw LPError(.usage, code: "LP_METRICS_SOURCE_CONFLICT", "--metrics-from cannot be combined with --metrics or --metrics-dir")
        }
        var names: [AccessLogWindow.Kind: String] = [:]
        for indicator in slo?["indicators"]?.arrayValue ?? [] {
            if let kind = indicator["kind"]?.stringValue.flatMap(AccessLogWindow.Kind.init(rawValue:)),
               let metric = indicator["metric"]?.stringValue { names[kind] = metric }
        }
        if let prometheusURL {
            guard let queries else {
                throw LPError(.usage, code: "LP_USAGE", "--metrics-from prometheus=URL needs --metrics-queries FILE (x07lp.metrics.queries@0.1.0)")
            }
            let prometheus = try PrometheusSource(url: prometheusURL, queriesFile: queries, catalog: catalog)
            for kind in AccessLogWindow.Kind.allCases { if let query = prometheus.queries[kind.rawValue] { _ = try prometheus.evaluate(query, kind: kind) } }
            return LiveSource(prometheus: prometheus, service: appId, names: names, catalog: catalog)
        }
        if queries != nil { throw LPError(.usage, code: "LP_USAGE", "--metrics-queries goes with --metrics-from prometheus=URL") }
        guard runtime.isRunning else {
            throw LPError(.usage, code: "LP_SERVE_NOT_RUNNING",
                          "--metrics-from access-log measures served traffic: start serving first (x07lp serve start)")
        }
        return LiveSource(window: AccessLogWindow(runtime: runtime, execId: execId), service: appId, names: names, catalog: catalog)
    }

    /// The next snapshot, or nil when none is left.
    mutating func next() throws -> ContractDocument? {
        if var live {
            defer { self.live = live; consumed += 1 }
            let taken = ISO8601DateFormatter().string(from: Date())
            if let prometheus = live.prometheus {
                // A query that fails mid-run leaves the attempt without values: inconclusive, retried.
                var labels: JSON = ["source": "prometheus"]
                var metrics: [JSON] = []
                do { metrics = try prometheus.measure(live.names) } catch let error as LPError {
                    labels = labels.setting("error", .string(String(error.description.prefix(500))))
                }
                let json: JSON = ["schema_version": .string(SchemaVersion.metricsSnapshot), "v": 1, "taken_at_utc": .string(taken),
                                  "service": .string(live.service), "metrics": .array(metrics), "labels": labels]
                return try ContractDocument(generated: json, name: "prometheus.\(consumed + 1).json",
                                            contract: SchemaVersion.metricsSnapshot, catalog: live.catalog)
            }
            guard var window = live.window else { return nil }
            let json = window.snapshot(service: live.service, metrics: live.names, takenAtUtc: taken)
            live.window = window
            return try ContractDocument(generated: json, name: "access-log.\(consumed + 1).json",
                                        contract: SchemaVersion.metricsSnapshot, catalog: live.catalog)
        }
        guard consumed < snapshots.count else { return nil }
        defer { consumed += 1 }
        return snapshots[consumed]
    }
}
