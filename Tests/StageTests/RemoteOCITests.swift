import LPCore
import Foundation
import XCTest

/// OCI publishing through a target with `oci_registry` against a real registry (docker-registry,
/// htpasswd auth, TLS from the daemon's dev CA), its refusals (bad credentials, a CA that did not
/// sign the registry), and `--metrics-from` reaching the daemon's run.
extension RemoteTargetTests {
    func ociProfile(_ dir: String, _ name: String, daemon: DaemonHarness, registry: RegistryHarness, passwordFile: String,
                    registryCA: String) throws -> String {
        try write(dir + "/oci-user", registry.username)
        return try profile(dir, name, url: daemon.url, tls: ["mode": "ca_bundle", "ca_bundle_path": .string(daemon.ca)],
                           tokenRef: "env:LP_TEST_TOKEN",
                           extra: ["oci_registry": .string(registry.host), "default_namespace": "ci",
                                   "oci_auth": ["kind": "basic", "username_ref": .string("file://" + dir + "/oci-user"),
                                                "password_ref": .string("file://" + passwordFile)],
                                   "oci_tls": ["mode": "ca_bundle", "ca_bundle_path": .string(registryCA)]])
    }

    func testOCIPublishToARealRegistryAndTheRefusals() throws {
        let daemon = try DaemonHarness.start(trustedKey: ExamplePacks.hello + "/keys/test-signing.pub.pem")
        defer { daemon.stop() }
        let tls = daemon.state + "/.x07lpd/tls"
        let registry = try RegistryHarness(certificate: tls + "/server.pem", key: tls + "/server.key", ca: daemon.ca)
        defer { registry.stop() }
        let dir = StageProcess.temporaryDirectory()
        var client = Client(config: dir + "/config", token: daemon.deployToken)
        try write(dir + "/oci-password", registry.password)
        try write(dir + "/oci-wrong", "wrong-" + registry.password)
        let made = try StageProcess.run("/usr/bin/openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                                                             "-keyout", dir + "/other.key", "-out", dir + "/other.pem", "-days", "1", "-subj", "/CN=other"])
        XCTAssertEqual(made.status, 0, made.stderr)
        for (name, password, ca) in [("prod", "/oci-password", daemon.ca), ("badauth", "/oci-wrong", daemon.ca), ("badtls", "/oci-password", dir + "/other.pem")] {
            let path = try ociProfile(dir, name, daemon: daemon, registry: registry, passwordFile: dir + password, registryCA: ca)
            if name == "prod" { try validate(try JSONParser.parse(try InputDocument.readFile(path, limit: 1 << 20)), "lp.target.profile") }
            let added = try client.x07lp(["target", "add", "--profile", path])
            XCTAssertEqual(added.status, 0, "\(name): \(added.stderr)")
        }
        let hello = ExamplePacks.hello
        func accepted(_ target: String) throws -> String {
            let accept = try client.x07lp(["deploy", "accept", "--target", target, "--pack", hello + "/pack.tar.zst",
                                           "--change", hello + "/change_request.ops.json", "--ops", hello + "/ops.canary.json",
                                           "--slo", hello + "/slo.json", "--policy", hello + "/policy.baseline.json",
                                           "--provenance", hello + "/provenance.dsse.json", "--json"])
            XCTAssertEqual(accept.status, 0, accept.stderr + accept.stdoutText)
            return try XCTUnwrap(Self.json(accept)["result"]?["deployment_id"]?.stringValue)
        }
        let metrics = StageProcess.repoRoot + "/examples/hello/metrics"

        // A registry the operator did not allow: refused (403) before the lease, nothing sent.
        let notAllowed = try client.x07lp(["deploy", "run", "--target", "prod", "--deployment-id", try accepted("prod"),
                                           "--metrics-dir", metrics, "--pause-scale", "0", "--wait", "--json"])
        XCTAssertEqual(notAllowed.status, 41, notAllowed.stderr + notAllowed.stdoutText)
        XCTAssertEqual(Self.codes(notAllowed), ["LP_OCI_REGISTRY_NOT_ALLOWED"])
        XCTAssertEqual(try registry.request("GET", "/v2/_catalog").status, 200)
        let allowed = try StageProcess.run(StageProcess.binary("x07lpd"), ["registry", "allow", "--state-dir", daemon.state,
                                                                           "--host", registry.host, "--json"])
        XCTAssertEqual(allowed.status, 0, allowed.stderr)
        XCTAssertEqual(try JSONParser.parse(allowed.stdout)["result"]?["registries"], [.string(registry.host)])

        // Wrong registry password, and a registry CA that did not sign its certificate: the accept
        // goes through, the run is refused with 17 before it starts, and the lease is let go.
        let refusedId = try accepted("badauth")
        for (target, cause) in [("badauth", "LP_OCI_AUTH_FAILED"), ("badtls", "LP_HTTP_TLS")] {
            let refused = try client.x07lp(["deploy", "run", "--target", target, "--deployment-id", refusedId, "--metrics-dir", metrics,
                                            "--pause-scale", "0", "--wait", "--json"])
            XCTAssertEqual(refused.status, 17, "\(target): \(refused.stderr)\(refused.stdoutText)")
            XCTAssertEqual(Self.codes(refused), ["LP_RUNTIME_START_FAILED"], target)
            let data = try Self.json(refused)["diagnostics"]?.arrayValue?.first?["data"]
            XCTAssertEqual(data?["cause"], .string(cause), target)
            XCTAssertEqual(try Self.json(refused)["result"], ["op": "run", "ok": false])
            try validate(try Self.json(refused), "lp.cli.report")
        }
        let catalog = try registry.request("GET", "/v2/_catalog")
        XCTAssertEqual(catalog.status, 200)
        XCTAssertEqual(try JSONParser.parse(catalog.body)["repositories"], [], "nothing was published by the refused runs")

        // The good profile: the component is published, the run goes on to promoted.
        let id = try accepted("prod")
        let ran = try client.x07lp(["deploy", "run", "--target", "prod", "--deployment-id", id, "--metrics-dir", metrics,
                                    "--pause-scale", "0", "--wait", "--json"])
        XCTAssertEqual(ran.status, 0, ran.stderr + ran.stdoutText)
        XCTAssertEqual(Self.outcome(ran), "promoted")
        let published = try XCTUnwrap(Self.json(ran)["diagnostics"]?.arrayValue?.first { $0["code"] == "LP_OCI_PUBLISHED" }?["data"])
        let reference = try XCTUnwrap(published["oci_ref"]?.stringValue)
        let manifestSha = try XCTUnwrap(published["manifest_digest"]?["sha256"]?.stringValue)
        XCTAssertEqual(reference, "\(registry.host)/ci/example.hello.web@sha256:\(manifestSha)")
        XCTAssertEqual(published["uploaded_blobs"], 2)

        // What the registry holds: that manifest (same bytes, same digest), a wasm layer titled for the app.
        XCTAssertEqual(try JSONParser.parse(try registry.request("GET", "/v2/_catalog").body)["repositories"], ["ci/example.hello.web"])
        let manifest = try registry.request("GET", "/v2/ci/example.hello.web/manifests/sha256:" + manifestSha,
                                            accept: "application/vnd.oci.image.manifest.v1+json")
        XCTAssertEqual(manifest.status, 200)
        XCTAssertEqual(SHA256.hex(manifest.body), manifestSha)
        let document = try JSONParser.parse(manifest.body)
        XCTAssertEqual(document["artifactType"], "application/vnd.wasm.component.v1+wasm")
        let layer = try XCTUnwrap(document["layers"]?.arrayValue?.first)
        XCTAssertEqual(layer["mediaType"], "application/wasm")
        XCTAssertEqual(layer["annotations"]?["org.opencontainers.image.title"], "example.hello.web-backend")
        let layerDigest = try XCTUnwrap(layer["digest"]?.stringValue)
        XCTAssertEqual(try registry.request("GET", "/v2/ci/example.hello.web/manifests/sha256-" + layerDigest.dropFirst(7),
                                            accept: "application/vnd.oci.image.manifest.v1+json").status, 200, "tagged by the component digest")
        let blob = try registry.request("GET", "/v2/ci/example.hello.web/blobs/" + layerDigest)
        XCTAssertEqual("sha256:" + SHA256.hex(blob.body), layerDigest)
        XCTAssertEqual(Array(blob.body.prefix(4)), [0x00, 0x61, 0x73, 0x6D], "the layer is the wasm component")
        XCTAssertEqual(try registry.request("GET", "/v2/_catalog", authenticated: false).status, 401)

        // The execution records the digest reference; publishing again sends no blob twice.
        let status = try Self.json(try client.x07lp(["deploy", "status", "--target", "prod", "--deployment-id", id, "--json"]))
        let publish = status["result"]?["deployment"]?["meta"]?["ext"]?["remote"]?["publish"] ?? .null
        XCTAssertEqual(publish["component_refs"]?.arrayValue?.first?["oci_ref"], .string(reference), status.canonicalString)
        XCTAssertEqual(publish["component_refs"]?.arrayValue?.first?["digest"]?["sha256"], .string(String(layerDigest.dropFirst(7))))
        XCTAssertEqual(publish["namespace"], "ci")
        let full = try Self.json(try client.x07lp(["deploy", "query", "--target", "prod", "--deployment-id", id, "--view", "full", "--json"]))
        let remoteMeta = full["result"]?["execution"]?["meta"]
        try validate(remoteMeta, "lp.deploy.execution.meta.remote")
        XCTAssertEqual(remoteMeta?["publish"]?["component_refs"]?.arrayValue?.first?["oci_ref"], .string(reference))
        XCTAssertEqual(remoteMeta?["publish"]?["registry"], .string(registry.host))
        XCTAssertEqual(remoteMeta?["target_profile"]?["oci_auth"]?["password_ref"], .string("file://" + dir + "/oci-password"))
        let second = try client.x07lp(["deploy", "run", "--target", "prod", "--deployment-id", try accepted("prod"), "--metrics-dir", metrics,
                                       "--pause-scale", "0", "--wait", "--json"])
        XCTAssertEqual(second.status, 0, second.stderr + second.stdoutText)
        let again = try Self.json(second)["diagnostics"]?.arrayValue?.first { $0["code"] == "LP_OCI_PUBLISHED" }?["data"]
        XCTAssertEqual(again?["uploaded_blobs"], 0)
        XCTAssertEqual(again?["oci_ref"], .string(reference))

        try assertNoToken(client, daemon)
        try assertNoSecret([registry.password], in: client, daemonState: daemon.state)
    }

    func testMetricsFromIsTheDaemonsSource() throws {
        let daemon = try DaemonHarness.start(trustedKey: ExamplePacks.hello + "/keys/test-signing.pub.pem")
        defer { daemon.stop() }
        var client = try prodTarget(daemon).client
        let hello = ExamplePacks.hello
        let accept = try client.x07lp(["deploy", "accept", "--target", "prod", "--pack", hello + "/pack.tar.zst",
                                       "--change", hello + "/change_request.ops.json", "--ops", hello + "/ops.canary.json",
                                       "--slo", hello + "/slo.json", "--policy", hello + "/policy.baseline.json",
                                       "--provenance", hello + "/provenance.dsse.json", "--json"])
        let id = try XCTUnwrap(Self.json(accept)["result"]?["deployment_id"]?.stringValue, accept.stderr)
        let run = ["deploy", "run", "--target", "prod", "--deployment-id", id, "--pause-scale", "0", "--json"]

        // A source the daemon does not have, or a source with uploaded snapshots: 2 before anything starts.
        let unknown = try client.x07lp(run + ["--metrics-from", "prometheus://somewhere"])
        XCTAssertEqual(unknown.status, 2, unknown.stderr + unknown.stdoutText)
        XCTAssertEqual(Self.codes(unknown), ["LP_METRICS_SOURCE_UNKNOWN"])
        XCTAssertEqual(try Self.json(unknown)["result"], ["op": "run", "ok": false])
        let both = try client.x07lp(run + ["--metrics-from", "access-log", "--metrics-dir", StageProcess.repoRoot + "/examples/hello/metrics"])
        XCTAssertEqual(both.status, 2, both.stderr + both.stdoutText)
        XCTAssertEqual(Self.codes(both), ["LP_METRICS_SOURCE_CONFLICT"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: daemon.state + "/.x07lpd/runs/\(id).log"), "no run was started")

        // access-log reaches the daemon's run, which measures the daemon's serving (not started there).
        let measured = try client.x07lp(run + ["--metrics-from", "access-log", "--wait"])
        XCTAssertEqual(measured.status, 2, measured.stderr + measured.stdoutText)
        XCTAssertEqual(Self.codes(measured), ["LP_SERVE_NOT_RUNNING", "LP_DEPLOY_RUN_ENDED"])
        let log = try String(contentsOfFile: daemon.state + "/.x07lpd/runs/\(id).log", encoding: .utf8)
        XCTAssertTrue(log.contains("LP_SERVE_NOT_RUNNING"), log)
        try assertNoToken(client, daemon)
    }

    /// None of `secrets` appears in what the client printed, its configuration, or any file of
    /// the daemon's state (records, logs, audit, run logs).
    func assertNoSecret(_ secrets: [String], in client: Client, daemonState: String) throws {
        var texts = client.outputs
        for root in [client.config, daemonState] {
            for case let file as String in FileManager.default.enumerator(atPath: root) ?? .init() {
                if let data = FileManager.default.contents(atPath: root + "/" + file) { texts.append(String(decoding: data, as: UTF8.self)) }
            }
        }
        XCTAssertGreaterThan(texts.count, 10)
        for text in texts {
            for secret in secrets { XCTAssertFalse(text.contains(secret), "a secret leaked: \(text.prefix(200))") }
        }
    }
}
