import LPCore
import TestFixtures
import Foundation
import XCTest

/// ES256 and RS256 JWTs through libcrypto, checked with the openssl CLI (the live store
/// providers' stand-in verifies them too: DeviceLiveProviderTests).
final class JWTSignerTests: XCTestCase {
    func key(_ args: [String], in dir: String, name: String) throws -> (pem: [UInt8], publicPath: String) {
        XCTAssertEqual(try PeerProcess.run("/usr/bin/env", ["openssl", "genpkey"] + args + ["-out", "\(dir)/\(name).pem"]).status, 0)
        XCTAssertEqual(try PeerProcess.run("/usr/bin/env", ["openssl", "pkey", "-in", "\(dir)/\(name).pem", "-pubout",
                                                            "-out", "\(dir)/\(name).pub"]).status, 0)
        return ([UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(dir)/\(name).pem"))), "\(dir)/\(name).pub")
    }

    func testTokensOfBothAlgorithmsVerifyWithOpenSSL() throws {
        let dir = NSTemporaryDirectory() + "/x07lp-jwt-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let rsa = try key(["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"], in: dir, name: "rsa")
        let ec = try key(["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"], in: dir, name: "ec")
        for (pem, publicPath, algorithm, length) in [(rsa.pem, rsa.publicPath, "RS256", 256), (ec.pem, ec.publicPath, "ES256", 64)] {
            let signer = try JWTSigner(pem: pem)
            XCTAssertEqual(signer.algorithm.rawValue, algorithm)
            let token = try signer.token(header: ["kid": "k1"], claims: ["iss": "me", "iat": 1])
            let parts = token.split(separator: ".").map(String.init)
            XCTAssertEqual(parts.count, 3)
            XCTAssertFalse(token.contains("=") || token.contains("+") || token.contains("/"), "base64url without padding")
            let header = try JSONParser.parse([UInt8](try XCTUnwrap(Data(base64Encoded: parts[0] + String(repeating: "=", count: (4 - parts[0].count % 4) % 4)))))
            XCTAssertEqual(header, ["alg": .string(algorithm), "typ": "JWT", "kid": "k1"])
            let message = Array((parts[0] + "." + parts[1]).utf8)
            let signature = try signer.sign(message)
            XCTAssertEqual(signature.count, length)
            // openssl verifies DER ECDSA signatures: check RS256 directly, ES256 via the DER libcrypto made.
            if algorithm == "RS256" {
                try Data(message).write(to: URL(fileURLWithPath: dir + "/message"))
                try Data(signature).write(to: URL(fileURLWithPath: dir + "/signature"))
                let verified = try PeerProcess.run("/usr/bin/env", ["openssl", "dgst", "-sha256", "-verify", publicPath,
                                                                    "-signature", dir + "/signature", dir + "/message"])
                XCTAssertEqual(verified.status, 0, verified.stdout)
            }
        }
        let ed = try key(["-algorithm", "ed25519"], in: dir, name: "ed")
        XCTAssertThrowsError(try JWTSigner(pem: ed.pem))
        let small = try key(["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"], in: dir, name: "small")
        XCTAssertThrowsError(try JWTSigner(pem: small.pem)) { XCTAssertFalse("\($0)".contains("PRIVATE")) }
        XCTAssertThrowsError(try JWTSigner(pem: Array("-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n".utf8)))
    }
}
