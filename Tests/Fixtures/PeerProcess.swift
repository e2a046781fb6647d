import Foundation

/// A test peer: a python3 script under Tests/Peers/ started on 127.0.0.1 for one test, which
/// prints the port it bound on its first line. Stopped (SIGTERM) when released.
public final class PeerProcess {
    public struct DidNotStart: Error, CustomStringConvertible {
        public var description: String
    }

    /// Tests/Peers/<name>.
    public static func script(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Peers").appendingPathComponent(name).path
    }

    public let port: Int
    private let process = Process()

    public init(script name: String, arguments: [String] = [], environment: [String: String]? = nil) throws {
        let out = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.script(name)] + arguments
        process.standardOutput = out
        if let environment { process.environment = environment }
        try process.run()
        var line = Data()
        while let byte = try out.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) {
            line.append(byte)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self)) else {
            process.terminate()
            throw DidNotStart(description: "\(name) printed no port: \(String(decoding: line, as: UTF8.self))")
        }
        self.port = port
    }

    deinit {
        process.terminate()
        process.waitUntilExit()
    }

    /// True when `python3 -c "import <module>"` works (tests needing it skip otherwise).
    public static func pythonHas(_ module: String) -> Bool {
        (try? run("/usr/bin/env", ["python3", "-c", "import " + module]).status) == 0
    }

    /// Runs a command to completion: exit status and stdout.
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, stdout: String) {
        let process = Process()
        let out = Pipe()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

/// A self-signed P-256 certificate for 127.0.0.1, made with the openssl CLI, and the
/// `sha256//…` pin of its public key.
public struct LoopbackCertificate {
    public let certificatePath: String
    public let keyPath: String
    public let pin: String

    public init(directory: String) throws {
        certificatePath = directory + "/cert.pem"
        keyPath = directory + "/key.pem"
        let made = try PeerProcess.run("/usr/bin/env", [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", keyPath, "-out", certificatePath, "-days", "2", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1"])
        guard made.status == 0 else { throw PeerProcess.DidNotStart(description: "openssl req failed") }
        let pin = try PeerProcess.run("/bin/sh", ["-c",
            "openssl x509 -in '\(certificatePath)' -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64"])
        self.pin = "sha256//" + pin.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
