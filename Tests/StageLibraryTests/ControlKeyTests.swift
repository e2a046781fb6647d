@testable import LPCore
@testable import LPState
@testable import LPModel
@testable import LPIndex
@testable import LPStage
@testable import LPValidate
@testable import LPPlan
@testable import LPIncident
@testable import LPApply
@testable import LPRegress
@testable import LPQuery
import Foundation
import XCTest

/// The control signing key (created 0600 on first use, reused, or given with --signing-key) and
/// the signatures it puts on decision records.
final class ControlKeyTests: XCTestCase {
    var root = ""

    override func setUpWithError() throws {
        root = NSTemporaryDirectory() + "lp-keys-\(UUID().uuidString)"
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: root)
    }

    private func mode(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return try XCTUnwrap(attributes[.posixPermissions] as? Int) & 0o777
    }

    private func decision(_ id: String = "lpdec_control0000000000000001") throws -> DecisionRecord {
        try DecisionRecord(decision_id: id, run_id: "lprun_control000000000000000001", created_unix_ms: 1_767_225_600_000,
                           kind: "deploy.pause.manual", outcome: .allow,
                           reasons: [.init(code: "LP_CONTROL_PAUSE", message: "operator pause")], evidence: [],
                           subject: nil, meta: ["reason": "maintenance window"])
    }

    func testKeyIsCreatedPrivateOnFirstUseAndReused() throws {
        let state = StateDirectory(root: root)
        let first = try ControlSigner.load(state: state, signingKeyPath: nil)
        XCTAssertEqual(try mode(state.path(ControlSigner.privateKeyFile)), 0o600)
        XCTAssertEqual(try mode(state.path(StateDirectory.keys)), 0o700)
        XCTAssertEqual(try mode(state.path(ControlSigner.publicKeyFile)) & 0o600, 0o600)
        let pem = try state.read(ControlSigner.privateKeyFile)
        XCTAssertTrue(String(decoding: pem, as: UTF8.self).hasPrefix("-----BEGIN PRIVATE KEY-----"))
        XCTAssertEqual(try Ed25519.privateKey(pem: pem).publicKey, first.publicKey)
        XCTAssertEqual(try Ed25519.publicKey(pem: state.read(ControlSigner.publicKeyFile)), first.publicKey)

        let second = try ControlSigner.load(state: state, signingKeyPath: nil)
        XCTAssertEqual(second.keyId, first.keyId)
        XCTAssertEqual(try state.read(ControlSigner.privateKeyFile), pem)
        XCTAssertEqual(DecisionSignatures.trustedKeys(state: state), [first.publicKey])
    }

    func testMissingPublicKeyIsRestoredFromThePrivateKey() throws {
        let state = StateDirectory(root: root)
        let signer = try ControlSigner.load(state: state, signingKeyPath: nil)
        try FileManager.default.removeItem(atPath: state.path(ControlSigner.publicKeyFile))
        XCTAssertEqual(try ControlSigner.load(state: state, signingKeyPath: nil).keyId, signer.keyId)
        XCTAssertEqual(try Ed25519.publicKey(pem: state.read(ControlSigner.publicKeyFile)), signer.publicKey)
    }

    func testSigningKeyFileIsUsedAndItsPublicKeyRecorded() throws {
        let state = StateDirectory(root: root)
        let key = try Ed25519.generate()
        let keyFile = NSTemporaryDirectory() + "lp-signing-\(UUID().uuidString).pem"
        defer { try? FileManager.default.removeItem(atPath: keyFile) }
        try AtomicFile.write(key.pem(), to: keyFile, mode: 0o600)

        let signer = try ControlSigner.load(state: state, signingKeyPath: keyFile)
        XCTAssertEqual(signer.keyId, key.publicKey.keyId)
        XCTAssertFalse(state.exists(ControlSigner.privateKeyFile), "no state key is created when --signing-key is given")
        XCTAssertEqual(DecisionSignatures.trustedKeys(state: state), [key.publicKey])
        let signed = try signer.sign(decision())
        XCTAssertEqual(DecisionSignatures.verify(try JSON(encoding: signed), trustedKeys: [key.publicKey]), .valid)
    }

    func testUnreadableSigningKeyIsRefused() throws {
        let state = StateDirectory(root: root)
        XCTAssertThrowsError(try ControlSigner.load(state: state, signingKeyPath: root + "/absent.pem")) { error in
            XCTAssertEqual((error as? LPError)?.diagnostics.first?.code, "LP_NOT_FOUND")
        }
        let notAKey = NSTemporaryDirectory() + "lp-not-a-key-\(UUID().uuidString).pem"
        defer { try? FileManager.default.removeItem(atPath: notAKey) }
        try AtomicFile.write(Array("hello".utf8), to: notAKey)
        XCTAssertThrowsError(try ControlSigner.load(state: state, signingKeyPath: notAKey)) { error in
            XCTAssertEqual((error as? LPError)?.exitCode, .invalidInput)
            XCTAssertEqual((error as? LPError)?.diagnostics.first?.code, "LP_KEY_INVALID")
        }
    }

    func testPEMRoundTrips() throws {
        let key = try Ed25519.generate()
        XCTAssertEqual(try Ed25519.privateKey(pem: key.pem()).seed, key.seed)
        let publicPEM = try key.publicKey.pem()
        XCTAssertTrue(String(decoding: publicPEM, as: UTF8.self).hasPrefix("-----BEGIN PUBLIC KEY-----"))
        XCTAssertEqual(try Ed25519.publicKey(pem: publicPEM), key.publicKey)
    }

    func testSignedRecordVerifiesOverItsCanonicalBytesWithoutIntegrity() throws {
        let signer = try ControlSigner(privateKey: Ed25519.generate())
        let signed = try signer.sign(decision())
        let json = try JSON(encoding: signed)
        XCTAssertEqual(DecisionSignatures.verify(json, trustedKeys: [signer.publicKey]), .valid)

        let signedBytes = DecisionSignatures.signedBytes(json)
        guard case .object(var members) = json else { return XCTFail("a decision record is an object") }
        members.removeValue(forKey: "integrity")
        XCTAssertEqual(signedBytes, JSON.object(members).canonicalBytes, "signed bytes = canonical record without integrity")
        XCTAssertEqual(signed.integrity.record_sha256, SHA256.hex(signedBytes))
        XCTAssertEqual(signed.integrity.record_sha256, DecisionRecord.recordSHA256(of: json))
        let signature = try XCTUnwrap(signed.integrity.signatures.first)
        XCTAssertEqual(signature.keyid, signer.keyId)
        let raw = try XCTUnwrap(Data(base64Encoded: signature.sig))
        XCTAssertTrue(Ed25519.verify([UInt8](raw), of: signedBytes, with: signer.publicKey))

        // Re-signing with the same key is idempotent; a second key adds its own signature.
        XCTAssertEqual(try signer.sign(signed), signed)
        let other = try ControlSigner(privateKey: Ed25519.generate())
        let twice = try other.sign(signed)
        XCTAssertEqual(twice.integrity.signatures.count, 2)
        XCTAssertEqual(DecisionSignatures.verify(try JSON(encoding: twice), trustedKeys: [signer.publicKey, other.publicKey]), .valid)
        XCTAssertEqual(DecisionSignatures.verify(try JSON(encoding: twice), trustedKeys: [signer.publicKey]), .unknownKey)
    }

    func testFlippingAnyByteOfTheSignedRecordInvalidatesIt() throws {
        let signer = try ControlSigner(privateKey: Ed25519.generate())
        let bytes = try JSON(encoding: signer.sign(decision())).canonicalBytes
        let keyIdRange = try XCTUnwrap(String(decoding: bytes, as: UTF8.self).range(of: signer.keyId))
        let text = String(decoding: bytes, as: UTF8.self)
        let keyIdBytes = text.utf8.distance(from: text.startIndex, to: keyIdRange.lowerBound)
            ..< text.utf8.distance(from: text.startIndex, to: keyIdRange.upperBound)
        var parsed = 0
        for index in bytes.indices {
            var tampered = bytes
            tampered[index] ^= 0x01
            guard let json = try? JSONParser.parse(tampered) else { continue }
            parsed += 1
            let status = DecisionSignatures.verify(json, trustedKeys: [signer.publicKey])
            if keyIdBytes.contains(index) {
                XCTAssertTrue([.invalid, .unknownKey].contains(status), "byte \(index): \(status)")
            } else {
                XCTAssertEqual(status, .invalid, "byte \(index) flipped: \(String(decoding: tampered, as: UTF8.self))")
            }
        }
        XCTAssertGreaterThan(parsed, bytes.count / 2, "most flips should still parse, so the check means something")
    }

    func testUnsignedAndUnknownKeyAndWrongDigest() throws {
        let signer = try ControlSigner(privateKey: Ed25519.generate())
        let unsigned = try JSON(encoding: decision())
        XCTAssertEqual(DecisionSignatures.verify(unsigned, trustedKeys: [signer.publicKey]), .unsigned)

        let signed = try JSON(encoding: signer.sign(decision()))
        let stranger = try Ed25519.generate().publicKey
        XCTAssertEqual(DecisionSignatures.verify(signed, trustedKeys: [stranger]), .unknownKey)
        XCTAssertEqual(DecisionSignatures.verify(signed, trustedKeys: []), .unknownKey)

        let wrongDigest = unsigned.setting("integrity", ["record_sha256": .string(String(repeating: "0", count: 64)), "signatures": []])
        XCTAssertEqual(DecisionSignatures.verify(wrongDigest, trustedKeys: []), .invalid)
        XCTAssertEqual(DecisionSignatures.verify(unsigned.setting("integrity", .null), trustedKeys: []), .invalid)
    }

    func testSignatureWithoutKeyIdIsCheckedAgainstEveryTrustedKey() throws {
        let signer = try ControlSigner(privateKey: Ed25519.generate())
        var record = try signer.sign(decision())
        record.integrity.signatures[0].keyid = nil
        let json = try JSON(encoding: record)
        XCTAssertEqual(DecisionSignatures.verify(json, trustedKeys: [try Ed25519.generate().publicKey, signer.publicKey]), .valid)
        XCTAssertEqual(DecisionSignatures.verify(json, trustedKeys: [try Ed25519.generate().publicKey]), .unknownKey)
    }
}
