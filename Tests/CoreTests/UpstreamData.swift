import LPCore
import LPState
import LPModel
import LPIndex
import LPStage
import Foundation

/// Locates `../shared/upstream` (reference data beside the clone). Tests that need it skip
/// cleanly when it is absent.
enum UpstreamData {
    static let root: String? = {
        if let env = ProcessInfo.processInfo.environment["X07LP_UPSTREAM_DIR"] {
            return FileManager.default.fileExists(atPath: env) ? env : nil
        }
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        for _ in 0..<5 {
            dir = dir.deletingLastPathComponent()
            let candidate = dir.appendingPathComponent("../shared/upstream").standardizedFileURL.path
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
        }
        return nil
    }()

    static func directory(_ name: String) -> String? {
        guard let root else { return nil }
        let path = root + "/" + name
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }
}
