import LPCore
import TestFixtures
import Foundation
import XCTest

/// The live App Store Connect and Google Play providers against a stand-in of both APIs
/// (Tests/Peers/store_standin.py, HTTPS with a self-signed certificate), which verifies every
/// JWT with the public keys and checks the shape of every request. Test keys only: no real
/// store credentials are ever needed.
final class DeviceLiveProviderTests: XCTestCase {
    struct Store {
        let peer: PeerProcess
        let base: String
        let log: String
        let certificate: LoopbackCertificate
        let credentials: (appStore: String, googlePlay: String)
    }

    func startStore(in dir: String) throws -> Store {
        guard PeerProcess.pythonHas("cryptography") else { throw XCTSkip("python3 without the cryptography package") }
        let certificate = try LoopbackCertificate(directory: dir)
        for (name, args) in [("asc", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]),
                             ("google", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"])] {
            XCTAssertEqual(try PeerProcessRun.openssl(["genpkey"] + args + ["-out", "\(dir)/\(name).pem"]), 0)
            XCTAssertEqual(try PeerProcessRun.openssl(["pkey", "-in", "\(dir)/\(name).pem", "-pubout", "-out", "\(dir)/\(name).pub.pem"]), 0)
        }
        let log = dir + "/requests.jsonl"
        let peer = try PeerProcess(script: "store_standin.py", arguments: [certificate.certificatePath, certificate.keyPath,
                                                                           dir + "/asc.pub.pem", dir + "/google.pub.pem", log])
        let base = "https://127.0.0.1:\(peer.port)"
        func credentials(_ name: String, _ json: JSON) throws -> String {
            let path = "\(dir)/\(name).credentials.json"
            try Data(json.canonicalBytes).write(to: URL(fileURLWithPath: path))
            XCTAssertEqual(chmod(path, 0o600), 0)
            return path
        }
        let ascPEM = try String(contentsOfFile: dir + "/asc.pem", encoding: .utf8)
        let googlePEM = try String(contentsOfFile: dir + "/google.pem", encoding: .utf8)
        return Store(peer: peer, base: base, log: log, certificate: certificate, credentials: (
            try credentials("asc", ["issuer_id": "issuer-1", "key_id": "KEY123", "private_key_pem": .string(ascPEM)]),
            try credentials("google", ["client_email": "svc@example.iam.gserviceaccount.com", "private_key": .string(googlePEM),
                                       "token_uri": .string(base + "/token")])))
    }

