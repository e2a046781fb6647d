import LPCore
import LPModel

/// One thing a gate found. Errors deny the change (under `policy_mode: enforce`), warnings are
/// recorded, info notes what was checked or deliberately not checked.
struct Finding: Codable, Equatable {
    enum Severity: String, Codable { case error, warning, info }
    var code: String
    var severity: Severity
    var message: String
    var subject: String?

    static func error(_ code: String, _ message: String, subject: String? = nil) -> Finding {
        Finding(code: code, severity: .error, message: message, subject: subject)
    }
    static func warning(_ code: String, _ message: String, subject: String? = nil) -> Finding {
        Finding(code: code, severity: .warning, message: message, subject: subject)
    }
    static func info(_ code: String, _ message: String, subject: String? = nil) -> Finding {
        Finding(code: code, severity: .info, message: message, subject: subject)
    }
}

/// `x07lp.gate.report@0.1.0`: the stored output of one gate step.
struct GateReport: Codable {
    struct Input: Codable { var label: String; var sha256: String; var bytes_len: Int }

    var schema_version = SchemaVersion.gateReport
    var gate: String
    var ok: Bool
    var findings: [Finding]
    var inputs: [Input]

    init(gate: String, findings: [Finding], inputs: [(String, DigestRef)]) {
        self.gate = gate
        self.findings = findings
        self.ok = !findings.contains { $0.severity == .error }
        self.inputs = inputs.map { Input(label: $0.0, sha256: $0.1.sha256, bytes_len: $0.1.bytes_len) }
    }
}
