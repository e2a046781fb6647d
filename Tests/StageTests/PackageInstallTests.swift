import LPCore
import Foundation
import XCTest

/// scripts/package builds the .deb and the tarball from the static release binaries
/// (.build/release, built by scripts/bootstrap with --static-swift-stdlib, or $X07LP_RELEASE_DIR);
/// the .deb installed with
/// dpkg into a scratch root runs a whole deployment from its own files, with an empty environment
/// and nothing of the Swift toolchain reachable.
final class PackageInstallTests: XCTestCase {
    static let releaseBin = ProcessInfo.processInfo.environment["X07LP_RELEASE_DIR"] ?? StageProcess.repoRoot + "/.build/release"

    /// Packages once per test run: dist/ in a scratch directory.
    static let packaged: (deb: String, tarball: String, version: String)? = {
        guard FileManager.default.isExecutableFile(atPath: releaseBin + "/x07lp-stages") else { return nil }
        let out = StageProcess.temporaryDirectory()
        let result = try? StageProcess.run(StageProcess.repoRoot + "/scripts/package", ["--bin-dir", releaseBin, "--out", out])
        precondition(result?.status == 0, "scripts/package failed: \(result?.stderr ?? "did not run")")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []
        guard let deb = names.first(where: { $0.hasSuffix("_amd64.deb") }),
              let tarball = names.first(where: { $0.hasSuffix("-linux-x86_64.tar.gz") }) else { return nil }
        let version = String(deb.dropFirst("x07lp_".count).dropLast("_amd64.deb".count))
        return (out + "/" + deb, out + "/" + tarball, version)
    }()

    func package() throws -> (deb: String, tarball: String, version: String) {
        guard let packaged = Self.packaged else {
            throw XCTSkip("no release build in \(Self.releaseBin): scripts/bootstrap builds it (scripts/test runs it first)")
        }
        return packaged
    }

    /// A command run with nothing but PATH=/usr/bin:/bin in its environment.
    func bare(_ executable: String, _ arguments: [String], cwd: String? = nil, environment: [String] = []) throws -> StageResult {
        try StageProcess.run("/usr/bin/env", ["-i", "PATH=/usr/bin:/bin", "TZ=UTC"] + environment + [executable] + arguments, cwd: cwd)
    }

