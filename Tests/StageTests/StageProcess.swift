import LPCore
import LPState
import LPModel
import LPIndex
import LPStage
import LPValidate
import LPPlan
import LPIncident
import LPApply
import LPRegress
import LPQuery
import Foundation
import XCTest

/// Runs a built stage binary (or scripts/x07lp) as a real process: stdin bytes in, exit status,
/// stdout and stderr out. Binaries come from $X07LP_BIN_DIR or the directory of this test bundle.
struct StageResult {
    var status: Int32
    var stdout: [UInt8]
    var stderr: String
    var stdoutText: String { String(decoding: stdout, as: UTF8.self) }

    /// A failed stage prints nothing but its failed lp.cli.report (so a pipe carries the failure
    /// on): true when stdout is exactly that, with this exit code.
    var stdoutIsOnlyTheFailedReport: Bool {
        guard let report = try? JSONParser.parse(stdout) else { return false }
        return report["schema_version"] == "lp.cli.report@0.1.0" && report["ok"] == false
            && report["exit_code"]?.intValue == Int(status) && report["result"] == [:]
    }
}

enum StageProcess {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    static let binDir: String = {
        if let dir = ProcessInfo.processInfo.environment["X07LP_BIN_DIR"] { return dir }
        let bundle = Bundle.main.bundleURL
        for candidate in [bundle, bundle.deletingLastPathComponent()] where
            FileManager.default.isExecutableFile(atPath: candidate.appendingPathComponent("lp-validate").path) {
            return candidate.path
        }
        return repoRoot + "/.build/debug"
    }()

    static var x07lp: String { repoRoot + "/scripts/x07lp" }

    /// Starts a stage with its output discarded, SIGKILLs it after `microseconds` unless it has
    /// ended, and waits; true when the kill came while it ran.
    static func runKilled(after microseconds: Int, _ executable: String, _ arguments: [String]) throws -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ["X07LP_CONTRACTS_DIR": repoRoot + "/contracts"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        usleep(useconds_t(microseconds))
        let killed = process.isRunning
        if killed { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return killed
    }

    /// Runs a stage with its output discarded; true when a signal ended it (the crash hook's
    /// SIGKILL), false when it exited.
    static func runUntilSignal(_ executable: String, _ arguments: [String], environment: [String: String]) throws -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ["X07LP_CONTRACTS_DIR": repoRoot + "/contracts"].merging(environment) { $1 }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationReason == .uncaughtSignal
    }

    /// A child that refuses its input early closes the pipe while we still write to it; that
    /// must be an EPIPE for the writer, not a signal that kills the test runner.
    static let ignoreSIGPIPE: Void = { signal(SIGPIPE, SIG_IGN) }()

    static func binary(_ name: String) -> String { binDir + "/" + name }

    @discardableResult
    static func run(_ executable: String, _ arguments: [String], stdin: [UInt8]? = nil,
                    environment: [String: String] = [:], cwd: String? = nil) throws -> StageResult {
        ignoreSIGPIPE
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["X07LP_BIN_DIR"] = binDir
        env["X07LP_CONTRACTS_DIR"] = repoRoot + "/contracts"
        env.removeValue(forKey: "X07LP_STATE_DIR")
        env.removeValue(forKey: "X07LP_NOW_UNIX_MS")
        for (k, v) in environment { env[k] = v }
        process.environment = env
        if let cwd { process.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        let inPipe = Pipe(), outPipe = Pipe(), errPipe = Pipe()
        process.standardInput = inPipe
        process.standardOutput = outPipe
        process.standardError = errPipe
        try process.run()
        // Feed stdin and drain both outputs concurrently so large documents cannot deadlock.
        let group = DispatchGroup()
        let out = Locked(Data()), err = Locked(Data())
        DispatchQueue.global().async(group: group) { out.update { $0 = outPipe.fileHandleForReading.readDataToEndOfFile() } }
        DispatchQueue.global().async(group: group) { err.update { $0 = errPipe.fileHandleForReading.readDataToEndOfFile() } }
        if let stdin { try? inPipe.fileHandleForWriting.write(contentsOf: Data(stdin)) }
        try? inPipe.fileHandleForWriting.close()
        group.wait()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .exit, "\(executable) \(arguments) died from a signal")
        return StageResult(status: process.terminationStatus, stdout: [UInt8](out.value),
                           stderr: String(decoding: err.value, as: UTF8.self))
    }

    static func x07lp(_ arguments: [String], stdin: [UInt8]? = nil, environment: [String: String] = [:]) throws -> StageResult {
        try run(x07lp, arguments, stdin: stdin, environment: environment)
    }

    /// One scratch root per test process, removed when the process exits.
    static let scratchRoot: String = {
        let root = NSTemporaryDirectory() + "x07lp-tests-\(getpid())"
        try? FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: StageProcess.scratchRoot) }
        return root
    }()

    static func temporaryDirectory() -> String {
        let path = scratchRoot + "/" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

/// `../shared/upstream`, or nil (tests then skip).
enum Upstream {
    static let root: String? = {
        if let env = ProcessInfo.processInfo.environment["X07LP_UPSTREAM_DIR"] {
            return FileManager.default.fileExists(atPath: env) ? env : nil
        }
        let path = URL(fileURLWithPath: StageProcess.repoRoot + "/../shared/upstream").standardizedFileURL.path
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }()

    static func require(_ relative: String) throws -> String {
        guard let root, FileManager.default.fileExists(atPath: root + "/" + relative) else {
            throw XCTSkip("../shared/upstream/\(relative) absent")
        }
        return root + "/" + relative
    }
}