    /// A fixture provider profile pointed at the stand-in, with file credentials (nil: the
    /// fixture's own `credentials_ref`).
    func profile(_ bench: DeviceReleaseBench, _ name: String, credentials: String?, options: JSON) throws -> String {
        var fixture = try JSONParser.parse([UInt8](Data(contentsOf: URL(fileURLWithPath: bench.provider(name)))))
        if let credentials { fixture = fixture.setting("credentials_ref", .string("file://" + credentials)) }
        let path = bench.root + "/\(name).live.json"
        try Data(fixture.setting("provider_options", options).canonicalBytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    func requests(_ store: Store) throws -> [JSON] {
        try String(contentsOfFile: store.log, encoding: .utf8).split(separator: "\n").map { try JSONParser.parse(Array($0.utf8)) }
    }

    func testLiveStoresOverHTTPS() throws {
        var bench = try DeviceReleaseBench()
        let store = try startStore(in: bench.root)
        bench.environment = ["X07LP_DEVICE_PROVIDER_LIVE": "1", "X07LP_DEVICE_PROVIDER_CA_BUNDLE": store.certificate.certificatePath]
        let options: JSON = ["base_url": .string(store.base), "pinned_public_keys": [.string(store.certificate.pin)]]

        // App Store Connect: a phased release started, paused, resumed, completed.
        let asc = try profile(bench, "appstoreconnect_production_ios", credentials: store.credentials.appStore, options: options)
        _ = try bench.x07lp(["device", "release-create", "--provider-profile", asc, "--package-manifest", bench.iosPackage,
                             "--package-report", bench.iosReport, "--out", bench.root + "/asc.plan.json"])
        let ascRun = try bench.x07lp(["device", "release-run", "--plan", bench.root + "/asc.plan.json"]).report["result"]
        XCTAssertEqual(ascRun?["status"], "completed")
        let ascId = try XCTUnwrap(ascRun?["exec_id"]?.stringValue)
        XCTAssertEqual(try bench.query(ascId)["provider_release_id"], "phased-1")
        for (verb, state) in [("pause", "paused"), ("resume", "in_progress"), ("complete", "completed")] {
            _ = try bench.control(verb, ascId, reason: verb)
            XCTAssertEqual(try bench.query(ascId)["current_state"]?.stringValue, state, verb)
        }
        _ = try bench.control("rollback", ascId, reason: "no", expect: 2)

        // Google Play: staged at 15 %, halted, resumed, rolled back to the earlier release.
        let play = try profile(bench, "googleplay_production_android", credentials: store.credentials.googlePlay, options: options)
        _ = try bench.x07lp(["device", "release-create", "--provider-profile", play, "--package-manifest", bench.androidPackage,
                             "--package-report", bench.androidReport, "--out", bench.root + "/play.plan.json"])
        let playId = try XCTUnwrap(try bench.x07lp(["device", "release-run", "--plan", bench.root + "/play.plan.json"])
            .report["result"]?["exec_id"]?.stringValue)
        let staged = try bench.query(playId)
        XCTAssertEqual(staged["current_state"], "in_progress")
        XCTAssertEqual(staged["current_rollout_percent"], 15)
        XCTAssertEqual(staged["provider_release_id"], "track:production")
        for (verb, state) in [("pause", "paused"), ("resume", "in_progress"), ("rollback", "rolled_back")] {
            _ = try bench.control(verb, playId, reason: verb)
            XCTAssertEqual(try bench.query(playId)["current_state"]?.stringValue, state, verb)
        }

        let log = try requests(store)
        XCTAssertTrue(log.allSatisfy { $0["verdict"] == "ok" }, "\(log.filter { $0["verdict"] != "ok" })")
        let phases = log.filter { $0["method"] == "PATCH" }.compactMap {
            (try? JSONParser.parse(Array(($0["body"]?.stringValue ?? "").utf8)))?["data"]?["attributes"]?["phasedReleaseState"]?.stringValue
        }
        XCTAssertEqual(phases, ["PAUSED", "ACTIVE", "COMPLETE"])
        let releases = log.filter { $0["method"] == "PUT" }.compactMap {
            (try? JSONParser.parse(Array(($0["body"]?.stringValue ?? "").utf8)))?["releases"]?.arrayValue?.first
        }
        XCTAssertEqual(releases.map { $0["status"]?.stringValue ?? "" }, ["inProgress", "inProgress", "halted", "inProgress", "completed"])
        XCTAssertEqual(releases.first?["userFraction"], 0.15)
        XCTAssertEqual(releases.first?["versionCodes"], ["84"])
        XCTAssertEqual(releases.last?["versionCodes"], ["83"], "rollback re-publishes the earlier release")
        XCTAssertEqual(log.filter { $0["path"] == "/token" }.count, 5, "one access token per operation")

        // No key, token or credential reaches the state.
        for (path, bytes) in StateFiles.written(bench.state) where !path.hasPrefix("keys/") {
            let text = String(decoding: bytes, as: UTF8.self)
            XCTAssertFalse(text.contains("PRIVATE KEY") || text.contains("ya29.standin-token") || text.contains("issuer-1"), path)
        }
        let verify = try StageProcess.x07lp(["state", "verify", "--state-dir", bench.state])
        XCTAssertEqual(verify.status, 0, verify.stderr)
    }

    /// Credentials others can read, a server whose key is not the pinned one.
    func testUnsafeCredentialsAndWrongPinsAreRefused() throws {
        var bench = try DeviceReleaseBench()
        let store = try startStore(in: bench.root)
        bench.environment = ["X07LP_DEVICE_PROVIDER_LIVE": "1", "X07LP_DEVICE_PROVIDER_CA_BUNDLE": store.certificate.certificatePath]
        let wrongPin = "sha256//" + Data(SHA256.digest(Array("not the key".utf8))).base64EncodedString()
        let asc = try profile(bench, "appstoreconnect_production_ios", credentials: store.credentials.appStore,
                              options: ["base_url": .string(store.base), "pinned_public_keys": [.string(wrongPin)]])
        _ = try bench.x07lp(["device", "release-create", "--provider-profile", asc, "--package-manifest", bench.iosPackage,
                             "--package-report", bench.iosReport, "--out", bench.root + "/asc.plan.json"])
        let pinned = try bench.x07lp(["device", "release-run", "--plan", bench.root + "/asc.plan.json"], expect: 18)
        let execution = try bench.execution(try XCTUnwrap(pinned.report["result"]?["exec_id"]?.stringValue))
        let reason = execution["meta"]?["decisions"]?.arrayValue?.first?["reasons"]?.arrayValue?.first?["message"]?.stringValue ?? ""
        XCTAssertTrue(reason.contains("LP_HTTP_PINNING"), reason)

        XCTAssertEqual(chmod(store.credentials.appStore, 0o644), 0)
        let before = StateFiles.written(bench.state)
        let unsafe = try bench.x07lp(["device", "release-run", "--plan", bench.root + "/asc.plan.json"], expect: 3)
        XCTAssertEqual(unsafe.report["diagnostics"]?.arrayValue?.first?["code"], "LP_DEVICE_CREDENTIALS_UNSAFE")
        XCTAssertEqual(StateFiles.written(bench.state).filter { !$0.key.hasPrefix("index/") }, before.filter { !$0.key.hasPrefix("index/") })
    }

    /// `secrets://device/<id>` (the fixture's own reference) read from x07lpd's encrypted store,
    /// sealed by `secret store-pack`; a missing entry is refused before anything is written.
    func testCredentialsFromTheEncryptedSecretStore() throws {
        var bench = try DeviceReleaseBench()
        let store = try startStore(in: bench.root)
        let key = bench.root + "/master.key"
        try Data(String(repeating: "ab", count: 32).utf8).write(to: URL(fileURLWithPath: key))
        XCTAssertEqual(chmod(key, 0o600), 0)
        let sealed = bench.root + "/secrets.enc.json"
        bench.environment = ["X07LP_DEVICE_PROVIDER_LIVE": "1", "X07LP_DEVICE_PROVIDER_CA_BUNDLE": store.certificate.certificatePath,
                             "X07LP_REMOTE_SECRET_MASTER_KEY_FILE": key, "X07LP_REMOTE_SECRET_STORE_PATH": sealed]
        let credentials = try JSONParser.parse([UInt8](Data(contentsOf: URL(fileURLWithPath: store.credentials.appStore))))
        let plain = bench.root + "/plain.json"
        let document: JSON = ["schema_version": "lp.remote.secret.store.internal@0.1.0",
                              "device": ["appstore-production-ios": .string(credentials.canonicalString)]]
        try Data(document.canonicalBytes).write(to: URL(fileURLWithPath: plain))
        let pack = try StageProcess.x07lp(["secret", "store-pack", "--input", plain, "--output", sealed],
                                          environment: bench.environment.merging(["X07LP_BIN_DIR": StageProcess.binDir]) { $1 })
        XCTAssertEqual(pack.status, 0, pack.stderr)
        try FileManager.default.removeItem(atPath: plain)

        let options: JSON = ["base_url": .string(store.base), "pinned_public_keys": [.string(store.certificate.pin)]]
        let asc = try profile(bench, "appstoreconnect_production_ios", credentials: nil, options: options)
        _ = try bench.x07lp(["device", "release-create", "--provider-profile", asc, "--package-manifest", bench.iosPackage,
                             "--package-report", bench.iosReport, "--out", bench.root + "/asc.plan.json"])
        let run = try bench.x07lp(["device", "release-run", "--plan", bench.root + "/asc.plan.json"]).report["result"]
        XCTAssertEqual(run?["status"], "completed")
        XCTAssertTrue(try requests(store).allSatisfy { $0["verdict"] == "ok" }, "every request signed with the stored key")
        for (path, bytes) in StateFiles.written(bench.state) where !path.hasPrefix("keys/") {
            XCTAssertFalse(String(decoding: bytes, as: UTF8.self).contains("issuer-1"), path)
        }

        // The same profile, but the store has no such entry.
        let empty: JSON = ["schema_version": "lp.remote.secret.store.internal@0.1.0", "device": [:]]
        try Data(empty.canonicalBytes).write(to: URL(fileURLWithPath: plain))
        XCTAssertEqual(try StageProcess.x07lp(["secret", "store-pack", "--input", plain, "--output", sealed],
                                              environment: bench.environment.merging(["X07LP_BIN_DIR": StageProcess.binDir]) { $1 }).status, 0)
        let before = StateFiles.written(bench.state).filter { !$0.key.hasPrefix("index/") }
        let missing = try bench.x07lp(["device", "release-run", "--plan", bench.root + "/asc.plan.json"], expect: 2)
        XCTAssertEqual(missing.report["diagnostics"]?.arrayValue?.first?["code"], "LP_DEVICE_CREDENTIALS_UNAVAILABLE")
        XCTAssertEqual(StateFiles.written(bench.state).filter { !$0.key.hasPrefix("index/") }, before)
    }
}