    func testTheDebDependsOnlyOnDebianLibrariesAndInstallsWithDpkg() throws {
        let (deb, _, version) = try package()
        let depends = try StageProcess.run("/usr/bin/dpkg-deb", ["-f", deb, "Depends"])
        XCTAssertEqual(depends.stdoutText, "libarchive13, libcurl4, libssl3\n")
        // The three are installed on this machine, so the installed binaries find them.
        XCTAssertEqual(try StageProcess.run("/usr/bin/dpkg-query", ["-W", "libarchive13", "libcurl4", "libssl3"]).status, 0)
        let root = try install(deb)
        let bin = root + "/usr/bin"
        // Every shipped command is installed and runs from the installed files alone.
        let commands = ["lp-validate", "lp-plan", "lp-apply", "lp-query", "lp-incident", "lp-regress", "lp-release", "lp-remote",
                        "x07lpd", "lp-serve", "lp-mcp"]
        for name in ["x07lp"] + commands {
            XCTAssertTrue(FileManager.default.isExecutableFile(atPath: bin + "/" + name), name)
        }
        for name in commands {
            let printed = try bare(bin + "/" + name, ["--version"])
            XCTAssertEqual(printed.status, 0, name + ": " + printed.stderr)
            XCTAssertEqual(printed.stdoutText, "\(name) \(version)\n", name)
            let help = try bare(bin + "/" + name, ["--help"])
            XCTAssertEqual(help.status, 0, name + ": " + help.stderr)
            XCTAssertTrue(help.stdoutText.hasPrefix(name + " — "), name + ": " + help.stdoutText)
        }
        // One binary holds every stage (bin/lp-* link to it); the loader finds nothing of Swift.
        let ldd = try StageProcess.run("/usr/bin/ldd", [root + "/usr/lib/x07lp/x07lp-stages"])
        XCTAssertEqual(ldd.status, 0, ldd.stderr)
        XCTAssertFalse(ldd.stdoutText.contains("swift") || ldd.stdoutText.contains("Foundation") || ldd.stdoutText.contains("not found"),
                       ldd.stdoutText)
        for name in ["libarchive.so.13", "libcurl.so.4"] {
            XCTAssertTrue(ldd.stdoutText.contains(name), "x07lp-stages does not load \(name): \(ldd.stdoutText)")
        }
        // SQLite and libstdc++ are linked in from their static archives (scripts/bootstrap).
        let needed = try StageProcess.run("/usr/bin/readelf", ["-d", root + "/usr/lib/x07lp/x07lp-stages"]).stdoutText
        XCTAssertFalse(needed.contains("libsqlite3") || needed.contains("libstdc++") || needed.contains("libcrypto"), needed)
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: bin + "/lp-apply"), "../lib/x07lp/x07lp-stages")
        // lp-query is its own lean binary: the loader is left libc, libm and libgcc_s only (libcrypto
        // is opened when a view first needs it: testTheInstalledQueryOpensLibcryptoOnlyWhenAViewNeedsIt).
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: bin + "/lp-query"), "../lib/x07lp/lp-query")
        let queryLdd = try StageProcess.run("/usr/bin/ldd", [root + "/usr/lib/x07lp/lp-query"]).stdoutText
        for library in ["libsqlite3", "libcrypto", "libstdc++", "libcurl", "libarchive", "swift"] {
            XCTAssertFalse(queryLdd.contains(library), queryLdd)
        }
        let manifest = try StageProcess.run("/usr/bin/dpkg-deb", ["-c", deb]).stdoutText
        for path in ["./usr/share/man/man1/x07lp.1.gz", "./usr/share/bash-completion/completions/x07lp",
                     "./usr/share/zsh/vendor-completions/_x07lp", "./usr/share/x07lp/contracts/index.json",
                     "./usr/share/x07lp/x07lp.routes"] + commands.map({ "./usr/share/man/man1/\($0).1.gz" }) {
            XCTAssertTrue(manifest.contains(path), "the .deb lacks \(path)")
        }
        XCTAssertEqual(try bare(bin + "/x07lp", ["--version"]).stdoutText, "x07lp \(version)\n")
    }

    /// The release flow from the installed files only: accept, plan and run the canary to
    /// promoted, query it, verify the state; the contracts come from the binaries themselves.
    func testTheInstalledPackageDeploysEndToEndWithAnEmptyEnvironment() throws {
        let root = try install(try package().deb)
        let x07lp = root + "/usr/bin/x07lp"
        let hello = ExamplePacks.hello, state = StageProcess.temporaryDirectory() + "/state"
        let deploy = try bare(x07lp, ["deploy", "--pack", hello + "/pack.tar.zst", "--change", hello + "/change_request.ops.json",
                                      "--ops", hello + "/ops.canary.json", "--slo", hello + "/slo.json",
                                      "--policy", hello + "/policy.baseline.json", "--provenance", hello + "/provenance.dsse.json",
                                      "--trusted-key", hello + "/keys/test-signing.pub.pem",
                                      "--metrics-dir", StageProcess.repoRoot + "/examples/hello/metrics", "--pause-scale", "0",
                                      "--state-dir", state, "--now-unix-ms", "1767225600000", "--json"])
        XCTAssertEqual(deploy.status, 0, deploy.stderr)
        let report = try JSONParser.parse(deploy.stdout)
        XCTAssertEqual(report["result"]?["outcome"], "promoted", deploy.stdoutText)
        let query = try bare(x07lp, ["deploy", "query", "--app-id", "example.hello.web", "--env", "staging", "--latest",
                                     "--state-dir", state])
        XCTAssertEqual(query.status, 0, query.stderr)
        XCTAssertEqual(try JSONParser.parse(query.stdout)["status"], "completed", query.stdoutText)
        let verify = try bare(x07lp, ["state", "verify", "--state-dir", state])
        XCTAssertEqual(verify.status, 0, verify.stderr + verify.stdoutText)
        let schemas = try bare(x07lp, ["schema", "list"])
        XCTAssertEqual(try JSONParser.parse(schemas.stdout)["contracts_dir"], "embedded")
    }

    /// The installed lp-query maps libcrypto only for a view that checks signatures: with
    /// `X07LP_TRUSTED_KEYS` it opens libssl3's libcrypto.so.3 and reads the PEM key; a libcrypto that
    /// does not load is LP_LIBCRYPTO_MISSING (exit 50), never a crash.
    func testTheInstalledQueryOpensLibcryptoOnlyWhenAViewNeedsIt() throws {
        let root = try install(try package().deb)
        let query = root + "/usr/bin/lp-query", hello = ExamplePacks.hello
        let state = StageProcess.temporaryDirectory() + "/state"
        let deploy = try bare(root + "/usr/bin/x07lp", ["deploy", "--pack", hello + "/pack.tar.gz", "--change", hello + "/change_request.ops.json",
                                                         "--ops", hello + "/ops.canary.json", "--slo", hello + "/slo.json",
                                                         "--policy", hello + "/policy.baseline.json",
                                                         "--provenance", hello + "/provenance.dsse.json",
                                                         "--trusted-key", hello + "/keys/test-signing.pub.pem",
                                                         "--metrics-dir", StageProcess.repoRoot + "/examples/hello/metrics",
                                                         "--pause-scale", "0", "--state-dir", state, "--json"])
        XCTAssertEqual(deploy.status, 0, deploy.stderr)
        let id = try XCTUnwrap(try JSONParser.parse(deploy.stdout)["result"]?["deployment_id"]?.stringValue, deploy.stdoutText)
        let arguments = ["deploy", "--deployment-id", id, "--state-dir", state]
        let key = ["X07LP_TRUSTED_KEYS=" + hello + "/keys/test-signing.pub.pem"]

        let plain = try bare(query, arguments, environment: ["LD_DEBUG=files"])
        XCTAssertEqual(plain.status, 0, plain.stderr)
        XCTAssertFalse(plain.stderr.contains("libcrypto"), "a view without signatures opened libcrypto")
        let checked = try bare(query, arguments, environment: key + ["LD_DEBUG=files"])
        XCTAssertEqual(checked.status, 0, checked.stderr)
        XCTAssertTrue(checked.stderr.contains("libcrypto.so.3"), "the key was read without libcrypto?")
        XCTAssertEqual(try JSONParser.parse(checked.stdout)["signature_status"], try JSONParser.parse(plain.stdout)["signature_status"])

        // A libcrypto.so.3 that is not a library, found first on the loader's path.
        let broken = StageProcess.temporaryDirectory()
        XCTAssertTrue(FileManager.default.createFile(atPath: broken + "/libcrypto.so.3", contents: Data("not ELF".utf8)))
        let missing = try bare(query, arguments, environment: key + ["LD_LIBRARY_PATH=" + broken])
        XCTAssertEqual(missing.status, 50, missing.stderr)
        XCTAssertTrue(missing.stderr.hasPrefix("LP_LIBCRYPTO_MISSING: libcrypto.so.3 could not be loaded"), missing.stderr)
        XCTAssertEqual(missing.stdout.count, 0)
        // Without the key the same broken library is never opened.
        XCTAssertEqual(try bare(query, arguments, environment: ["LD_LIBRARY_PATH=" + broken]).status, 0)
    }

    /// x07lpd from the installed files: its nginx and fcgiwrap run the installed lp-serve (a link
    /// to x07lp-stages, which runs as the name it has) and the API answers.
    func testTheInstalledDaemonServesThroughTheInstalledLpServe() throws {
        guard access("/usr/sbin/nginx", X_OK) == 0, access("/usr/sbin/fcgiwrap", X_OK) == 0 else {
            throw XCTSkip("nginx and fcgiwrap are not installed (scripts/bootstrap installs them)")
        }
        let root = try install(try package().deb)
        let x07lpd = root + "/usr/bin/x07lpd", state = StageProcess.temporaryDirectory() + "/daemon"
        let port = try DaemonHarness.freePort()
        func daemon(_ arguments: [String]) throws -> StageResult {
            try StageProcess.run("/usr/bin/env", ["-i", "PATH=/usr/bin:/bin:/usr/sbin", x07lpd] + arguments + ["--state-dir", state])
        }
        let initialized = try daemon(["init", "--addr", "127.0.0.1:\(port)", "--dev-ca"])
        XCTAssertEqual(initialized.status, 0, initialized.stderr)
        let config = try String(contentsOfFile: state + "/.x07lpd/nginx.conf", encoding: .utf8)
        XCTAssertTrue(config.contains("SCRIPT_FILENAME \(root)/usr/bin/lp-serve;"), config)
        XCTAssertEqual(try daemon(["start"]).status, 0)
        defer { _ = try? daemon(["stop"]) }
        let health = try StageProcess.run("/usr/bin/curl", ["-s", "--cacert", state + "/.x07lpd/tls/ca.pem",
                                                            "https://127.0.0.1:\(port)/v1/health"])
        XCTAssertEqual(try JSONParser.parse(health.stdout)["ok"], true, health.stdoutText + health.stderr)
    }

    /// The tarball unpacks anywhere; a stage binary copied out of it alone still validates.
    func testTheTarballAndACopiedBinaryWorkAnywhere() throws {
        let (_, tarball, version) = try package()
        let dir = StageProcess.temporaryDirectory()
        XCTAssertEqual(try StageProcess.run("/bin/tar", ["-C", dir, "-xzf", tarball]).status, 0)
        let top = dir + "/x07lp-\(version)-linux-x86_64"
        XCTAssertEqual(try bare(top + "/bin/x07lp", ["--version"]).stdoutText, "x07lp \(version)\n")
        let help = try bare(top + "/bin/x07lp", ["help", "deploy", "run"])
        XCTAssertEqual(help.status, 0, help.stderr)
        XCTAssertTrue(help.stdoutText.hasPrefix("x07lp deploy run — "), help.stdoutText)
        // cp follows the link: the copy is the whole binary, and runs as the stage it is named.
        let alone = StageProcess.temporaryDirectory() + "/lp-validate"
        XCTAssertEqual(try StageProcess.run("/bin/cp", [top + "/bin/lp-validate", alone]).status, 0)
        let change = ExamplePacks.hello + "/change_request.ops.json"
        let valid = try bare(alone, ["schema", "validate", "--schema", "lp.change_request@0.1.0", "--in", change])
        XCTAssertEqual(valid.status, 0, valid.stderr)
        XCTAssertEqual(try JSONParser.parse(valid.stdout)["valid"], true, valid.stdoutText)
    }

    /// `dpkg -i` into a scratch root with its own (empty) package database; the dependencies are
    /// checked on this machine above, so they are not looked for in the empty database.
    func install(_ deb: String) throws -> String {
        let root = StageProcess.temporaryDirectory()
        for directory in ["var/lib/dpkg/info", "var/lib/dpkg/updates"] {
            try FileManager.default.createDirectory(atPath: root + "/" + directory, withIntermediateDirectories: true)
        }
        XCTAssertTrue(FileManager.default.createFile(atPath: root + "/var/lib/dpkg/status", contents: Data()))
        let dpkg = try StageProcess.run("/usr/bin/dpkg", ["--root=" + root, "--log=/dev/null", "--force-not-root",
                                                          "--force-depends", "-i", deb])
        XCTAssertEqual(dpkg.status, 0, dpkg.stderr + dpkg.stdoutText)
        return root
    }
}
