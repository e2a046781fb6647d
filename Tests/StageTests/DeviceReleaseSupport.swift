import LPCore
import Foundation
import XCTest

/// Running the device release verbs of `scripts/x07lp` against one state directory with a pinned
/// clock, on the reference fixtures (`../shared/upstream/fixtures/device-release/common`).
struct DeviceReleaseBench {
    static let now = "1762752000000"

    let fixtures: String
    let root: String
    let state: String
    var environment: [String: String] = [:]

    /// Plans go under a new scratch root; the state is `state`, else `<root>/state`.
    init(state: String? = nil) throws {
        fixtures = try Upstream.require("fixtures/device-release/common")
        root = StageProcess.temporaryDirectory()
        self.state = state ?? root + "/state"
    }

    var iosPackage: String { fixtures + "/package_ios_demo/device.package.manifest.json" }
    var iosReport: String { fixtures + "/package_ios_demo/device.package.report.json" }
    var androidPackage: String { fixtures + "/package_android_demo/device.package.manifest.json" }
    var androidReport: String { fixtures + "/package_android_demo/device.package.report.json" }
    func provider(_ name: String) -> String { fixtures + "/providers/\(name).json" }

    /// `x07lp ARGS --state-dir S --now-unix-ms NOW --json`: its exit status and report.
    @discardableResult
    func x07lp(_ arguments: [String], expect status: Int32? = 0, file: StaticString = #filePath, line: UInt = #line) throws
        -> (status: Int32, report: JSON, stderr: String) {
        let run = try StageProcess.x07lp(arguments + ["--state-dir", state, "--now-unix-ms", Self.now, "--json"],
                                         environment: environment)
        if let status { XCTAssertEqual(run.status, status, "\(arguments.prefix(2)): \(run.stderr)", file: file, line: line) }
        let report = (try? JSONParser.parse(run.stdout)) ?? .null
        return (run.status, report, run.stderr)
    }

    /// `device release-create` of `provider` and the iOS (or Android) package into `plan`.
    func create(_ provider: String, android: Bool = false, plan: String, extra: [String] = [], expect status: Int32? = 0,
                file: StaticString = #filePath, line: UInt = #line) throws -> JSON {
        try x07lp(["device", "release-create", "--provider-profile", self.provider(provider),
                   "--package-manifest", android ? androidPackage : iosPackage,
                   "--package-report", android ? androidReport : iosReport, "--out", root + "/" + plan] + extra,
                  expect: status, file: file, line: line).report
    }

    func run(_ plan: String, expect status: Int32? = 0, file: StaticString = #filePath, line: UInt = #line) throws -> JSON {
        try x07lp(["device", "release-run", "--plan", root + "/" + plan], expect: status, file: file, line: line).report
    }

    func control(_ verb: String, _ execId: String, reason: String, extra: [String] = [], expect status: Int32? = 0,
                 file: StaticString = #filePath, line: UInt = #line) throws -> JSON {
        try x07lp(["device", "release-\(verb)", "--release", execId, "--reason", reason] + extra, expect: status,
                  file: file, line: line).report
    }

    func query(_ execId: String, view: String = "full", file: StaticString = #filePath, line: UInt = #line) throws -> JSON {
        try x07lp(["device", "release-query", "--release", execId, "--view", view], file: file, line: line).report["result"] ?? .null
    }

    func execution(_ execId: String) throws -> JSON {
        try JSONParser.parse([UInt8](Data(contentsOf: URL(fileURLWithPath: state + "/device_release/executions/\(execId).json"))))
    }

    /// Writes observation `seq` of `execId` as the reference CI does: OTLP/JSON logs whose
    /// resource names the release, with the records of a scenario.
    func seedTelemetry(_ execId: String, scenario: [JSON], seq: Int = 1) throws {
        let execution = try self.execution(execId)
        func attribute(_ key: String, _ value: JSON) -> JSON { ["key": .string(key), "value": value] }
        let resource: [JSON] = [
            attribute("x07.release.exec_id", ["stringValue": .string(execId)]),
            attribute("x07.release.plan_id", ["stringValue": execution["plan_id"] ?? .null]),
            attribute("x07.app_id", ["stringValue": execution["meta"]?["app"]?["app_id"] ?? .null]),
            attribute("x07.package.sha256", ["stringValue": execution["meta"]?["package_digest"]?["sha256"] ?? .null]),
        ]
        let document: JSON = ["resourceLogs": [["resource": ["attributes": .array(resource)], "scopeLogs": [["logRecords": .array(scenario)]]]]]
        let directory = state + "/device_release/telemetry/\(execId)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Data(document.canonicalBytes + [0x0A]).write(to: URL(fileURLWithPath: directory + "/analysis.\(seq).jsonl"))
    }

    /// One OTLP log record of the device host.
    static func record(_ eventClass: String, _ attributes: [(String, JSON)], body: String? = nil) -> JSON {
        var attrs: [JSON] = [["key": "x07.event.class", "value": ["stringValue": .string(eventClass)]],
                             ["key": "x07.event.name", "value": ["stringValue": .string(eventClass)]]]
        attrs += attributes.map { ["key": .string($0.0), "value": $0.1] }
        var record: [String: JSON] = ["attributes": .array(attrs)]
        if let body { record["body"] = ["stringValue": .string(body)] }
        return .object(record)
    }

    static func http(_ status: Int, _ ms: Double) -> JSON {
        record("app.http", [("status", ["intValue": .string(String(status))]), ("duration_ms", ["doubleValue": .number(ms)])],
               body: "app.http")
    }

    /// The scenarios of the reference CI script.
    static let healthy = [http(200, 90), http(200, 110)]
    static let policyViolation = [
        http(500, 420),
        record("policy.violation", [("message", ["stringValue": "location permission denied by policy"]),
                                    ("permission", ["stringValue": "location_foreground"]), ("status", ["stringValue": "denied"]),
                                    ("op", ["stringValue": "location.get_current"]), ("request_id", ["stringValue": "req_policy_1"])],
               body: "location permission denied by policy"),
    ]
    static let webviewCrash = [
        http(500, 420), record("host.webview_crash", [("message", ["stringValue": "device host webview crashed"])],
                               body: "device host webview crashed"),
    ]
    static let bridgeError = [
        http(500, 420), http(503, 460),
        record("runtime.error", [("message", ["stringValue": "bridge payload invalid"]), ("stage", ["stringValue": "bridge_parse"])],
               body: "bridge payload invalid"),
    ]
}
