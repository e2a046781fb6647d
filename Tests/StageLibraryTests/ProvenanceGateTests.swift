@testable import LPCore
@testable import LPModel
@testable import LPValidate
import Foundation
import XCTest

/// The provenance gate: a DSSE envelope around an in-toto v1 / SLSA v1 statement, signed with the
/// test-only keys of examples/hello/keys. Each failure has its own code.
final class ProvenanceGateTests: XCTestCase {
    static let payloadType = "application/vnd.in-toto+json"
    /// SHA-256 of the raw 32-byte public keys, computed with
    /// `openssl pkey -pubin -in KEY.pub.pem -outform DER | tail -c 32 | sha256sum`.
    static let testKeyId = "57a896319ee6919ebcbaa02bd84bc638199f95bc192fab7f93c0e7083b173d3b"
    static let otherKeyId = "617fd8688bd716aa2da6ac800953d980ac643d2bb79fab8b23977fcd1cc767e6"
    static let manifest: JSON = ["schema_version": "x07.app.pack@0.1.0", "app_id": "t.app"]

    var fixtures: GateFixtures!
    var testKey: Ed25519.PrivateKey!
    var otherKey: Ed25519.PrivateKey!
    var subjects: ProvenanceGate.Subjects!

    override func setUpWithError() throws {
        fixtures = try GateFixtures()
        let keys = GateFixtures.projectRoot.appendingPathComponent("examples/hello/keys")
        testKey = try Ed25519.privateKey(pem: [UInt8](Data(contentsOf: keys.appendingPathComponent("test-signing.key.pem"))))
        otherKey = try Ed25519.privateKey(pem: [UInt8](Data(contentsOf: keys.appendingPathComponent("other-signing.key.pem"))))
        let hello = GateFixtures.projectRoot.appendingPathComponent("examples/hello")
        subjects = ProvenanceGate.Subjects(
            manifest: DigestRef(of: Self.manifest),
            ops: try ContractDocument(path: hello.appendingPathComponent("ops/canary.json").path,
                                      contract: "x07.app.ops.profile@0.1.0", catalog: fixtures.catalog),
            slo: try ContractDocument(path: hello.appendingPathComponent("slo.json").path,
                                      contract: "x07.slo.profile@0.1.0", catalog: fixtures.catalog))
    }

    override func tearDownWithError() throws {
        fixtures.remove()
    }

    /// DSSE v1 pre-authentication encoding, written out here rather than taken from the gate.
    static func pae(_ body: [UInt8]) -> [UInt8] {
        Array("DSSEv1 28 application/vnd.in-toto+json \(body.count) ".utf8) + body
    }

    func makeStatement(subject: String? = nil, builder: String = "https://x07lp.dev/builders/test",
                   predicateType: String = "https://slsa.dev/provenance/v1", opsPin: String? = nil) -> JSON {
        [
            "_type": "https://in-toto.io/Statement/v1",
            "subject": [["name": "app.pack.json", "digest": ["sha256": .string(subject ?? subjects.manifest.sha256)]]],
            "predicateType": .string(predicateType),
            "predicate": [
                "buildDefinition": ["buildType": "https://x07lp.dev/test/v1", "externalParameters": [:],
                                    "internalParameters": [:], "resolvedDependencies": []],
                "runDetails": ["builder": ["id": .string(builder)],
                               "metadata": ["startedOn": "2026-01-01T00:00:00Z", "finishedOn": "2026-01-01T00:00:01Z"]],
                "x07": ["pack_manifest_sha256": .string(subjects.manifest.sha256),
                        "ops_profile_sha256": .string(opsPin ?? subjects.ops!.rawDigest.sha256),
                        "slo_profile_sha256": .string(subjects.slo!.rawDigest.sha256)],
            ],
        ]
    }

    /// An envelope carrying `payload`, with a signature over `signed` (the payload unless tampered).
    func envelope(_ payload: JSON, signedPayload: JSON? = nil, key: Ed25519.PrivateKey, keyId: String?,
                  type: String = ProvenanceGateTests.payloadType) throws -> ContractDocument {
        let signature = try Ed25519.sign(Self.pae((signedPayload ?? payload).canonicalBytes), with: key)
        var entry: JSON = ["sig": .string(Data(signature).base64EncodedString())]
        if let keyId { entry = entry.setting("keyid", .string(keyId)) }
        return try fixtures.load("envelope.json", [
            "payloadType": .string(type), "payload": .string(Data(payload.canonicalBytes).base64EncodedString()),
            "signatures": [entry],
        ], as: "x07.provenance.dsse.envelope@0.1.0")
    }

    func check(_ envelope: ContractDocument, trusted: [Ed25519.PublicKey]? = nil) -> (codes: [String], findings: [Finding], statement: JSON?) {
        let (findings, statement) = ProvenanceGate.check(envelope: envelope, trustedKeys: trusted ?? [testKey.publicKey],
                                                         catalog: fixtures.catalog, subjects: subjects)
        return (findings.map(\.code), findings, statement)
    }

