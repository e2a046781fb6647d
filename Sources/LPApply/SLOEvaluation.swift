import LPCore
import LPModel
import LPIndex
import LPStage
import LPIncident

/// SLO evaluation (docs/deploy.md): each indicator reads the metric named by it. error_rate is ok iff
/// observed ≤ max, availability iff observed ≥ min, latency_p95_ms iff observed ≤ max_ms.
/// Any violation ⇒ rollback; otherwise a missing metric ⇒ inconclusive; otherwise promote.
/// Device releases evaluate their metrics gates with it too (LPRelease).
public enum SLOEvaluation {
    public struct Result {
        public var decision: SLODecision
        public var violations: Int
        public var missing: [String]
        public var report: JSON
    }

    public static func evaluate(profile: JSON, profileDigest: DigestRef, snapshot: JSON, snapshotDigest: DigestRef,
                         snapshotName: String) -> Result {
        var metrics: [String: Double] = [:]
        for metric in snapshot["metrics"]?.arrayValue ?? [] {
            if let name = metric["name"]?.stringValue, let value = metric["value"]?.doubleValue { metrics[name] = value }
        }
        var indicators: [JSON] = []
        var violations = 0
        var missing: [String] = []
        for indicator in profile["indicators"]?.arrayValue ?? [] {
            let id = indicator["id"]?.stringValue ?? "?"
            let kind = indicator["kind"]?.stringValue ?? "?"
            let metric = indicator["metric"]?.stringValue ?? "?"
            let objective = indicator["objective"] ?? [:]
            guard let observed = metrics[metric] else {
                missing.append(metric)
                continue
            }
            let ok: Bool
            switch kind {
            case "error_rate": ok = observed <= (objective["max"]?.doubleValue ?? .infinity)
            case "availability": ok = observed >= (objective["min"]?.doubleValue ?? -.infinity)
            case "latency_p95_ms": ok = observed <= (objective["max_ms"]?.doubleValue ?? .infinity)
            default: ok = false
            }
            if !ok { violations += 1 }
            indicators.append(["id": .string(id), "kind": .string(kind), "metric": .string(metric),
                               "observed": .number(observed), "ok": .bool(ok), "objective": objective])
        }
        let decision: SLODecision = violations > 0 ? .rollback : (missing.isEmpty ? .promote : .inconclusive)
        func file(_ path: String, _ digest: DigestRef) -> JSON {
            digest.json(path: path)
        }
        // The reference report shape (x07.wasm.slo.eval.report@0.1.0); tool.version names x07lp.
        let report: JSON = [
            "schema_version": .string(SchemaVersion.wasmSLOEvalReport), "command": "x07-wasm.slo.eval",
            "ok": true, "exit_code": 0, "diagnostics": [],
            "meta": [
                "tool": ["name": "x07-wasm", "version": .string("x07lp-\(LPVersion.current)")],
                "elapsed_ms": 0, "cwd": "", "argv": [],
                "inputs": [file("slo_profile.json", profileDigest), file(snapshotName, snapshotDigest)], "outputs": [],
                "nondeterminism": ["uses_os_time": false, "uses_network": false, "uses_process": false],
            ],
            "result": [
                "slo_profile": file("slo_profile.json", profileDigest),
                "metrics_snapshot": file(snapshotName, snapshotDigest),
                "decision": .string(decision.rawValue), "violations": .number(Double(violations)),
                "indicators": .array(indicators),
            ],
        ]
        return Result(decision: decision, violations: violations, missing: missing, report: report)
    }
}
