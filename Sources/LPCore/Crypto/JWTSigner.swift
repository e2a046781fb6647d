import CCrypto
import Foundation

/// Signed JSON Web Tokens (RFC 7519, compact form) with a private key from PEM, through
/// libcrypto: ES256 for an EC P-256 key (App Store Connect API keys), RS256 for an RSA key
/// (Google service accounts). The algorithm follows the key.
public final class JWTSigner: @unchecked Sendable {
    public enum Algorithm: String, Sendable { case es256 = "ES256", rs256 = "RS256" }

    public struct KeyError: Error, CustomStringConvertible {
        public let description: String
    }

    private let key: OpaquePointer
    public let algorithm: Algorithm

    /// A PKCS#8 (`BEGIN PRIVATE KEY`), SEC1 (`BEGIN EC PRIVATE KEY`) or PKCS#1 (`BEGIN RSA PRIVATE
    /// KEY`) private key. Errors never include the key's text.
    public init(pem: [UInt8]) throws {
        let loaded = pem.withUnsafeBytes { buffer -> OpaquePointer? in
            guard let bio = crypto.BIO_new_mem_buf(buffer.baseAddress, Int32(buffer.count)) else { return nil }
            defer { crypto.BIO_free(bio) }
            return crypto.PEM_read_bio_PrivateKey(bio, nil, nil, nil)
        }
        guard let loaded else { throw KeyError(description: "not a PEM private key") }
        switch crypto.EVP_PKEY_get_base_id(loaded) {
        case EVP_PKEY_EC where crypto.EVP_PKEY_get_bits(loaded) == 256: algorithm = .es256
        case EVP_PKEY_RSA where crypto.EVP_PKEY_get_bits(loaded) >= 2048: algorithm = .rs256
        default:
            crypto.EVP_PKEY_free(loaded)
            throw KeyError(description: "the key is neither an EC P-256 nor an RSA (2048 bits or more) private key")
        }
        key = loaded
    }

    deinit { crypto.EVP_PKEY_free(key) }

    /// `base64url(header).base64url(claims).base64url(signature)`; `alg` and `typ` are set in the header.
    public func token(header: JSON = [:], claims: JSON) throws -> String {
        let fullHeader = header.setting("alg", .string(algorithm.rawValue)).setting("typ", "JWT")
        let input = Self.base64URL(fullHeader.canonicalBytes) + "." + Self.base64URL(claims.canonicalBytes)
        return input + "." + Self.base64URL(try sign(Array(input.utf8)))
    }

    /// SHA-256 signature of `message`: PKCS#1 v1.5 for RSA; for EC the JOSE form, r and s as
    /// 32 bytes each (libcrypto produces DER).
    public func sign(_ message: [UInt8]) throws -> [UInt8] {
        guard let ctx = crypto.EVP_MD_CTX_new() else { throw KeyError(description: "EVP_MD_CTX_new failed") }
        defer { crypto.EVP_MD_CTX_free(ctx) }
        var length = 0
        guard crypto.EVP_DigestSignInit(ctx, nil, crypto.EVP_sha256(), nil, key) == 1,
              crypto.EVP_DigestSign(ctx, nil, &length, message, message.count) == 1 else {
            throw KeyError(description: "\(algorithm.rawValue) signing failed")
        }
        var signature = [UInt8](repeating: 0, count: length)
        guard crypto.EVP_DigestSign(ctx, &signature, &length, message, message.count) == 1 else {
            throw KeyError(description: "\(algorithm.rawValue) signing failed")
        }
        signature.removeSubrange(length...)
        return algorithm == .es256 ? try Self.joseSignature(der: signature) : signature
    }

    /// An ECDSA signature in DER as r || s, 32 bytes each.
    static func joseSignature(der: [UInt8]) throws -> [UInt8] {
        let parsed = der.withUnsafeBufferPointer { buffer -> OpaquePointer? in
            var pointer: UnsafePointer<UInt8>? = buffer.baseAddress
            return crypto.d2i_ECDSA_SIG(nil, &pointer, buffer.count)
        }
        guard let parsed else { throw KeyError(description: "libcrypto returned a malformed ECDSA signature") }
        defer { crypto.ECDSA_SIG_free(parsed) }
        var r: OpaquePointer?, s: OpaquePointer?
        crypto.ECDSA_SIG_get0(parsed, &r, &s)
        var out = [UInt8](repeating: 0, count: 64)
        guard let r, let s, crypto.BN_bn2binpad(r, &out, 32) == 32,
              out.withUnsafeMutableBufferPointer({ crypto.BN_bn2binpad(s, $0.baseAddress! + 32, 32) }) == 32 else {
            throw KeyError(description: "ECDSA signature values do not fit 32 bytes")
        }
        return out
    }

    public static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
