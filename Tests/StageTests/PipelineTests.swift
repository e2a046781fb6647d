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

/// The raw stage pipeline (docs/stages.md#pipelines) on the example pack, composed as users compose it:
/// `lp-validate | lp-plan | lp-apply | lp-query deploy --view summary` through `sh -c` (dash) with
/// plain pipes, through `bash -o pipefail -c`, and with each arrow saved to a file and fed to the
/// next stage later, the state directory moved in between. (The wrapper's pipelines, which pass
/// `--report` envelopes, are covered by DeployLoopTests.)
final class PipelineTests: XCTestCase {
    static let now = "1767225600000"

    /// The stages of the example release. Every path a stage writes or reports is relative to the
    /// run's working directory (state dir `state`), so runs in two directories can print the same bytes.
    static func stages(ops: String = "ops.canary.json", policy: String = "policy.baseline.json") -> [[String]] {
        let hello = ExamplePacks.hello
        let common = ["--state-dir", "state", "--now-unix-ms", now]
        return [
            [StageProcess.binary("lp-validate")] + common + [
                "--in", hello + "/change_request.ops.json", "--pack", hello + "/pack.tar.zst", "--ops", hello + "/" + ops,
                "--slo", hello + "/slo.json", "--policy", hello + "/" + policy, "--provenance", hello + "/provenance.dsse.json",
                "--trusted-key", hello + "/keys/test-signing.pub.pem"],
            [StageProcess.binary("lp-plan")] + common,
            [StageProcess.binary("lp-apply")] + common + ["--metrics-dir", StageProcess.repoRoot + "/examples/hello/metrics",
                                                          "--pause-scale", "0"],
            [StageProcess.binary("lp-query"), "deploy", "--view", "summary"] + common,
        ]
    }

    static let denied = stages(ops: "ops.blue_green.denied.json", policy: "policy.deny-blue-green.json")

    static func shellWord(_ word: String) -> String { "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'" }
    static func shellCommand(_ argv: [String]) -> String { argv.map(shellWord).joined(separator: " ") }

    /// `sh -c LINE` (dash on Debian) and `bash -o pipefail -c LINE`.
    static func shells() throws -> [(name: String, argv: [String])] {
        [("sh", ["/bin/sh", "-c"]), ("bash -o pipefail", [try ShellTools.path("bash"), "-o", "pipefail", "-c"])]
    }

    static func runShell(_ shell: [String], _ line: String, cwd: String) throws -> StageResult {
        try StageProcess.run(shell[0], Array(shell.dropFirst()) + [line], cwd: cwd)
    }

    /// What a stage that refuses a failed upstream may print: nothing, the upstream document
    /// unchanged, or its own failed `lp.cli.report` with the upstream's code; never a document of its own.
    static func passesTheFailureOn(_ stdout: [UInt8], upstream: [UInt8], code: Int) -> Bool {
        if stdout.isEmpty || stdout == upstream { return true }
        guard let report = try? JSONParser.parse(stdout) else { return false }
        return report["schema_version"] == "lp.cli.report@0.1.0" && report["ok"] == false
            && report["exit_code"] == .number(Double(code))
    }

    /// Every state file by relative path, except the derived index (SQLite pages and its db path
    /// are not canonical) and keys/ (control keys are created on first use).
    static func stateFiles(_ state: String) -> [String: [UInt8]] {
        StateFiles.written(state).filter { !$0.key.hasPrefix("index/") && !$0.key.hasPrefix("keys/") }
    }

