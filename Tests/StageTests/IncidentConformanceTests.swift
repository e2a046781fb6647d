import LPCore
import LPState
import LPModel
import LPIndex
import LPStage
import LPValidate
import LPPlan
import LPIncident
import LPApply
import LPRegress
import LPQuery
import Foundation
import XCTest

/// Incidents and regressions against the reference scenarios in
/// ../shared/upstream/fixtures/control_plane (skipped when absent): capture, list and get of an
/// HTTP 5xx incident, the list of an SLO rollback's incident, and a regression from an incident,
/// through scripts/x07lp as an operator runs them; stored bundles checked against the upstream
/// schemas.
final class IncidentConformanceTests: XCTestCase {
    static let time = DeployLoopTests.time

    func check(_ result: StageResult, template: String, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(result.status, 0, result.stderr, file: file, line: line)
        let expected = try TemplateMatch.load(try Upstream.require("fixtures/control_plane/" + template))
        XCTAssertEqual(TemplateMatch.mismatches(expected: expected, actual: try JSONParser.parse(result.stdout)), [],
                       result.stdoutText, file: file, line: line)
    }

    /// A promoted app_min deployment and an HTTP 500 captured against it by app/env.
    func captured5xx(state: String) throws -> (deployment: String, incident: String, capture: StageResult) {
        let id = try DeployLoopTests.accept(state: state)
        XCTAssertEqual(try DeployLoopTests.run("promote", state: state, id: id).status, 0)
        let common = try Upstream.require("fixtures/control_plane/common")
        let capture = try StageProcess.x07lp([
            "incident", "capture", "--app-id", "app_min", "--env", "staging", "--request", common + "/request.envelope.json",
            "--response", common + "/response.500.envelope.json", "--trace", common + "/trace.json",
            "--classification", "http_5xx", "--source", "router", "--state-dir", state, "--now-unix-ms", Self.time, "--json",
        ])
        let incident = try JSONParser.parse(capture.stdout)["result"]?["incident_id"]?.stringValue ?? ""
        return (id, incident, capture)
    }

    func testHTTP5xxCaptureListAndGetMatchTheirTemplates() throws {
        let state = StageProcess.temporaryDirectory()
        let (deployment, incident, capture) = try captured5xx(state: state)
        try check(capture, template: "incident_capture_5xx/expected/incident.capture.report.json")
        XCTAssertEqual(try JSONParser.parse(capture.stdout)["result"]?["deployment_id"]?.stringValue, deployment)
        try check(try StageProcess.x07lp(["incident", "list", "--app-id", "app_min", "--env", "staging", "--state-dir", state,
                                          "--json"]),
                  template: "incident_capture_5xx/expected/incident.list.report.json")
        try check(try StageProcess.x07lp(["incident", "get", "--incident-id", incident, "--state-dir", state, "--json"]),
                  template: "incident_capture_5xx/expected/incident.get.report.json")

        // The stored bundle and meta hold to the upstream contracts, as does the execution
        // whose incident counters the capture updated.
        let contracts = try Upstream.require("lp-contracts")
        let directory = "\(state)/incidents/app_min/staging/\(incident)"
        for (file, schema) in [("incident.bundle.json", "lp.incident.bundle"), ("incident.meta.local.json", "lp.incident.bundle.meta.local")] {
            let check = try StageProcess.x07lp(["schema", "validate", "--schema", "\(contracts)/\(schema).schema.json",
                                                "--in", "\(directory)/\(file)"])
            XCTAssertEqual(check.status, 0, "\(file): \(check.stderr)")
        }
        let execution = try JSONParser.parse([UInt8](Data(contentsOf: URL(fileURLWithPath: "\(state)/deploy/\(deployment).json"))))
        XCTAssertEqual(execution["meta"]?["last_incident_id"]?.stringValue, incident)
        XCTAssertEqual(execution["meta"]?["incident_count_total"]?.intValue, 1)
        XCTAssertEqual(execution["meta"]?["incident_count_open"]?.intValue, 1)
        try DeployLoopTests.checkStoredExecution(state: state, id: deployment)
    }

    func testSLORollbackIncidentIsListedByDeployment() throws {
        let state = StageProcess.temporaryDirectory()
        let id = try DeployLoopTests.accept(state: state)
        XCTAssertEqual(try DeployLoopTests.run("rollback", state: state, id: id).status, 14)
        try check(try StageProcess.x07lp(["incident", "list", "--deployment-id", id, "--state-dir", state, "--json"]),
                  template: "incident_capture_slo_rollback/expected/incident.list.report.json")
    }

    func testRegressionFromIncidentMatchesItsTemplate() throws {
        let state = StageProcess.temporaryDirectory()
        let (_, incident, _) = try captured5xx(state: state)
        let out = StageProcess.temporaryDirectory()
        let regress = try StageProcess.x07lp(["regress", "from-incident", "--incident-id", incident, "--name", "health_500",
                                              "--out-dir", out, "--state-dir", state, "--now-unix-ms", Self.time, "--json"])
        try check(regress, template: "regression_from_incident/expected/regress.from_incident.report.json")
        let contracts = try Upstream.require("lp-contracts")
        let result = try JSONParser.parse(regress.stdout)["result"] ?? .null
        let regressionId = result["regression_id"]?.stringValue ?? ""
        for (file, schema) in [("request.json", "lp.regression.request"), ("result.json", "lp.regression.run.result")] {
            let check = try StageProcess.x07lp(["schema", "validate", "--schema", "\(contracts)/\(schema).schema.json",
                                                "--in", "\(state)/regressions/\(regressionId)/\(file)"])
            XCTAssertEqual(check.status, 0, "\(file): \(check.stderr)")
        }
        let trace = try StageProcess.x07lp(["schema", "validate", "--schema", "x07.app.trace@0.1.0",
                                            "--in", out + "/health_500/replay.trace.json"])
        XCTAssertEqual(trace.status, 0, trace.stderr)
        let after = try StageProcess.x07lp(["incident", "get", "--incident-id", incident, "--state-dir", state, "--json"])
        let view = try JSONParser.parse(after.stdout)["result"]
        XCTAssertEqual(view?["incident_status"], "open")
        XCTAssertEqual(view?["regression_status"], "generated")
        XCTAssertEqual(view?["regression_id"]?.stringValue, regressionId)
    }
}
