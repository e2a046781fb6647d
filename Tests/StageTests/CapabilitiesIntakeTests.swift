import LPCore
import Foundation
import XCTest

/// The capabilities file the ops profile pins (`x07.app.capabilities@0.2.0`, contracts/) is
/// checked by intake when given with `--capabilities`: its contract, then its pin.
final class CapabilitiesIntakeTests: XCTestCase {
    let hello = ExamplePacks.hello

    func accept(capabilities: String?, state: String) throws -> StageResult {
        try StageProcess.x07lp(["deploy", "accept", "--pack", hello + "/pack", "--change", hello + "/change_request.ops.json",
                                "--ops", hello + "/ops.blue_green.json", "--slo", hello + "/slo.json", "--state-dir", state,
                                "--now-unix-ms", "1767225600000", "--json"] + (capabilities.map { ["--capabilities", $0] } ?? []))
    }

    /// The gate findings intake stored for the accepted execution.
    func storedFindings(_ state: String) throws -> String {
        let output = try StageProcess.run("/bin/grep", ["-rh", "capabilities", state + "/store"])
        return output.stdoutText
    }

    func testAPinnedCapabilitiesFileIsChecked() throws {
        let state = StageProcess.temporaryDirectory() + "/state"
        let checked = try accept(capabilities: hello + "/capabilities.json", state: state)
        XCTAssertEqual(checked.status, 0, checked.stderr)
        let findings = try storedFindings(state)
        XCTAssertTrue(findings.contains("capabilities capabilities.json matches its pinned sha256"), findings)
        XCTAssertFalse(findings.contains("LP_OPS_CAPABILITIES_NOT_CHECKED"), findings)

        // Without the file, intake still accepts and says it was not checked.
        let unchecked = StageProcess.temporaryDirectory() + "/state"
        XCTAssertEqual(try accept(capabilities: nil, state: unchecked).status, 0)
        XCTAssertTrue(try storedFindings(unchecked).contains("LP_OPS_CAPABILITIES_NOT_CHECKED"))
    }

    func testAnEditedOrInvalidCapabilitiesFileIsRefused() throws {
        let work = StageProcess.temporaryDirectory()
        let original = try String(contentsOfFile: hello + "/capabilities.json", encoding: .utf8)
        try (original + "\n").write(toFile: work + "/edited.json", atomically: true, encoding: .utf8)
        let edited = try accept(capabilities: work + "/edited.json", state: work + "/state1")
        XCTAssertEqual(edited.status, 13, edited.stderr)
        XCTAssertTrue(edited.stdoutText.contains("LP_OPS_PINNED_DIGEST_MISMATCH"), edited.stdoutText)

        // Network denied but an endpoint listed: the contract refuses it before the state is touched.
        let invalid = original.replacingOccurrences(of: "\"allowlist\": []",
                                                    with: "\"allowlist\": [{\"host\": \"api.example.com\", \"port\": 443, \"proto\": \"https\"}]")
        XCTAssertNotEqual(invalid, original)
        try invalid.write(toFile: work + "/invalid.json", atomically: true, encoding: .utf8)
        let refused = try accept(capabilities: work + "/invalid.json", state: work + "/state2")
        XCTAssertEqual(refused.status, 3, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("LP_SCHEMA_VIOLATION") && refused.stderr.contains("/network/allowlist"), refused.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: work + "/state2"))
    }

    /// Our contract and the public one agree on what is valid (they are written independently).
    func testTheContractAgreesWithThePublicOne() throws {
        let upstream = try Upstream.require("x07-schemas/x07-app.capabilities.schema.json")
        let base = try JSONParser.parse([UInt8](Data(contentsOf: URL(fileURLWithPath: hello + "/capabilities.json"))))
        func set(_ document: JSON, _ path: ArraySlice<String>, _ value: JSON) -> JSON {
            guard let key = path.first else { return value }
            return document.setting(key, set(document[key] ?? [:], path.dropFirst(), value))
        }
        func with(_ pointer: [String], _ value: JSON) -> JSON { set(base, pointer[...], value) }
        let endpoint: JSON = ["host": "api.example.com", "port": 443, "proto": "https"]
        let cases: [(String, JSON)] = [
            ("example", base),
            ("allowlist mode with an endpoint", with(["network"], ["mode": "allowlist", "allowlist": [endpoint],
                                                                  "hardening": base["network"]!["hardening"]!])),
            ("allowlist mode, empty", with(["network", "mode"], "allowlist")),
            ("deny mode with an endpoint", with(["network", "allowlist"], [endpoint])),
            ("clock recorded", with(["clocks", "mode"], "record")),
            ("clock unknown mode", with(["clocks", "mode"], "sometimes")),
            ("env lower case", with(["env", "allow"], ["path"])),
            ("env upper case", with(["env", "allow"], ["PATH"])),
            ("secret upper case", with(["secrets", "allow"], ["DB"])),
            ("preopen escaping", with(["fs", "preopens"], [["path": "../etc", "mode": "ro"]])),
            ("preopen rw", with(["fs", "preopens"], [["path": "data", "mode": "rw"]])),
            ("unknown member", with(["extra"], true)),
            ("v zero", with(["v"], 0)),
            ("cidr", with(["network", "hardening", "allow_ip_cidrs"], ["10.0.0.0/8"])),
            ("port too big", with(["network"], ["mode": "allowlist", "allowlist": [["host": "a", "port": 70000, "proto": "tcp"]],
                                                "hardening": base["network"]!["hardening"]!])),
        ]
        let work = StageProcess.temporaryDirectory()
        for (name, document) in cases {
            let file = work + "/case.json"
            try Data(document.encoded(.pretty)).write(to: URL(fileURLWithPath: file))
            let ours = try StageProcess.run(StageProcess.binary("lp-validate"),
                                            ["schema", "validate", "--schema", "x07.app.capabilities@0.2.0", "--in", file])
            let theirs = try StageProcess.run(StageProcess.binary("lp-validate"), ["schema", "validate", "--schema", upstream, "--in", file])
            XCTAssertTrue([0, 3].contains(ours.status), "\(name): \(ours.stderr)")
            XCTAssertEqual(ours.status, theirs.status, "\(name): ours \(ours.stderr) / public \(theirs.stderr)")
        }
    }
}
