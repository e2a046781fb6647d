import CCrypto

/// AES-256-GCM through libcrypto's EVP interface: a 32-byte key, a 12-byte random nonce, the
/// 16-byte tag appended to the ciphertext. Used for the daemon's secret store at rest.
public enum AESGCM {
    public struct CryptoError: Error, CustomStringConvertible {
        public let description: String
    }

    public static func randomBytes(_ count: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        guard crypto.RAND_bytes(&bytes, Int32(count)) == 1 else { throw CryptoError(description: "RAND_bytes failed") }
        return bytes
    }

    /// (nonce, ciphertext + tag) of `plaintext` under `key`.
    public static func seal(_ plaintext: [UInt8], key: [UInt8]) throws -> (nonce: [UInt8], sealed: [UInt8]) {
        guard key.count == 32 else { throw CryptoError(description: "an AES-256 key is 32 bytes") }
        let nonce = try randomBytes(12)
        guard let ctx = crypto.EVP_CIPHER_CTX_new() else { throw CryptoError(description: "EVP_CIPHER_CTX_new failed") }
        defer { crypto.EVP_CIPHER_CTX_free(ctx) }
        var out = [UInt8](repeating: 0, count: plaintext.count + 16)
        var length: Int32 = 0
        var total = 0
        guard crypto.EVP_EncryptInit_ex(ctx, crypto.EVP_aes_256_gcm(), nil, key, nonce) == 1,
              crypto.EVP_EncryptUpdate(ctx, &out, &length, plaintext, Int32(plaintext.count)) == 1 else {
            throw CryptoError(description: "AES-256-GCM encryption failed")
        }
        total = Int(length)
        let finished = out.withUnsafeMutableBufferPointer { buffer in
            crypto.EVP_EncryptFinal_ex(ctx, buffer.baseAddress! + total, &length)
        }
        guard finished == 1 else { throw CryptoError(description: "AES-256-GCM encryption failed") }
        total += Int(length)
        var tag = [UInt8](repeating: 0, count: 16)
        guard crypto.EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, &tag) == 1 else {
            throw CryptoError(description: "AES-256-GCM tag failed")
        }
        return (nonce, Array(out[0..<total]) + tag)
    }

    /// The plaintext, or an error when the key is wrong or a byte was changed.
    public static func open(_ sealed: [UInt8], nonce: [UInt8], key: [UInt8]) throws -> [UInt8] {
        guard key.count == 32, nonce.count == 12, sealed.count >= 16 else {
            throw CryptoError(description: "AES-256-GCM needs a 32-byte key, a 12-byte nonce and a 16-byte tag")
        }
        let ciphertext = Array(sealed.dropLast(16))
        var tag = Array(sealed.suffix(16))
        guard let ctx = crypto.EVP_CIPHER_CTX_new() else { throw CryptoError(description: "EVP_CIPHER_CTX_new failed") }
        defer { crypto.EVP_CIPHER_CTX_free(ctx) }
        var out = [UInt8](repeating: 0, count: ciphertext.count + 16)
        var length: Int32 = 0
        guard crypto.EVP_DecryptInit_ex(ctx, crypto.EVP_aes_256_gcm(), nil, key, nonce) == 1,
              crypto.EVP_DecryptUpdate(ctx, &out, &length, ciphertext, Int32(ciphertext.count)) == 1,
              crypto.EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, &tag) == 1 else {
            throw CryptoError(description: "AES-256-GCM decryption failed")
        }
        let total = Int(length)
        let finished = out.withUnsafeMutableBufferPointer { buffer in
            crypto.EVP_DecryptFinal_ex(ctx, buffer.baseAddress! + total, &length)
        }
        guard finished == 1 else { throw CryptoError(description: "the secret store does not open with this key (wrong key or changed bytes)") }
        return Array(out[0..<total + Int(length)])
    }
}
