import CCrypto
#if canImport(Glibc)
import Glibc
#endif

/// The libcrypto (OpenSSL 3) functions x07lp calls, resolved from the system's `libcrypto.so.3`
/// the first time a digest, key or cipher is needed instead of when the process starts. A read
/// view that hashes and verifies nothing never maps libcrypto, whose load-time symbol binding
/// was the largest part of what a query by id cost beyond the sqlite3 CLI (docs/stages.md#start-up);
/// and OpenSSL security updates still apply without a rebuild. CCrypto supplies the headers only.
///
/// Every signature here is checked against the header at compile time by
/// `CoreTests/LibCryptoSignatureTests`, which links libcrypto the ordinary way.
struct LibCrypto: @unchecked Sendable {
    static let soname = "libcrypto.so.3"

    typealias Bytes = UnsafePointer<UInt8>?
    typealias MutableBytes = UnsafeMutablePointer<UInt8>?
    /// `pem_password_cb *`: x07lp passes none (its keys are not encrypted).
    typealias PasswordCallback = @convention(c) (UnsafeMutablePointer<CChar>?, Int32, Int32, UnsafeMutableRawPointer?) -> Int32

    let EVP_MD_CTX_new: @convention(c) () -> OpaquePointer?
    let EVP_MD_CTX_free: @convention(c) (OpaquePointer?) -> Void
    let EVP_sha256: @convention(c) () -> OpaquePointer?
    let EVP_DigestInit_ex: @convention(c) (OpaquePointer?, OpaquePointer?, OpaquePointer?) -> Int32
    let EVP_DigestUpdate: @convention(c) (OpaquePointer?, UnsafeRawPointer?, Int) -> Int32
    let EVP_DigestFinal_ex: @convention(c) (OpaquePointer?, MutableBytes, UnsafeMutablePointer<UInt32>?) -> Int32
    let EVP_DigestSignInit: @convention(c) (OpaquePointer?, UnsafeMutablePointer<OpaquePointer?>?, OpaquePointer?,
                                            OpaquePointer?, OpaquePointer?) -> Int32
    let EVP_DigestSign: @convention(c) (OpaquePointer?, MutableBytes, UnsafeMutablePointer<Int>?, Bytes, Int) -> Int32
    let EVP_DigestVerifyInit: @convention(c) (OpaquePointer?, UnsafeMutablePointer<OpaquePointer?>?, OpaquePointer?,
                                              OpaquePointer?, OpaquePointer?) -> Int32
    let EVP_DigestVerify: @convention(c) (OpaquePointer?, Bytes, Int, Bytes, Int) -> Int32

    let EVP_PKEY_new_raw_private_key: @convention(c) (Int32, OpaquePointer?, Bytes, Int) -> OpaquePointer?
    let EVP_PKEY_new_raw_public_key: @convention(c) (Int32, OpaquePointer?, Bytes, Int) -> OpaquePointer?
    let EVP_PKEY_get_raw_private_key: @convention(c) (OpaquePointer?, MutableBytes, UnsafeMutablePointer<Int>?) -> Int32
    let EVP_PKEY_get_raw_public_key: @convention(c) (OpaquePointer?, MutableBytes, UnsafeMutablePointer<Int>?) -> Int32
    let EVP_PKEY_get_base_id: @convention(c) (OpaquePointer?) -> Int32
    let EVP_PKEY_get_bits: @convention(c) (OpaquePointer?) -> Int32
    let EVP_PKEY_free: @convention(c) (OpaquePointer?) -> Void

    let EVP_CIPHER_CTX_new: @convention(c) () -> OpaquePointer?
    let EVP_CIPHER_CTX_free: @convention(c) (OpaquePointer?) -> Void
    let EVP_CIPHER_CTX_ctrl: @convention(c) (OpaquePointer?, Int32, Int32, UnsafeMutableRawPointer?) -> Int32
    let EVP_aes_256_gcm: @convention(c) () -> OpaquePointer?
    let EVP_EncryptInit_ex: @convention(c) (OpaquePointer?, OpaquePointer?, OpaquePointer?, Bytes, Bytes) -> Int32
    let EVP_EncryptUpdate: @convention(c) (OpaquePointer?, MutableBytes, UnsafeMutablePointer<Int32>?, Bytes, Int32) -> Int32
    let EVP_EncryptFinal_ex: @convention(c) (OpaquePointer?, MutableBytes, UnsafeMutablePointer<Int32>?) -> Int32
    let EVP_DecryptInit_ex: @convention(c) (OpaquePointer?, OpaquePointer?, OpaquePointer?, Bytes, Bytes) -> Int32
    let EVP_DecryptUpdate: @convention(c) (OpaquePointer?, MutableBytes, UnsafeMutablePointer<Int32>?, Bytes, Int32) -> Int32
    let EVP_DecryptFinal_ex: @convention(c) (OpaquePointer?, MutableBytes, UnsafeMutablePointer<Int32>?) -> Int32

    let RAND_bytes: @convention(c) (MutableBytes, Int32) -> Int32

