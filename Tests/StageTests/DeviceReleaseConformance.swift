import LPCore
import Foundation
import XCTest

/// Checks of what the device release line writes against the upstream contracts
/// (`../shared/upstream/lp-contracts`, `x07-schemas`), validated in-process.
enum DeviceReleaseConformance {
    /// Every JSON document in the state whose `schema_version` names an upstream contract must
    /// satisfy it. The package report copies are the tool's own output, kept byte for byte: the
    /// reference fixtures' reports do not satisfy their contract (their native summary predates
    /// it), so a copy of a fixture is not ours to judge.
    static func checkStateAgainstUpstream(_ state: String, fixtures: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let contracts = try Upstream.require("lp-contracts"), schemas = try Upstream.require("x07-schemas")
        let registry = try SchemaRegistry.load(directory: contracts)
        try registry.add(directory: schemas)
        var byVersion: [String: String] = [:]
        for directory in [contracts, schemas] {
            for name in try FileManager.default.contentsOfDirectory(atPath: directory) where name.hasSuffix(".json") {
                let schema = try JSONParser.parse([UInt8](Data(contentsOf: URL(fileURLWithPath: directory + "/" + name))))
                if let title = schema["title"]?.stringValue, let id = schema["$id"]?.stringValue { byVersion[title] = id }
            }
        }
        let fixtureReports = Set(["package_ios_demo", "package_android_demo"].compactMap {
            try? Data(contentsOf: URL(fileURLWithPath: fixtures + "/\($0)/device.package.report.json"))
        })
        let validator = SchemaValidator(registry: registry)
        var checked: [String: Int] = [:]
        for relative in FileManager.default.enumerator(atPath: state)?.compactMap({ $0 as? String }) ?? [] where relative.hasSuffix(".json") {
            let data = try Data(contentsOf: URL(fileURLWithPath: state + "/" + relative))
            guard let document = try? JSONParser.parse([UInt8](data)), let version = document["schema_version"]?.stringValue,
                  let id = byVersion[version] else { continue }
            if relative.contains("/package_reports/"), fixtureReports.contains(data) { continue }
            let violations = try validator.validate(document, schemaID: id)
            XCTAssertTrue(violations.isEmpty, "\(relative) (\(version)): \(violations.prefix(3).map { "\($0.instancePointer) \($0.message)" })",
                          file: file, line: line)
            checked[version, default: 0] += 1
        }
        for version in ["lp.device.release.plan@0.2.0", "lp.device.release.execution@0.2.0", "lp.decision.record@0.1.0",
                        "lp.control.action.result@0.1.0", "lp.incident.bundle@0.2.0", "lp.incident.bundle.meta.local@0.2.0",
                        "lp.device.store.provider.profile@0.1.0", "x07.metrics.snapshot@0.1.0"] {
            XCTAssertGreaterThan(checked[version] ?? 0, 0, "no \(version) in the state to check", file: file, line: line)
        }
    }
}
