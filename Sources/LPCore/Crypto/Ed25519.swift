import CCrypto

/// Ed25519 through libcrypto's EVP interface: raw 32-byte keys, PEM (SPKI / PKCS#8) import.
public enum Ed25519 {
    public struct PublicKey: Equatable, Sendable {
        public let raw: [UInt8]
        /// SHA-256 of the raw key, hex: how records name the key that signed them.
        public var keyId: String { SHA256.hex(raw) }
    }

    public struct PrivateKey: Sendable {
        let seed: [UInt8]
        public let publicKey: PublicKey
    }

    public struct KeyError: Error, CustomStringConvertible {
        public let description: String
    }

    public static func generate() throws -> PrivateKey {
        var seed = [UInt8](repeating: 0, count: 32)
        guard crypto.RAND_bytes(&seed, 32) == 1 else { throw KeyError(description: "RAND_bytes failed") }
        return try privateKey(seed: seed)
    }

    public static func privateKey(seed: [UInt8]) throws -> PrivateKey {
        guard seed.count == 32, let pkey = crypto.EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nil, seed, 32) else {
            throw KeyError(description: "an Ed25519 private key is 32 bytes")
        }
        defer { crypto.EVP_PKEY_free(pkey) }
        var raw = [UInt8](repeating: 0, count: 32)
        var length = 32
        guard crypto.EVP_PKEY_get_raw_public_key(pkey, &raw, &length) == 1, length == 32 else {
            throw KeyError(description: "cannot derive the Ed25519 public key")
        }
        return PrivateKey(seed: seed, publicKey: PublicKey(raw: raw))
    }

    /// Reads an Ed25519 public key from PEM (`-----BEGIN PUBLIC KEY-----`).
    public static func publicKey(pem: [UInt8]) throws -> PublicKey {
        guard let pkey = withPEM(pem, { crypto.PEM_read_bio_PUBKEY($0, nil, nil, nil) }) else {
            throw KeyError(description: "not a PEM public key")
        }
        defer { crypto.EVP_PKEY_free(pkey) }
        guard crypto.EVP_PKEY_get_base_id(pkey) == EVP_PKEY_ED25519 else { throw KeyError(description: "the key is not Ed25519") }
        var raw = [UInt8](repeating: 0, count: 32)
        var length = 32
        guard crypto.EVP_PKEY_get_raw_public_key(pkey, &raw, &length) == 1, length == 32 else {
            throw KeyError(description: "cannot read the raw Ed25519 public key")
        }
        return PublicKey(raw: raw)
    }

    /// Reads an Ed25519 private key from PEM (`-----BEGIN PRIVATE KEY-----`, PKCS#8).
    public static func privateKey(pem: [UInt8]) throws -> PrivateKey {
        guard let pkey = withPEM(pem, { crypto.PEM_read_bio_PrivateKey($0, nil, nil, nil) }) else {
            throw KeyError(description: "not a PEM private key")
        }
        defer { crypto.EVP_PKEY_free(pkey) }
        guard crypto.EVP_PKEY_get_base_id(pkey) == EVP_PKEY_ED25519 else { throw KeyError(description: "the key is not Ed25519") }
        var seed = [UInt8](repeating: 0, count: 32)
        var length = 32
        guard crypto.EVP_PKEY_get_raw_private_key(pkey, &seed, &length) == 1, length == 32 else {
            throw KeyError(description: "cannot read the raw Ed25519 private key")
        }
        return try privateKey(seed: seed)
    }

    public static func sign(_ message: [UInt8], with key: PrivateKey) throws -> [UInt8] {
        guard let pkey = crypto.EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nil, key.seed, 32),
              let ctx = crypto.EVP_MD_CTX_new() else { throw KeyError(description: "cannot load the signing key") }
        defer { crypto.EVP_PKEY_free(pkey); crypto.EVP_MD_CTX_free(ctx) }
        var signature = [UInt8](repeating: 0, count: 64)
        var length = 64
        guard crypto.EVP_DigestSignInit(ctx, nil, nil, nil, pkey) == 1,
              crypto.EVP_DigestSign(ctx, &signature, &length, message, message.count) == 1, length == 64 else {
            throw KeyError(description: "Ed25519 signing failed")
        }
        return signature
    }

    public static func verify(_ signature: [UInt8], of message: [UInt8], with key: PublicKey) -> Bool {
        guard signature.count == 64, let pkey = crypto.EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, key.raw, 32),
              let ctx = crypto.EVP_MD_CTX_new() else { return false }
        defer { crypto.EVP_PKEY_free(pkey); crypto.EVP_MD_CTX_free(ctx) }
        guard crypto.EVP_DigestVerifyInit(ctx, nil, nil, nil, pkey) == 1 else { return false }
        return crypto.EVP_DigestVerify(ctx, signature, 64, message, message.count) == 1
    }

    private static func withPEM(_ pem: [UInt8], _ read: (OpaquePointer) -> OpaquePointer?) -> OpaquePointer? {
        pem.withUnsafeBytes { buffer -> OpaquePointer? in
            guard let bio = crypto.BIO_new_mem_buf(buffer.baseAddress, Int32(buffer.count)) else { return nil }
            defer { crypto.BIO_free(bio) }
            return read(bio)
        }
    }
}
