import LPCore
import LPState
import LPStage
import Foundation

/// `lp-validate pack init DIR` (`x07lp pack init DIR`): a starter set that deploys as it is: a
/// sealed pack directory, an ops profile with a canary plan and its pins filled, the SLO profile,
/// a policy card and the capabilities it pins, a change request and two metrics snapshots (one
/// per analysis step) that pass the SLO. Edit the documents, then `x07lp pack seal DIR/pack` and
/// re-pin the ops profile (`x07lp digest` prints the sha256 it wants).
enum PackInitCommand {
    static let command = StageCommand(
        words: ["pack", "init"],
        spec: CommandSpec(
            name: "lp-validate pack init", reportCommand: "pack init",
            summary: "write a starter set: a sealed pack, ops profile with a canary plan, SLO profile, policy card, capabilities, change request, metrics snapshots (x07lp pack init)",
            usage: ["lp-validate pack init DIR [--app-id ID]"],
            options: [OptionSpec("--app-id", value: "ID", "the app the documents name (default my.app)")],
            positionals: ["DIR"],
            examples: ["x07lp pack init starter --app-id shop.web",
                       "x07lp deploy --pack starter/pack --change starter/change_request.json --ops starter/ops.json --slo starter/slo.json --policy starter/policy.json --capabilities starter/capabilities.json --metrics-dir starter/metrics"],
            exitCodes: [.ok, .usage, .invalidInput],
            notes: ["DIR must not exist or be empty; the set is written beside it and moved into place, so a failure",
                    "leaves nothing behind. The result lists every file with its sha256, and the deploy command that runs it."]),
        body: run)

    static func run(_ ctx: StageContext) throws -> StageOutput {
        guard ctx.arguments.positionals.count == 1, let directory = ctx.arguments.positionals.first, !directory.isEmpty else {
            throw LPError(.usage, code: "LP_USAGE", "name one directory to write: lp-validate pack init DIR")
        }
        let appId = ctx.arguments.value("--app-id") ?? "my.app"
        let existing = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? nil
        if existing.map({ !$0.isEmpty }) ?? FileManager.default.fileExists(atPath: directory) {
            throw LPError(.usage, code: "LP_INIT_DIR_NOT_EMPTY", "\(directory) exists and is not an empty directory: pack init writes a new one")
        }
        let files = StarterSet(appId: appId).files()
        let catalog = try ContractCatalog.locate(environment: ctx.environment)
        // Every document must pass its contract (an --app-id that is no identifier fails here).
        for (name, bytes) in files where name.hasSuffix(".json") && name != "pack/bundle.json" {
            let document = try InputDocument(bytes: bytes, source: "--app-id \(appId): \(name)").json
            try catalog.validate(document, as: document["schema_version"]?.stringValue ?? "", source: "--app-id \(appId): \(name)")
        }
        let parent = (directory as NSString).deletingLastPathComponent
        let temp = (parent.isEmpty ? "." : parent) + "/.\((directory as NSString).lastPathComponent).init-\(getpid())"
        do {
            for (name, bytes) in files {
                try AtomicFile.makeDirectories(temp + "/" + (name as NSString).deletingLastPathComponent, mode: 0o755)
                _ = try AtomicFile.write(bytes, to: temp + "/" + name, mode: 0o644)
            }
            chmod(temp, 0o755)
            if existing != nil { rmdir(directory) }
            guard rename(temp, directory) == 0 else { throw AtomicFile.ioError("rename", directory) }
        } catch {
            try? FileManager.default.removeItem(atPath: temp)
            throw error
        }
        let listed: [JSON] = files.keys.sorted().map { name in
            ["path": .string(name), "sha256": .string(Hex.encode(SHA256.digest(files[name]!))), "bytes_len": .number(Double(files[name]!.count))]
        }
        let d = directory
        let deploy = "x07lp deploy --pack \(d)/pack --change \(d)/change_request.json --ops \(d)/ops.json --slo \(d)/slo.json "
            + "--policy \(d)/policy.json --capabilities \(d)/capabilities.json --metrics-dir \(d)/metrics"
        return StageOutput(result: ["schema_version": "x07lp.pack.init.result@0.1.0", "dir": .string(directory),
                                    "app_id": .string(appId), "files": .array(listed), "deploy_command": .string(deploy)])
    }
}

/// The starter documents, each pinned to the bytes of the others.
struct StarterSet {
    var appId: String

