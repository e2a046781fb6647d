import CCrypto

/// PEM export of Ed25519 keys, the inverse of `Ed25519.privateKey(pem:)` / `publicKey(pem:)`:
/// PKCS#8 `-----BEGIN PRIVATE KEY-----` (unencrypted) and SPKI `-----BEGIN PUBLIC KEY-----`, the
/// forms `openssl genpkey -algorithm ed25519` and `openssl pkey -pubout` write.
extension Ed25519.PrivateKey {
    public func pem() throws -> [UInt8] {
        guard let pkey = crypto.EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nil, seed, 32) else {
            throw Ed25519.KeyError(description: "cannot load the Ed25519 private key")
        }
        defer { crypto.EVP_PKEY_free(pkey) }
        return try Ed25519.writePEM { crypto.PEM_write_bio_PrivateKey($0, pkey, nil, nil, 0, nil, nil) }
    }
}

extension Ed25519.PublicKey {
    public func pem() throws -> [UInt8] {
        guard let pkey = crypto.EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, raw, 32) else {
            throw Ed25519.KeyError(description: "cannot load the Ed25519 public key")
        }
        defer { crypto.EVP_PKEY_free(pkey) }
        return try Ed25519.writePEM { crypto.PEM_write_bio_PUBKEY($0, pkey) }
    }
}

extension Ed25519 {
    /// Runs a `PEM_write_bio_*` call against a memory BIO and returns what it wrote.
    static func writePEM(_ write: (OpaquePointer) -> Int32) throws -> [UInt8] {
        guard let bio = crypto.BIO_new(crypto.BIO_s_mem()) else { throw KeyError(description: "BIO_new failed") }
        defer { crypto.BIO_free(bio) }
        guard write(bio) == 1 else { throw KeyError(description: "PEM encoding failed") }
        // BIO_get_mem_data is a macro for crypto.BIO_ctrl(bio, BIO_CTRL_INFO, 0, &pointer).
        var data: UnsafeMutablePointer<CChar>?
        let length = crypto.BIO_ctrl(bio, BIO_CTRL_INFO, 0, &data)
        guard length > 0, let data else { throw KeyError(description: "PEM encoding produced no bytes") }
        return data.withMemoryRebound(to: UInt8.self, capacity: length) {
            Array(UnsafeBufferPointer(start: $0, count: length))
        }
    }
}
