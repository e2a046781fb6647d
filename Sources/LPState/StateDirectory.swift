import LPCore
import Foundation

/// The state directory (docs/state.md) and the typed paths inside it. Path components that come from
/// documents (app ids, environments, record ids) are checked before they touch the file system.
public struct StateDirectory: Sendable {
    public let root: String
    /// Told about every committed write transaction (the query index keeps itself current).
    public let observer: (any StateObserver)?
    /// The test hook that simulates a crash at a chosen write (`CrashPoint`).
    public let crashPoint: CrashPoint?

    public init(root: String, observer: (any StateObserver)? = nil, crashPoint: CrashPoint? = nil) {
        self.root = root.hasSuffix("/") && root.count > 1 ? String(root.dropLast()) : root
        self.observer = observer
        self.crashPoint = crashPoint
    }

    /// `--state-dir`, else `$X07LP_STATE_DIR`, else `./.x07lp`.
    public static func resolve(option: String?, environment: [String: String],
                               observer: (any StateObserver)? = nil) -> StateDirectory {
        StateDirectory(root: option ?? environment["X07LP_STATE_DIR"] ?? ".x07lp", observer: observer,
                       crashPoint: CrashPoint(environment: environment))
    }

    public func path(_ relative: String) -> String { root + "/" + relative }

    // Relative locations, as they appear in `file:` store URIs.
    public static func runRecord(_ id: String) -> String { "runs/\(id).json" }
    public static func decisionRecord(_ id: String) -> String { "decisions/\(id).json" }
    public static func execution(_ id: String) -> String { "deploy/\(id).json" }
    public static func plan(_ id: String) -> String { "plans/\(id).json" }
    public static func controlAction(_ id: String) -> String { "control/actions/\(id).json" }
    public static func killSwitch(_ scope: String) -> String { "control/kill/\(scope).json" }
    public static func router(_ execId: String) -> String { "router/\(execId).json" }
    public static func runtimeSlot(_ execId: String, _ slot: String) -> String { "runtime/\(execId)/\(slot)" }
    public static func regression(_ id: String) -> String { "regressions/\(id)" }
    public static func incidentDirectory(app: String, env: String, id: String) -> String {
        "incidents/\(app)/\(env)/\(id)"
    }
    public static let keys = "keys"

    /// Evidence records, written once and never with other bytes.
    public static func isWriteOnce(_ relative: String) -> Bool {
        relative.hasPrefix("decisions/") || relative.hasPrefix("control/actions/") || relative.hasPrefix("plans/")
            || (relative.hasPrefix("incidents/") && relative.hasSuffix("/incident.bundle.json"))
            || relative.hasPrefix(DeviceReleasePaths.plans + "/") || relative.hasPrefix(DeviceReleasePaths.evidence + "/")
    }

    public static func blob(_ sha256: String) -> String {
        "store/blobs/sha256/\(sha256.prefix(2))/\(sha256)"
    }

    public static func blobMeta(_ sha256: String) -> String {
        "store/meta/sha256/\(sha256.prefix(2))/\(sha256).json"
    }

    /// A name safe to use as one path component: no separators, not `.`/`..`, printable ASCII
    /// from the set ids and app names use. Anything else is refused (exit 3).
    public static func checkComponent(_ name: String, what: String) throws {
        let allowed = name.utf8.allSatisfy { b in
            (0x30...0x39).contains(b) || (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b)
                || b == UInt8(ascii: "-") || b == UInt8(ascii: "_") || b == UInt8(ascii: ".")
        }
        guard allowed, !name.isEmpty, name.utf8.count <= 128, name != ".", name != ".." else {
            throw LPError(.invalidInput, code: "LP_UNSAFE_NAME",
                          "\(what) \"\(name.prefix(80))\" cannot be used as a state path component (use letters, digits, '.', '-', '_')")
        }
    }

    /// A relative path inside the state: no absolute path, no empty, `.` or `..` component.
    public static func checkRelativePath(_ relative: String) throws {
        let parts = relative.split(separator: "/", omittingEmptySubsequences: false)
        guard !relative.hasPrefix("/"), !parts.isEmpty, parts.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." }) else {
            throw LPError(.stateCorrupt, code: "LP_STATE_CORRUPT", "\(relative.prefix(120)) is not a path inside the state directory")
        }
    }

    public func exists(_ relative: String) -> Bool {
        FileManager.default.fileExists(atPath: path(relative))
    }

    public func read(_ relative: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path(relative)) else {
            throw LPError(.usage, code: "LP_NOT_FOUND", "no such state file: \(path(relative))")
        }
        return [UInt8](data)
    }

}