    func files() -> [String: [UInt8]] {
        var files: [String: [UInt8]] = [:]
        let index = Array("""
            <!doctype html>
            <html><head><meta charset="utf-8"><title>\(appId)</title></head>
            <body><h1>\(appId)</h1><p>Served by x07lp. Replace this page and the back-end component, then run x07lp pack seal.</p></body></html>

            """.utf8)
        // The smallest valid core Wasm module: magic, version 1, one empty custom section naming the app.
        let name = Array("x07.starter".utf8)
        let wasm: [UInt8] = [0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00, 0x00, UInt8(name.count + 1), UInt8(name.count)] + name
        func ref(_ path: String, _ bytes: [UInt8]) -> JSON {
            ["path": .string(path), "sha256": .string(Hex.encode(SHA256.digest(bytes))), "bytes_len": .number(Double(bytes.count))]
        }
        let bundle: JSON = [
            "schema_version": "x07.app.bundle@0.1.0", "profile_id": .string(appId + ".release"),
            "frontend": ["format": "core_wasm_v1", "dir_rel": "frontend", "artifacts": [ref("frontend/index.html", index)]],
            "backend": ["adapter": "wasi_http_proxy_v1", "artifact": ref("backend/app.wasm", wasm)],
        ]
        let bundleBytes = pretty(bundle)
        files["pack/index.html"] = index
        files["pack/app.wasm"] = wasm
        files["pack/bundle.json"] = bundleBytes
        files["pack/app.pack.json"] = pretty([
            "schema_version": "x07.app.pack@0.1.0", "profile_id": .string(appId + ".release"),
            "routing": ["api_prefix": "/api"], "frontend": ["index_path": "/index.html"],
            "backend": ["adapter": "wasi_http_proxy_v1", "component": ref("app.wasm", wasm)],
            "bundle_manifest": ref("bundle.json", bundleBytes),
            "assets": [["serve_path": "/index.html", "file": ref("index.html", index),
                        "headers": [["k": "cache-control", "v": "no-cache"]], "content_type": nil]],
        ])
        let slo = pretty([
            "schema_version": "x07.slo.profile@0.1.0", "id": .string(appId + ".slo"), "v": 1, "service": .string(appId),
            "indicators": [
                ["id": "error_rate", "kind": "error_rate", "metric": "http_error_rate", "window_s": 60, "objective": ["max": 0.02]],
                ["id": "availability", "kind": "availability", "metric": "http_availability", "window_s": 60, "objective": ["min": 0.98]],
                ["id": "latency_p95", "kind": "latency_p95_ms", "metric": "http_latency_p95_ms", "window_s": 60,
                 "objective": ["max_ms": 250]],
            ],
        ])
        let policy = pretty([
            "schema_version": "x07.policy.card@0.1.0", "id": .string(appId + ".policy"), "v": 1,
            "meta": ["title": .string(appId + " rollout policy"), "owner": .string(appId),
                     "description": "Rollouts go out as a canary gated by the SLO."],
            "rules": [[
                "id": "canary_with_slo", "target": "ops_profile", "effect": "require",
                "assertions": [["op": "eq", "path": "/deploy/strategy", "value": "canary"]],
                "patches": [["op": "replace", "path": "/deploy/strategy", "value": "canary"]],
                "reason": "a new release meets a share of the traffic before all of it",
            ]],
        ])
        let capabilities = pretty([
            "schema_version": "x07.app.capabilities@0.2.0", "id": .string(appId + ".caps"), "v": 1,
            "fs": ["preopens": []], "env": ["allow": []], "secrets": ["allow": []],
            "network": ["mode": "deny", "allowlist": [],
                        "hardening": ["deny_ip_literals": true, "deny_private_ips": true, "allow_ip_cidrs": []]],
            "clocks": ["mode": "deny"], "random": ["mode": "deny"],
            "notes": "Nothing granted: widen what the back end needs, then re-pin it in ops.json.",
        ])
        func pin(_ path: String, _ bytes: [UInt8]) -> JSON { ["path": .string(path), "sha256": .string(Hex.encode(SHA256.digest(bytes)))] }
        files["slo.json"] = slo
        files["policy.json"] = policy
        files["capabilities.json"] = capabilities
        files["ops.json"] = pretty([
            "schema_version": "x07.app.ops.profile@0.1.0", "id": .string(appId + ".ops"), "v": 1,
            "capabilities": pin("capabilities.json", capabilities), "policy_cards": [pin("policy.json", policy)],
            "slo": pin("slo.json", slo),
            "provenance": ["require_attestation": false, "predicate_type": "https://slsa.dev/provenance/v1",
                           "verify_on_serve": false, "verify_on_deploy": false],
            "deploy": ["strategy": "canary", "blue_green": nil, "canary": ["steps": [
                ["set_weight": 10], ["pause_s": 30], ["analysis": ["kind": "slo.eval", "require_decision": "promote"]],
                ["set_weight": 50], ["pause_s": 30], ["analysis": ["kind": "slo.eval", "require_decision": "promote"]],
                ["set_weight": 100],
            ]]],
            "notes": "A canary in two steps, each gated by the SLO profile.",
        ])
        files["change_request.json"] = pretty([
            "schema_version": "lp.change_request@0.1.0", "change_id": "lpcr_starter",
            "created_unix_ms": 1767225600000, "intent": "deploy",
            "target": ["app_id": .string(appId), "environment": ["kind": "staging"]],
            "acceptance": ["policy_mode": "enforce", "required_checks": ["x07_wasm_app_verify", "x07_wasm_ops_validate"]],
            "constraints": ["allow_unsafe": false, "max_risk_tier": "low"],
        ])
        for (step, (errors, latency)) in [(0.004, 141.0), (0.006, 152.0)].enumerated() {
            files["metrics/analysis.\(step + 1).json"] = pretty([
                "schema_version": "x07.metrics.snapshot@0.1.0", "v": 1, "taken_at_utc": .string("2026-01-01T00:0\(step + 1):00Z"),
                "service": .string(appId), "labels": ["slot": "candidate"],
                "metrics": [["name": "http_error_rate", "unit": "ratio", "value": .number(errors)],
                            ["name": "http_availability", "unit": "ratio", "value": 0.998],
                            ["name": "http_latency_p95_ms", "unit": "ms", "value": .number(latency)]],
            ])
        }
        return files
    }

    private func pretty(_ document: JSON) -> [UInt8] { document.encoded(.pretty) + [0x0A] }
}
