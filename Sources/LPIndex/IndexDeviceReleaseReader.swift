import LPCore
import LPModel

/// One device release execution as `device_releases` lists it.
public struct DeviceReleaseRow: Codable, Equatable, Sendable {
    public var exec_id: String
    public var plan_id: String?
    public var app_id: String?
    public var provider_id: String?
    public var provider_kind: String?
    public var distribution_lane: String?
    public var target: String?
    public var status: String?
    public var current_state: String?
    public var automation_state: String?
    public var current_rollout_percent: Int?
    public var created_unix_ms: Int64
    public var updated_unix_ms: Int64
}

/// Filters of `DeviceReleaseRow` lookups; nil matches anything.
public struct DeviceReleaseFilter: Sendable {
    public var appId: String?
    public var providerId: String?
    public var lane: String?
    public var target: String?

    public init(appId: String? = nil, providerId: String? = nil, lane: String? = nil, target: String? = nil) {
        self.appId = appId
        self.providerId = providerId
        self.lane = lane
        self.target = target
    }
}

extension StateIndex {
    static let deviceReleaseColumns = """
        exec_id, plan_id, app_id, provider_id, provider_kind, distribution_lane, target, status, current_state,
        automation_state, current_rollout_percent, created_unix_ms, updated_unix_ms
        """

    /// Device release executions matching `filter`, most recently updated first (then the
    /// greatest exec id).
    public func deviceReleases(_ filter: DeviceReleaseFilter, limit: Int = 1000) throws -> [DeviceReleaseRow] {
        var conditions: [String] = []
        var values: [SQLValue] = []
        for (column, value) in [("app_id", filter.appId), ("provider_id", filter.providerId),
                                ("distribution_lane", filter.lane), ("target", filter.target)] {
            guard let value else { continue }
            conditions.append("\(column) = ?")
            values.append(.text(value))
        }
        let condition = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        return try read {
            try db.rows("""
                SELECT \(Self.deviceReleaseColumns) FROM device_releases \(condition)
                ORDER BY updated_unix_ms DESC, exec_id DESC LIMIT ?
                """, values + [.of(max(0, limit))]) { row -> DeviceReleaseRow? in
                guard let id = row.string(0) else { return nil }
                return DeviceReleaseRow(exec_id: id, plan_id: row.string(1), app_id: row.string(2), provider_id: row.string(3),
                                        provider_kind: row.string(4), distribution_lane: row.string(5), target: row.string(6),
                                        status: row.string(7), current_state: row.string(8), automation_state: row.string(9),
                                        current_rollout_percent: row.integer(10), created_unix_ms: row.int(11) ?? 0,
                                        updated_unix_ms: row.int(12) ?? 0)
            }
        }
    }
}
