import LPCore
import LPState

/// Why a deployment was rolled back, in words: the violated indicators of its last SLO evaluation
/// (the `x07.wasm.slo.eval.report` the execution's meta points to), each with the value observed
/// and the objective. Reports and views name them, so nobody has to open the evidence by hand.
public struct SLOViolation: Sendable, Equatable {
    public var id: String
    public var kind: String
    public var metric: String
    public var observed: Double
    public var objective: JSON

    /// The violated indicators of an SLO evaluation report (`result.indicators` with `ok: false`).
    public static func from(report: JSON) -> [SLOViolation] {
        (report["result"]?["indicators"]?.arrayValue ?? []).compactMap { indicator in
            guard indicator["ok"] == .bool(false), let observed = indicator["observed"]?.doubleValue else { return nil }
            return SLOViolation(id: ViewText.text(indicator["id"]), kind: ViewText.text(indicator["kind"]),
                                metric: ViewText.text(indicator["metric"]), observed: observed,
                                objective: indicator["objective"] ?? [:])
        }
    }

    /// The violations behind a rolled-back execution, read from the store; [] for any other
    /// execution or when the report is not there.
    public static func of(execution: JSON, state: StateDirectory) -> [SLOViolation] {
        guard execution["meta"]?["outcome"] == "rolled_back",
              let sha = execution["meta"]?["analysis"]?["last_slo_report"]?["digest"]?["sha256"]?.stringValue,
              (try? StateDirectory.checkComponent(sha, what: "SLO report digest")) != nil,
              let report = try? BlobStore(state: state).read(sha), let json = try? JSONParser.parse(report) else { return [] }
        return from(report: json)
    }

    /// `error_rate (http_error_rate): observed 0.12, objective max 0.05`.
    public var sentence: String {
        let objectives: [String] = (objective.objectValue ?? [:]).keys.sorted().map { key in
            "\(key) \(ViewText.text(objective[key]))"
        }
        return "\(id) (\(metric)): observed \(ViewText.text(.number(observed))), objective \(objectives.joined(separator: ", "))"
    }

    public var json: JSON {
        ["id": .string(id), "kind": .string(kind), "metric": .string(metric), "observed": .number(observed), "objective": objective]
    }

    /// "rolled back: a; b" for a diagnostic, or nil without violations.
    public static func summary(_ violations: [SLOViolation]) -> String? {
        violations.isEmpty ? nil : "SLO violated: " + violations.map(\.sentence).joined(separator: "; ")
    }
}