    let BIO_new: @convention(c) (OpaquePointer?) -> OpaquePointer?
    let BIO_new_mem_buf: @convention(c) (UnsafeRawPointer?, Int32) -> OpaquePointer?
    let BIO_s_mem: @convention(c) () -> OpaquePointer?
    let BIO_ctrl: @convention(c) (OpaquePointer?, Int32, Int, UnsafeMutableRawPointer?) -> Int
    let BIO_free: @convention(c) (OpaquePointer?) -> Int32
    let PEM_read_bio_PUBKEY: @convention(c) (OpaquePointer?, UnsafeMutablePointer<OpaquePointer?>?, PasswordCallback?,
                                             UnsafeMutableRawPointer?) -> OpaquePointer?
    let PEM_read_bio_PrivateKey: @convention(c) (OpaquePointer?, UnsafeMutablePointer<OpaquePointer?>?, PasswordCallback?,
                                                 UnsafeMutableRawPointer?) -> OpaquePointer?
    let PEM_write_bio_PUBKEY: @convention(c) (OpaquePointer?, OpaquePointer?) -> Int32
    let PEM_write_bio_PrivateKey: @convention(c) (OpaquePointer?, OpaquePointer?, OpaquePointer?, Bytes, Int32,
                                                  PasswordCallback?, UnsafeMutableRawPointer?) -> Int32

    let d2i_ECDSA_SIG: @convention(c) (UnsafeMutablePointer<OpaquePointer?>?, UnsafeMutablePointer<Bytes>?, Int) -> OpaquePointer?
    let ECDSA_SIG_get0: @convention(c) (OpaquePointer?, UnsafeMutablePointer<OpaquePointer?>?,
                                        UnsafeMutablePointer<OpaquePointer?>?) -> Void
    let ECDSA_SIG_free: @convention(c) (OpaquePointer?) -> Void
    let BN_bn2binpad: @convention(c) (OpaquePointer?, MutableBytes, Int32) -> Int32

    fileprivate init() {
        guard let handle = dlopen(Self.soname, RTLD_NOW | RTLD_LOCAL) else {
            Self.stop("\(Self.soname) could not be loaded (\(Self.lastError)); install Debian's libssl3")
        }
        func load<Function>(_ name: String) -> Function {
            guard let symbol = dlsym(handle, name) else {
                Self.stop("\(Self.soname) has no \(name) (\(Self.lastError)); x07lp needs OpenSSL 3")
            }
            return unsafeBitCast(symbol, to: Function.self)
        }
        EVP_MD_CTX_new = load("EVP_MD_CTX_new")
        EVP_MD_CTX_free = load("EVP_MD_CTX_free")
        EVP_sha256 = load("EVP_sha256")
        EVP_DigestInit_ex = load("EVP_DigestInit_ex")
        EVP_DigestUpdate = load("EVP_DigestUpdate")
        EVP_DigestFinal_ex = load("EVP_DigestFinal_ex")
        EVP_DigestSignInit = load("EVP_DigestSignInit")
        EVP_DigestSign = load("EVP_DigestSign")
        EVP_DigestVerifyInit = load("EVP_DigestVerifyInit")
        EVP_DigestVerify = load("EVP_DigestVerify")
        EVP_PKEY_new_raw_private_key = load("EVP_PKEY_new_raw_private_key")
        EVP_PKEY_new_raw_public_key = load("EVP_PKEY_new_raw_public_key")
        EVP_PKEY_get_raw_private_key = load("EVP_PKEY_get_raw_private_key")
        EVP_PKEY_get_raw_public_key = load("EVP_PKEY_get_raw_public_key")
        EVP_PKEY_get_base_id = load("EVP_PKEY_get_base_id")
        EVP_PKEY_get_bits = load("EVP_PKEY_get_bits")
        EVP_PKEY_free = load("EVP_PKEY_free")
        EVP_CIPHER_CTX_new = load("EVP_CIPHER_CTX_new")
        EVP_CIPHER_CTX_free = load("EVP_CIPHER_CTX_free")
        EVP_CIPHER_CTX_ctrl = load("EVP_CIPHER_CTX_ctrl")
        EVP_aes_256_gcm = load("EVP_aes_256_gcm")
        EVP_EncryptInit_ex = load("EVP_EncryptInit_ex")
        EVP_EncryptUpdate = load("EVP_EncryptUpdate")
        EVP_EncryptFinal_ex = load("EVP_EncryptFinal_ex")
        EVP_DecryptInit_ex = load("EVP_DecryptInit_ex")
        EVP_DecryptUpdate = load("EVP_DecryptUpdate")
        EVP_DecryptFinal_ex = load("EVP_DecryptFinal_ex")
        RAND_bytes = load("RAND_bytes")
        BIO_new = load("BIO_new")
        BIO_new_mem_buf = load("BIO_new_mem_buf")
        BIO_s_mem = load("BIO_s_mem")
        BIO_ctrl = load("BIO_ctrl")
        BIO_free = load("BIO_free")
        PEM_read_bio_PUBKEY = load("PEM_read_bio_PUBKEY")
        PEM_read_bio_PrivateKey = load("PEM_read_bio_PrivateKey")
        PEM_write_bio_PUBKEY = load("PEM_write_bio_PUBKEY")
        PEM_write_bio_PrivateKey = load("PEM_write_bio_PrivateKey")
        d2i_ECDSA_SIG = load("d2i_ECDSA_SIG")
        ECDSA_SIG_get0 = load("ECDSA_SIG_get0")
        ECDSA_SIG_free = load("ECDSA_SIG_free")
        BN_bn2binpad = load("BN_bn2binpad")
    }

    private static var lastError: String { dlerror().map { String(cString: $0) } ?? "no detail" }

    /// A missing or foreign libcrypto is an installation fault, not an input: it is reported the
    /// way every stage reports a fault, and the process ends (a digest has no error path).
    private static func stop(_ message: String) -> Never {
        let line = Array("LP_LIBCRYPTO_MISSING: \(message)\n".utf8)
        _ = line.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
        exit(ExitCode.internalError.rawValue)
    }
}

/// The loaded libcrypto, as the crypto files of LPCore call it: loaded at the first use (a global
/// is initialised once, on first access); a process without libcrypto.so.3 stops there with
/// LP_LIBCRYPTO_MISSING.
let crypto = LibCrypto()
