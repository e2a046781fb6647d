import LPCore
import LPModel

/// One thing `state verify` found about one file: a problem (the state is damaged or
/// inconsistent; exit 19) or a note (worth knowing, still a valid state).
struct StateFinding: Equatable {
    var code: String
    var path: String
    var message: String

    init(_ code: String, _ path: String, _ message: String) {
        self.code = code
        self.path = path
        self.message = message
    }

    var json: JSON { ["code": .string(code), "path": .string(path), "message": .string(message)] }

    func diagnostic(_ severity: Diagnostic.Severity) -> Diagnostic {
        Diagnostic(code: code, severity: severity, message: "\(path): \(message)", data: ["path": .string(path)])
    }

    /// Findings in a stable order (by path, then code), so the output is reproducible.
    static func sorted(_ findings: [StateFinding]) -> [StateFinding] {
        findings.sorted { ($0.path, $0.code, $0.message) < ($1.path, $1.code, $1.message) }
    }
}