    /// The same release through sh, bash -o pipefail and saved files, each from scratch in its own
    /// directory: the same summary bytes on stdout and the same state files, byte for byte.
    func testPipesAndSavedFilesGiveByteIdenticalDocumentsAndState() throws {
        let line = Self.stages().map(Self.shellCommand).joined(separator: " | ")
        var runs: [(label: String, stdout: [UInt8], state: String)] = []
        for (name, shell) in try Self.shells() {
            let cwd = StageProcess.temporaryDirectory()
            let result = try Self.runShell(shell, line, cwd: cwd)
            XCTAssertEqual(result.status, 0, "\(name): \(result.stderr)")
            if result.status == 0 { runs.append((name, result.stdout, cwd + "/state")) }
        }
        // Saved arrows: each stage reads the file the previous one wrote. After lp-plan the state
        // directory moves to another working directory, as when the run continues elsewhere.
        let first = StageProcess.temporaryDirectory(), second = StageProcess.temporaryDirectory()
        var document: [UInt8] = []
        for (index, argv) in Self.stages().enumerated() {
            if index == 2 { try FileManager.default.moveItem(atPath: first + "/state", toPath: second + "/state") }
            var arguments = Array(argv.dropFirst())
            if index > 0 {
                let input = first + "/arrow.\(index).json"
                try Data(document).write(to: URL(fileURLWithPath: input))
                arguments += ["--in", input]
            }
            let result = try StageProcess.run(argv[0], arguments, cwd: index < 2 ? first : second)
            XCTAssertEqual(result.status, 0, "\(argv[0]): \(result.stderr)")
            guard result.status == 0 else { return }
            document = result.stdout
        }
        runs.append(("saved files", document, second + "/state"))
        guard runs.count == 3 else { return }

        let summary = try JSONParser.parse(runs[0].stdout)
        XCTAssertEqual(summary["outcome"], "promoted", runs[0].label)
        XCTAssertEqual(summary["current_weight_pct"], 100)
        let reference = Self.stateFiles(runs[0].state)
        XCTAssertTrue(reference.keys.contains { $0.hasPrefix("deploy/") } && reference.keys.contains { $0.hasPrefix("plans/") })
        for run in runs.dropFirst() {
            XCTAssertEqual(run.stdout, runs[0].stdout, "\(run.label) vs \(runs[0].label): stdout differs")
            let files = Self.stateFiles(run.state)
            XCTAssertEqual(files.keys.sorted(), reference.keys.sorted(), "\(run.label): other state files")
            for (path, bytes) in reference where files[path] != bytes {
                XCTFail("\(run.label): state file \(path) differs from the \(runs[0].label) run")
            }
        }
    }

