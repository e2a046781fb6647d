import XCTest
import CCrypto
@testable import LPCore

/// LibCrypto resolves libcrypto's functions by name at run time, where the compiler cannot see a
/// signature that differs from the header. This target links libcrypto the ordinary way: each
/// loaded function is passed beside the header's own declaration as the same type (a compile
/// error when they differ) and must be the very function the linker bound.
final class LibCryptoSignatureTests: XCTestCase {
    private var mismatches: [String] = []

    private func same<Function>(_ name: String, _ loaded: Function, _ declared: Function) {
        if unsafeBitCast(loaded, to: UnsafeRawPointer.self) != unsafeBitCast(declared, to: UnsafeRawPointer.self) {
            mismatches.append(name)
        }
    }

    func testEveryLoadedFunctionIsTheHeadersDeclaration() {
        let c = crypto
        same("EVP_MD_CTX_new", c.EVP_MD_CTX_new, EVP_MD_CTX_new)
        same("EVP_MD_CTX_free", c.EVP_MD_CTX_free, EVP_MD_CTX_free)
        same("EVP_sha256", c.EVP_sha256, EVP_sha256)
        same("EVP_DigestInit_ex", c.EVP_DigestInit_ex, EVP_DigestInit_ex)
        same("EVP_DigestUpdate", c.EVP_DigestUpdate, EVP_DigestUpdate)
        same("EVP_DigestFinal_ex", c.EVP_DigestFinal_ex, EVP_DigestFinal_ex)
        same("EVP_DigestSignInit", c.EVP_DigestSignInit, EVP_DigestSignInit)
        same("EVP_DigestSign", c.EVP_DigestSign, EVP_DigestSign)
        same("EVP_DigestVerifyInit", c.EVP_DigestVerifyInit, EVP_DigestVerifyInit)
        same("EVP_DigestVerify", c.EVP_DigestVerify, EVP_DigestVerify)
        same("EVP_PKEY_new_raw_private_key", c.EVP_PKEY_new_raw_private_key, EVP_PKEY_new_raw_private_key)
        same("EVP_PKEY_new_raw_public_key", c.EVP_PKEY_new_raw_public_key, EVP_PKEY_new_raw_public_key)
        same("EVP_PKEY_get_raw_private_key", c.EVP_PKEY_get_raw_private_key, EVP_PKEY_get_raw_private_key)
        same("EVP_PKEY_get_raw_public_key", c.EVP_PKEY_get_raw_public_key, EVP_PKEY_get_raw_public_key)
        same("EVP_PKEY_get_base_id", c.EVP_PKEY_get_base_id, EVP_PKEY_get_base_id)
        same("EVP_PKEY_get_bits", c.EVP_PKEY_get_bits, EVP_PKEY_get_bits)
        same("EVP_PKEY_free", c.EVP_PKEY_free, EVP_PKEY_free)
        same("EVP_CIPHER_CTX_new", c.EVP_CIPHER_CTX_new, EVP_CIPHER_CTX_new)
        same("EVP_CIPHER_CTX_free", c.EVP_CIPHER_CTX_free, EVP_CIPHER_CTX_free)
        same("EVP_CIPHER_CTX_ctrl", c.EVP_CIPHER_CTX_ctrl, EVP_CIPHER_CTX_ctrl)
        same("EVP_aes_256_gcm", c.EVP_aes_256_gcm, EVP_aes_256_gcm)
        same("EVP_EncryptInit_ex", c.EVP_EncryptInit_ex, EVP_EncryptInit_ex)
        same("EVP_EncryptUpdate", c.EVP_EncryptUpdate, EVP_EncryptUpdate)
        same("EVP_EncryptFinal_ex", c.EVP_EncryptFinal_ex, EVP_EncryptFinal_ex)
        same("EVP_DecryptInit_ex", c.EVP_DecryptInit_ex, EVP_DecryptInit_ex)
        same("EVP_DecryptUpdate", c.EVP_DecryptUpdate, EVP_DecryptUpdate)
        same("EVP_DecryptFinal_ex", c.EVP_DecryptFinal_ex, EVP_DecryptFinal_ex)
        same("RAND_bytes", c.RAND_bytes, RAND_bytes)
        same("BIO_new", c.BIO_new, BIO_new)
        same("BIO_new_mem_buf", c.BIO_new_mem_buf, BIO_new_mem_buf)
        same("BIO_s_mem", c.BIO_s_mem, BIO_s_mem)
        same("BIO_ctrl", c.BIO_ctrl, BIO_ctrl)
        same("BIO_free", c.BIO_free, BIO_free)
        same("d2i_ECDSA_SIG", c.d2i_ECDSA_SIG, d2i_ECDSA_SIG)
        same("ECDSA_SIG_get0", c.ECDSA_SIG_get0, ECDSA_SIG_get0)
        same("ECDSA_SIG_free", c.ECDSA_SIG_free, ECDSA_SIG_free)
        same("BN_bn2binpad", c.BN_bn2binpad, BN_bn2binpad)
        XCTAssertEqual(mismatches, [], "loaded from \(LibCrypto.soname), not the linked function")
    }

    /// The PEM functions take a callback pointer, which Swift does not let a header declaration
    /// become a C function value: their signatures are compared as Swift function types (a compile
    /// error when they differ), their addresses through the symbols this process linked.
    func testThePEMFunctionsHaveTheHeadersSignatures() throws {
        typealias ReadPEM = (OpaquePointer?, UnsafeMutablePointer<OpaquePointer?>?, LibCrypto.PasswordCallback?, UnsafeMutableRawPointer?) -> OpaquePointer?
        typealias WriteKey = (OpaquePointer?, OpaquePointer?, OpaquePointer?, UnsafePointer<UInt8>?, Int32, LibCrypto.PasswordCallback?,
                              UnsafeMutableRawPointer?) -> Int32
        let c = crypto
        _ = (PEM_read_bio_PUBKEY as ReadPEM, c.PEM_read_bio_PUBKEY as ReadPEM)
        _ = (PEM_read_bio_PrivateKey as ReadPEM, c.PEM_read_bio_PrivateKey as ReadPEM)
        _ = (PEM_write_bio_PrivateKey as WriteKey, c.PEM_write_bio_PrivateKey as WriteKey)
        let linked = try XCTUnwrap(dlopen(nil, RTLD_NOW))
        let loaded = [("PEM_read_bio_PUBKEY", unsafeBitCast(c.PEM_read_bio_PUBKEY, to: UnsafeRawPointer.self)),
                      ("PEM_read_bio_PrivateKey", unsafeBitCast(c.PEM_read_bio_PrivateKey, to: UnsafeRawPointer.self)),
                      ("PEM_write_bio_PrivateKey", unsafeBitCast(c.PEM_write_bio_PrivateKey, to: UnsafeRawPointer.self))]
        for (name, address) in loaded {
            XCTAssertEqual(dlsym(linked, name).map(UnsafeRawPointer.init), address, name)
        }
    }
}
