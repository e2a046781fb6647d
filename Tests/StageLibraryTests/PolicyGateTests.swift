@testable import LPCore
@testable import LPModel
@testable import LPValidate
import XCTest

/// Policy cards at intake: each assertion operator, the rule effects (deny / warn / require),
/// rules that cannot be evaluated, and `policy_mode` warn demoting denials to warnings.
final class PolicyGateTests: XCTestCase {
    var fixtures: GateFixtures!

    override func setUpWithError() throws {
        fixtures = try GateFixtures()
    }

    override func tearDownWithError() throws {
        fixtures.remove()
    }

    static let document: JSON = [
        "provenance": ["require_attestation": true, "verify_on_deploy": false, "level": 3],
        "deploy": ["strategy": "canary"],
        "tags": ["web", "beta"],
        "name": "example.hello.web",
        "nothing": nil,
        "a/b": "slash",
    ]

    func testAssertionOperators() throws {
        // (op, path, value (nil: none), holds)
        let table: [(String, String, JSON?, Bool)] = [
            ("exists", "/deploy/strategy", nil, true),
            ("exists", "/deploy/missing", nil, false),
            ("exists", "/nothing", nil, true),  // a null member exists
            ("exists", "/tags/1", nil, true),
            ("exists", "/tags/2", nil, false),
            ("exists", "/a~1b", nil, true),
            ("not_exists", "/deploy/missing", nil, true),
            ("not_exists", "/deploy/strategy", nil, false),
            ("eq", "/deploy/strategy", "canary", true),
            ("eq", "/deploy/strategy", "blue_green", false),
            ("eq", "/provenance/level", 3.0, true),
            ("eq", "/provenance/level", "3", false),
            ("eq", "/tags", ["web", "beta"], true),
            ("eq", "/tags", ["beta", "web"], false),
            ("eq", "/missing", .null, false),  // absent is not null
            ("eq", "/nothing", .null, true),
            ("neq", "/deploy/strategy", "blue_green", true),
            ("neq", "/deploy/strategy", "canary", false),
            ("neq", "/missing", "x", true),
            ("in", "/deploy/strategy", ["canary", "blue_green"], true),
            ("in", "/deploy/strategy", ["blue_green"], false),
            ("in", "/missing", ["canary"], false),
            ("nin", "/deploy/strategy", ["blue_green"], true),
            ("nin", "/deploy/strategy", ["canary"], false),
            ("nin", "/missing", ["canary"], true),
            ("matches", "/name", "^example\\.", true),
            ("matches", "/name", "hello", true),  // a search, not a whole-string match
            ("matches", "/name", "^hello", false),
            ("matches", "/provenance/level", "3", false),  // only strings match
            ("matches", "/missing", ".*", false),
        ]
        for (op, path, value, holds) in table {
            var assertion: JSON = ["op": .string(op), "path": .string(path)]
            if let value { assertion = assertion.setting("value", value) }
            XCTAssertEqual(try PolicyGate.evaluate(assertion, in: Self.document), holds, "\(op) \(path) \(value?.canonicalString ?? "")")
        }
    }

    func testAnAbsentTargetHasNoMembers() throws {
        XCTAssertEqual(try PolicyGate.evaluate(["op": "exists", "path": "/a"], in: nil), false)
        XCTAssertEqual(try PolicyGate.evaluate(["op": "not_exists", "path": "/a"], in: nil), true)
        XCTAssertEqual(try PolicyGate.evaluate(["op": "eq", "path": "/a", "value": nil], in: nil), false)
        XCTAssertEqual(try PolicyGate.evaluate(["op": "neq", "path": "/a", "value": 1], in: nil), true)
        XCTAssertEqual(try PolicyGate.evaluate(["op": "nin", "path": "/a", "value": [1]], in: nil), true)
    }

    func testAssertionsThatCannotBeEvaluatedThrow() {
        let broken: [JSON] = [
            ["op": "gt", "path": "/provenance/level", "value": 1],
            ["op": "in", "path": "/deploy/strategy", "value": "canary"],
            ["op": "matches", "path": "/name", "value": 1],
            ["op": "matches", "path": "/name", "value": "("],
            ["op": "exists"],
            ["path": "/name"],
            ["op": "exists", "path": "name"],
            ["op": "exists", "path": "/a~2"],
        ]
        for assertion in broken {
            XCTAssertThrowsError(try PolicyGate.evaluate(assertion, in: Self.document), assertion.canonicalString) { error in
                XCTAssertTrue(error is PolicyGate.PolicyProblem, "\(error)")
            }
        }
    }

    static func rule(_ id: String, _ effect: String, target: String = "ops_profile", _ assertions: [JSON]) -> JSON {
        ["id": .string(id), "target": .string(target), "effect": .string(effect), "assertions": .array(assertions),
         "patches": [], "reason": .string("because \(id)")]
    }

    static func eq(_ path: String, _ value: JSON) -> JSON { ["op": "eq", "path": .string(path), "value": value] }