    /// A denied intake (exit 13) travels down the pipe: every later stage refuses the failed
    /// document with the same code and adds nothing, in a plain pipe (sh, bash -o pipefail) and
    /// with saved files. The state ends exactly as intake alone left it.
    func testADeniedIntakeTravelsDownThePipeAndEveryStageExits13() throws {
        let alone = StageProcess.temporaryDirectory()
        let intake = try StageProcess.run(Self.denied[0][0], Array(Self.denied[0].dropFirst()), cwd: alone)
        XCTAssertEqual(intake.status, 13, intake.stderr)
        XCTAssertTrue(intake.stderr.contains("LP_GATE_REJECTED"), intake.stderr)
        let intakeState = Self.stateFiles(alone + "/state")

        // Each stage reports its own exit status on stderr; the pipe itself stays plain.
        let line = Self.denied.map { argv in
            let name = URL(fileURLWithPath: argv[0]).lastPathComponent
            return "( \(Self.shellCommand(argv)); code=$?; echo \"exit \(name) $code\" >&2; exit $code )"
        }.joined(separator: " | ")
        for (name, shell) in try Self.shells() {
            let cwd = StageProcess.temporaryDirectory()
            let result = try Self.runShell(shell, line, cwd: cwd)
            XCTAssertEqual(result.status, 13, "\(name): \(result.stderr)")
            let codes = result.stderr.split(separator: "\n").filter { $0.hasPrefix("exit lp-") }.sorted()
            XCTAssertEqual(codes, ["exit lp-apply 13", "exit lp-plan 13", "exit lp-query 13", "exit lp-validate 13"],
                           "\(name): \(result.stderr)")
            XCTAssertTrue(Self.passesTheFailureOn(result.stdout, upstream: intake.stdout, code: 13),
                          "\(name): a stage printed a document of its own: \(result.stdoutText)")
            XCTAssertEqual(Self.stateFiles(cwd + "/state"), intakeState, "\(name): a later stage wrote to the state")
        }

        var document = intake.stdout
        for argv in Self.denied.dropFirst() {
            let input = alone + "/upstream.json"
            try Data(document).write(to: URL(fileURLWithPath: input))
            let result = try StageProcess.run(argv[0], Array(argv.dropFirst()) + ["--in", input], cwd: alone)
            XCTAssertEqual(result.status, 13, "\(argv[0]) given the saved upstream document: \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("LP_UPSTREAM_FAILED"), result.stderr)
            XCTAssertTrue(Self.passesTheFailureOn(result.stdout, upstream: document, code: 13),
                          "\(argv[0]) printed a document of its own: \(result.stdoutText)")
            XCTAssertEqual(Self.stateFiles(alone + "/state"), intakeState, "\(argv[0]) wrote to the state")
            document = result.stdout
        }
    }

    /// A rollback mid-pipe: the read views after lp-apply print what they show and end with 14,
    /// in a plain `sh` pipe as with `pipefail`.
    func testARolledBackDeploymentPassesItsExitCodeThroughTheReadViews() throws {
        let bad: JSON = ["schema_version": "x07.metrics.snapshot@0.1.0", "v": 1, "taken_at_utc": "2026-01-01T00:00:00Z",
                         "service": "example.hello.web",
                         "metrics": [["name": "http_error_rate", "value": 0.5], ["name": "http_latency_p95_ms", "value": 120],
                                     ["name": "http_availability", "value": 0.5]]]
        for (name, shell) in try Self.shells() {
            for (view, kind) in [(["deploy", "--view", "summary"], "lp.deploy.query.result@0.1.0"),
                                 (["incidents"], "lp.incident.query.result@0.2.0")] {
                let cwd = StageProcess.temporaryDirectory()
                try FileManager.default.createDirectory(atPath: cwd + "/metrics", withIntermediateDirectories: true)
                try Data(bad.canonicalBytes).write(to: URL(fileURLWithPath: cwd + "/metrics/analysis.1.json"))
                var stages = Self.stages()
                stages[2] = [StageProcess.binary("lp-apply"), "--state-dir", "state", "--now-unix-ms", Self.now,
                             "--metrics-dir", "metrics", "--pause-scale", "0"]
                stages[3] = [StageProcess.binary("lp-query")] + view + ["--state-dir", "state"]
                let line = stages.map(Self.shellCommand).joined(separator: " | ")
                let result = try Self.runShell(shell, line, cwd: cwd)
                XCTAssertEqual(result.status, 14, "\(name) | \(view): \(result.stderr)")
                XCTAssertTrue(result.stderr.contains("LP_UPSTREAM_FAILED"), result.stderr)
                let document = try JSONParser.parse(result.stdout)
                XCTAssertEqual(document["schema_version"]?.stringValue, kind, "\(name): the view is still printed")
                if view == ["incidents"] {
                    XCTAssertEqual(document["items"]?.arrayValue?.first?["classification"], "slo_rollback")
                }
            }
        }
    }
}

/// Tools the release-job tests run. A missing one fails the test with a clear message instead
/// of skipping it (scripts/bootstrap installs them in CI).
enum ShellTools {
    struct Missing: Error, CustomStringConvertible {
        var name: String
        var description: String { "\(name) is not installed (not on PATH); scripts/bootstrap installs it" }
    }

    static func path(_ name: String) throws -> String {
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        for directory in directories where FileManager.default.isExecutableFile(atPath: "\(directory)/\(name)") {
            return "\(directory)/\(name)"
        }
        throw Missing(name: name)
    }
}