    func testTestKeysHaveTheirPublishedIds() {
        XCTAssertEqual(testKey.publicKey.keyId, Self.testKeyId)
        XCTAssertEqual(otherKey.publicKey.keyId, Self.otherKeyId)
    }

    func testPreAuthenticationEncoding() {
        XCTAssertEqual(ProvenanceGate.pae(type: Self.payloadType, body: Array("{}".utf8)),
                       Array("DSSEv1 28 application/vnd.in-toto+json 2 {}".utf8))
        XCTAssertEqual(ProvenanceGate.pae(type: "t", body: []), Array("DSSEv1 1 t 0 ".utf8))
    }

    func testEnvelopeSignedByATrustedKeyPasses() throws {
        let statement = makeStatement()
        let result = check(try envelope(statement, key: testKey, keyId: Self.testKeyId))
        XCTAssertEqual(result.codes, ["LP_PROVENANCE_SIGNATURE_OK", "LP_PROVENANCE_SUBJECT_OK"])
        XCTAssertEqual(result.findings.first?.subject, Self.testKeyId)
        XCTAssertFalse(result.findings.contains { $0.severity == .error })
        XCTAssertEqual(result.statement, statement)

        // Without a keyid hint every trusted key is tried; the second of two trusted keys is found.
        let second = check(try envelope(statement, key: otherKey, keyId: nil), trusted: [testKey.publicKey, otherKey.publicKey])
        XCTAssertEqual(second.codes, ["LP_PROVENANCE_SIGNATURE_OK", "LP_PROVENANCE_SUBJECT_OK"])
        XCTAssertEqual(second.findings.first?.subject, Self.otherKeyId)
    }

    func testSignatureByAnUntrustedKeyFails() throws {
        let withHint = check(try envelope(makeStatement(), key: otherKey, keyId: Self.otherKeyId))
        XCTAssertEqual(withHint.codes, ["LP_PROVENANCE_UNTRUSTED_KEY", "LP_PROVENANCE_SUBJECT_OK"])
        XCTAssertEqual(withHint.findings.first?.severity, .error)
        let withoutHint = check(try envelope(makeStatement(), key: otherKey, keyId: nil))
        XCTAssertEqual(withoutHint.codes, ["LP_PROVENANCE_UNTRUSTED_KEY", "LP_PROVENANCE_SUBJECT_OK"])
    }

    func testNoTrustedKeyFails() throws {
        XCTAssertEqual(check(try envelope(makeStatement(), key: testKey, keyId: Self.testKeyId), trusted: []).codes,
                       ["LP_PROVENANCE_NO_TRUSTED_KEY", "LP_PROVENANCE_SUBJECT_OK"])
    }

    func testTamperedPayloadFails() throws {
        let tampered = check(try envelope(makeStatement(builder: "https://evil.example/builder"), signedPayload: makeStatement(),
                                          key: testKey, keyId: Self.testKeyId))
        XCTAssertEqual(tampered.codes, ["LP_PROVENANCE_SIGNATURE_INVALID", "LP_PROVENANCE_SUBJECT_OK"])
        XCTAssertEqual(tampered.findings.first?.severity, .error)
    }

    func testSubjectDigestMismatchFails() throws {
        let result = check(try envelope(makeStatement(subject: String(repeating: "0", count: 64)), key: testKey, keyId: Self.testKeyId))
        XCTAssertEqual(result.codes, ["LP_PROVENANCE_SIGNATURE_OK", "LP_PROVENANCE_SUBJECT_MISMATCH"])
        XCTAssertEqual(result.findings.last?.severity, .error)
    }

    func testPinnedFileDigestMismatchFails() throws {
        let result = check(try envelope(makeStatement(opsPin: String(repeating: "f", count: 64)), key: testKey, keyId: Self.testKeyId))
        XCTAssertEqual(result.codes, ["LP_PROVENANCE_SIGNATURE_OK", "LP_PROVENANCE_SUBJECT_OK", "LP_PROVENANCE_DIGEST_MISMATCH"])
        XCTAssertEqual(result.findings.last?.subject, "ops_profile_sha256")
    }

    func testWrongPayloadOrPredicateTypeFails() throws {
        let payloadType = check(try envelope(makeStatement(), key: testKey, keyId: Self.testKeyId, type: "application/json"))
        XCTAssertEqual(payloadType.codes, ["LP_PROVENANCE_PAYLOAD_TYPE"])
        XCTAssertNil(payloadType.statement)

        let predicate = check(try envelope(makeStatement(predicateType: "https://example.com/other/v1"), key: testKey, keyId: Self.testKeyId))
        XCTAssertEqual(predicate.codes, ["LP_PROVENANCE_SIGNATURE_OK", "LP_PROVENANCE_PREDICATE_TYPE", "LP_PROVENANCE_SUBJECT_OK"])
    }

    func testPayloadThatIsNoStatementFails() throws {
        let result = check(try envelope(["hello": "world"], key: testKey, keyId: Self.testKeyId))
        XCTAssertEqual(result.codes, ["LP_PROVENANCE_SIGNATURE_OK", "LP_PROVENANCE_STATEMENT_INVALID"])
        XCTAssertNil(result.statement)
    }
}