    func testRuleEffects() throws {
        let card = try fixtures.load("card.json", [
            "schema_version": "x07.policy.card@0.1.0", "id": "t.card", "v": 1,
            "rules": [
                Self.rule("deny_blue_green", "deny", [Self.eq("/deploy/strategy", "blue_green")]),
                Self.rule("deny_canary", "deny", [Self.eq("/deploy/strategy", "canary")]),
                Self.rule("warn_unverified", "warn", [Self.eq("/provenance/verify_on_deploy", false)]),
                Self.rule("warn_pinned", "warn", [["op": "exists", "path": "/provenance/pinned"]]),
                Self.rule("require_attested", "require", [Self.eq("/provenance/require_attestation", true),
                                                         Self.eq("/provenance/verify_on_deploy", true)]),
                Self.rule("require_semver", "require", target: "app_pack",
                          [["op": "matches", "path": "/version", "value": "^[0-9]+\\.[0-9]+\\.[0-9]+$"]]),
                Self.rule("require_caps", "require", target: "capabilities", [["op": "exists", "path": "/network"]]),
                Self.rule("deny_no_caps", "deny", target: "capabilities", [["op": "not_exists", "path": "/network"]]),
                Self.rule("bad_regex", "warn", [["op": "matches", "path": "/deploy/strategy", "value": "("]]),
            ],
        ], as: "x07.policy.card@0.1.0")
        let targets = PolicyGate.Targets(documents: [
            "ops_profile": ["provenance": ["require_attestation": true, "verify_on_deploy": false], "deploy": ["strategy": "canary"]],
            "app_pack": ["app_id": "t.app", "version": "1.2.3"],
        ])
        let findings = PolicyGate.check(cards: [card], targets: targets)
        let expected: [(String, Finding.Severity, String)] = [
            ("LP_POLICY_RULE_OK", .info, "deny_blue_green"),
            ("LP_POLICY_DENY", .error, "deny_canary"),
            ("LP_POLICY_WARN", .warning, "warn_unverified"),
            ("LP_POLICY_RULE_OK", .info, "warn_pinned"),
            ("LP_POLICY_REQUIRE_FAILED", .error, "require_attested"),
            ("LP_POLICY_RULE_OK", .info, "require_semver"),
            ("LP_POLICY_REQUIRE_FAILED", .error, "require_caps"),
            ("LP_POLICY_DENY", .error, "deny_no_caps"),
            ("LP_POLICY_INVALID", .error, "bad_regex"),
        ]
        XCTAssertEqual(findings.count, expected.count)
        for (finding, (code, severity, rule)) in zip(findings, expected) {
            XCTAssertEqual(finding.code, code, rule)
            XCTAssertEqual(finding.severity, severity, rule)
            XCTAssertEqual(finding.subject, "t.card/\(rule)")
        }
        XCTAssertEqual(findings[1].message, "rule t.card/deny_canary denies this change: because deny_canary")
        XCTAssertEqual(findings[2].message, "rule t.card/warn_unverified warns: because warn_unverified")
    }

    // MARK: - policy_mode

    static func changeRequest(mode: String, checks: [JSON] = ["x07_wasm_app_verify"]) -> JSON {
        ["schema_version": "lp.change_request@0.1.0", "change_id": "lpcr_policy0000000000000000000001",
         "created_unix_ms": 1_767_225_600_000, "intent": "deploy",
         "target": ["app_id": "t.app", "environment": ["kind": "staging"]],
         "acceptance": ["policy_mode": .string(mode), "required_checks": .array(checks)],
         "constraints": ["allow_unsafe": false, "max_risk_tier": "low"]]
    }

    static let manifest: JSON = ["app_id": "t.app", "version": "0.0.1"]

    func intakeOutcome(mode: String, checks: [JSON] = ["x07_wasm_app_verify"]) throws -> IntakeGates.Outcome {
        let card = try fixtures.write("card.json", [
            "schema_version": "x07.policy.card@0.1.0", "id": "t.card", "v": 1,
            "rules": [
                Self.rule("deny_prerelease", "deny", target: "app_pack", [["op": "matches", "path": "/version", "value": "^0\\."]]),
                Self.rule("warn_t", "warn", target: "app_pack", [Self.eq("/app_id", "t.app")]),
            ],
        ])
        let request = try fixtures.write("change_request.\(mode).json", Self.changeRequest(mode: mode, checks: checks))
        let inputs = try fixtures.intakeInputs(["--in", request, "--policy", card])
        return IntakeGates.evaluate(inputs, manifest: Self.manifest, manifestDigest: DigestRef(of: Self.manifest),
                                    catalog: fixtures.catalog)
    }

    func testEnforceModeDenies() throws {
        let outcome = try intakeOutcome(mode: "enforce")
        XCTAssertEqual(outcome.gates.map(\.name), ["required_checks", "policy_eval"])
        XCTAssertFalse(outcome.allowed)
        XCTAssertEqual(outcome.errors.map(\.code), ["LP_POLICY_DENY"])
        XCTAssertEqual(outcome.warnings.map(\.code), ["LP_POLICY_WARN"])
    }

    func testWarnModeRecordsDenialsAsWarnings() throws {
        let outcome = try intakeOutcome(mode: "warn")
        XCTAssertTrue(outcome.allowed)
        XCTAssertEqual(outcome.errors.map(\.code), [])
        XCTAssertEqual(outcome.warnings.map(\.code), ["LP_POLICY_DENY", "LP_POLICY_WARN"])
        XCTAssertEqual(outcome.warnings.first?.message,
                       "rule t.card/deny_prerelease denies this change: because deny_prerelease (policy_mode warn: recorded, not enforced)")
        XCTAssertEqual(outcome.warnings.last?.message, "rule t.card/warn_t warns: because warn_t", "warnings are kept as they are")
    }

    func testWarnModeDoesNotWaiveOtherGates() throws {
        let outcome = try intakeOutcome(mode: "warn", checks: ["x07_wasm_app_verify", "x07_custom_check"])
        XCTAssertFalse(outcome.allowed)
        XCTAssertEqual(outcome.errors.map(\.code), ["LP_CHECK_UNKNOWN"])
        XCTAssertEqual(outcome.errors.first?.subject, "x07_custom_check")
    }
}
