import LPCore
import Foundation
import XCTest

/// A real OCI registry for a test: Debian's `docker-registry` (the CNCF distribution registry) in
/// the foreground on a free loopback port, HTTPS with the certificate given, htpasswd (bcrypt)
/// Basic auth for one user, storage in a temporary directory. `stop()` ends it.
final class RegistryHarness {
    static let binary = "/usr/bin/docker-registry"
    let host: String
    let username: String
    let password: String
    let ca: String
    private let process = Process()

    /// `certificate`/`key`: a server certificate for 127.0.0.1 signed by `ca`.
    init(certificate: String, key: String, ca: String) throws {
        guard access(Self.binary, X_OK) == 0, access("/usr/bin/htpasswd", X_OK) == 0 else {
            throw XCTSkip("docker-registry and htpasswd are not installed (scripts/bootstrap installs them)")
        }
        let dir = StageProcess.temporaryDirectory() + "/registry"
        try FileManager.default.createDirectory(atPath: dir + "/data", withIntermediateDirectories: true)
        username = "ci-pusher"
        password = "oci-" + Hex.encode(try AESGCM.randomBytes(12))
        self.ca = ca
        let hashed = try StageProcess.run("/usr/bin/htpasswd", ["-B", "-b", "-n", username, password])
        XCTAssertEqual(hashed.status, 0, hashed.stderr)
        try Data(hashed.stdout).write(to: URL(fileURLWithPath: dir + "/htpasswd"))
        let port = try DaemonHarness.freePort()
        host = "127.0.0.1:\(port)"
        let config = """
        version: 0.1
        log:
          level: error
          accesslog:
            disabled: true
        storage:
          filesystem:
            rootdirectory: \(dir)/data
        http:
          addr: \(host)
          secret: \(Hex.encode(try AESGCM.randomBytes(16)))
          tls:
            certificate: \(certificate)
            key: \(key)
        auth:
          htpasswd:
            realm: x07lp-test
            path: \(dir)/htpasswd
        """
        try Data(config.utf8).write(to: URL(fileURLWithPath: dir + "/config.yml"))
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = ["serve", dir + "/config.yml"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        // Ready when /v2/ asks for credentials (about 0.1 s).
        for _ in 0..<100 {
            if (try? request("GET", "/v2/", authenticated: false).status) == 401 { return }
            usleep(50_000)
        }
        stop()
        throw XCTSkip("docker-registry did not start on \(host)")
    }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    deinit { stop() }

    /// One request with curl (trusting the test CA): status and body.
    func request(_ method: String, _ path: String, authenticated: Bool = true, accept: String? = nil) throws -> (status: Int, body: [UInt8]) {
        var arguments = ["-s", "--cacert", ca, "-X", method, "-o", "-", "-w", "\n%{http_code}", "https://" + host + path]
        if authenticated { arguments += ["-u", username + ":" + password] }
        if let accept { arguments += ["-H", "Accept: " + accept] }
        let result = try StageProcess.run("/usr/bin/curl", arguments)
        let bytes = result.stdout
        guard let newline = bytes.lastIndex(of: 0x0A), let status = Int(String(decoding: bytes[(newline + 1)...], as: UTF8.self)) else {
            return (0, [])
        }
        return (status, Array(bytes[..<newline]))
    }
}
