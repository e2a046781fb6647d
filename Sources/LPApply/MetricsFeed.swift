import LPCore
import LPModel
import LPIndex
import Foundation

/// The metrics snapshots of a run, consumed one per analysis attempt in order: `--metrics FILE`
/// (repeatable) first, then `analysis.1.json`, `analysis.2.json`, … from `--metrics-dir`.
/// Each is checked against `x07.metrics.snapshot@0.1.0` when it is taken.
struct MetricsFeed {
    let files: [String]
    let directory: String?
    let catalog: ContractCatalog
    private(set) var consumed = 0

    init(files: [String], directory: String?, catalog: ContractCatalog) {
        self.files = files
        self.directory = directory
        self.catalog = catalog
    }

    /// The next snapshot, or nil when none is left.
    mutating func next() throws -> ContractDocument? {
        let path: String
        if consumed < files.count {
            path = files[consumed]
        } else if let directory {
            path = directory + "/analysis.\(consumed - files.count + 1).json"
            guard FileManager.default.fileExists(atPath: path) else { return nil }
        } else {
            return nil
        }
        consumed += 1
        return try ContractDocument(path: path, contract: SchemaVersion.metricsSnapshot, catalog: catalog)
    }
}
