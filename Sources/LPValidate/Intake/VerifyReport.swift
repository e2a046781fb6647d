import LPCore
import LPModel
import LPIndex
import LPStage

/// The seal check's report in the `x07.wasm.app.verify.report@0.1.0` shape, so tools that read
/// the reference format can read ours. `meta.tool.name` is fixed to `x07-wasm` by that contract;
/// `meta.tool.version` says which x07lp produced it. Only written for packs that verified
/// (a broken seal stops intake before anything is stored).
enum VerifyReport {
    static func make(manifestName: String, manifestDigest: DigestRef, manifest: PackManifest, files: Int) -> JSON {
        let pack = manifestDigest.json(path: manifestName)
        return [
            "schema_version": .string(SchemaVersion.wasmAppVerifyReport),
            "command": "x07-wasm.app.verify",
            "ok": true,
            "exit_code": 0,
            "diagnostics": [],
            "meta": [
                "tool": ["name": "x07-wasm", "version": .string("x07lp-\(LPVersion.current)")],
                "elapsed_ms": 0, "cwd": "", "argv": [],
                "inputs": [pack], "outputs": [],
                "nondeterminism": ["uses_os_time": false, "uses_network": false, "uses_process": false],
            ],
            "result": [
                "stdout": ["bytes_len": 0], "stderr": ["bytes_len": 0],
                "stdout_json": [
                    "pack_manifest": pack,
                    "assets_count": .number(Double(manifest.assets.count)),
                    "assets_checked": .number(Double(files)),
                    "missing_assets": 0, "digest_mismatches": 0, "headers_invalid": 0,
                ],
            ],
        ]
    }
}
