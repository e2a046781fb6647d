import LPCore
import Foundation

/// `x07lpd init --dev-ca`: a private CA and a server certificate for localhost and 127.0.0.1,
/// made with the openssl command (P-256 keys, files 0600 under `.x07lpd/tls/`). For tests and
/// a first hour; a real deployment brings its own certificate.
enum DevCA {
    static func make(in directory: String) throws -> (ca: String, cert: String, key: String) {
        let openssl = try DaemonProcesses.program("openssl")
        let ca = directory + "/ca.pem", caKey = directory + "/ca.key", cert = directory + "/server.pem"
        let key = directory + "/server.key", csr = directory + "/server.csr", ext = directory + "/server.ext"
        let curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
        try step(openssl, ["req", "-x509"] + curve + ["-keyout", caKey, "-out", ca, "-days", "3650", "-subj", "/CN=x07lpd dev CA",
                                                      "-addext", "basicConstraints=critical,CA:TRUE",
                                                      "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
        try step(openssl, ["req"] + curve + ["-keyout", key, "-out", csr, "-subj", "/CN=localhost"])
        try Data("subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n".utf8)
            .write(to: URL(fileURLWithPath: ext))
        try step(openssl, ["x509", "-req", "-in", csr, "-CA", ca, "-CAkey", caKey, "-CAcreateserial", "-out", cert,
                           "-days", "825", "-extfile", ext])
        for file in [caKey, key] { chmod(file, 0o600) }
        for file in [csr, ext, directory + "/ca.srl"] { unlink(file) }
        return (ca, cert, key)
    }

    static func step(_ openssl: String, _ arguments: [String]) throws {
        let (status, output) = try DaemonProcesses.run(openssl, arguments)
        guard status == 0 else { throw LPError(.internalError, code: "LP_DAEMON_TLS_FAILED", "openssl \(arguments[0]) failed: \(output)") }
    }
}
