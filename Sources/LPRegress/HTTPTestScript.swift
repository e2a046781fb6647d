import LPCore
import LPState
import LPModel
import LPIndex
import LPStage
import LPIncident

/// The portable HTTP test: a POSIX sh script that replays the failing request with curl against
/// a base URL and checks the invariant (status < 500). Exit 0 = holds, 1 = violated, 2 = the
/// request could not be made. Headers redacted at capture are not replayed with their
/// placeholder; each is sent only when the operator supplies it as X07LP_HEADER_<NAME>.
/// Every captured value reaches the script single-quoted, so nothing in an incident can inject
/// shell code.
enum HTTPTestScript {
    /// Headers curl computes itself.
    static let skippedHeaders: Set<String> = ["host", "content-length", "connection", "transfer-encoding"]

    static func make(request: JSON, incidentId: String, deploymentId: String?, statusCode: Int?, name: String) -> String {
        let method = request["method"]?.stringValue ?? "GET"
        let path = request["path"]?.stringValue ?? "/"
        let query = request["query"]?.stringValue.map { "?" + $0 } ?? ""
        var lines = [
            "#!/bin/sh",
            oneLine("# x07lp regression test \(name), generated from incident \(incidentId)"
                + (deploymentId.map { " (deployment \($0))" } ?? "") + "."),
            "# Replays the request that got HTTP \(statusCode.map(String.init) ?? "5xx") and checks the invariant: status < 500.",
            "#   sh http.test.sh BASE_URL          e.g. sh http.test.sh http://127.0.0.1:8080",
            "# Exit 0: the invariant holds. Exit 1: it is violated. Exit 2: no response (or no curl).",
        ]
        let headers = (request["headers"]?.arrayValue ?? []).compactMap { header -> (String, String)? in
            guard let k = header["k"]?.stringValue, let v = header["v"]?.stringValue,
                  !skippedHeaders.contains(k.lowercased()) else { return nil }
            return (k, v)
        }
        let redacted = headers.filter { $0.1 == Redaction.placeholder }.map(\.0)
        if !redacted.isEmpty {
            lines.append("# Redacted at capture, sent only when supplied: "
                         + redacted.map { envName($0) }.joined(separator: ", "))
        }
        lines += [
            "set -u",
            "base=${1:-${X07LP_TARGET_URL:-}}",
            "[ -n \"$base\" ] || { echo 'usage: sh http.test.sh BASE_URL' >&2; exit 2; }",
            "command -v curl >/dev/null 2>&1 || { echo 'http.test.sh: curl is required' >&2; exit 2; }",
            "set -- -sS -o /dev/null -w '%{http_code}' --max-time 30 "
                + (method == "HEAD" ? "-I" : "-X " + quote(method)),
        ]
        for (k, v) in headers {
            if v == Redaction.placeholder {
                let variable = envName(k)
                lines.append("[ -n \"${\(variable):-}\" ] && set -- \"$@\" -H \(quote(k + ":"))\" $\(variable)\"")
            } else {
                lines.append("set -- \"$@\" -H \(quote(k + ": " + v))")
            }
        }
        let url = "\"${base%/}\"" + quote(path + query)
        let body = request["body"]
        if let text = body?["text"]?.stringValue, !text.isEmpty {
            lines.append("status=$(printf '%s' \(quote(text)) | curl \"$@\" --data-binary @- \(url)) || true")
        } else if let base64 = body?["base64"]?.stringValue, !base64.isEmpty {
            lines.append("status=$(printf '%s' \(quote(base64)) | base64 -d | curl \"$@\" --data-binary @- \(url)) || true")
        } else {
            lines.append("status=$(curl \"$@\" \(url)) || true")
        }
        let what = quote(method + " " + path)
        lines += [
            "case $status in ''|000) echo \"http.test.sh: no response from $base\" >&2; exit 2 ;; esac",
            "if [ \"$status\" -lt 500 ]; then echo \"ok: \"\(what)\" -> $status (< 500)\"; exit 0; fi",
            "echo \"FAIL: \"\(what)\" -> $status, expected < 500 (incident \"\(quote(incidentId))\")\" >&2",
            "exit 1",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    /// `'...'` with embedded quotes closed, escaped and reopened.
    static func quote(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// X07LP_HEADER_AUTHORIZATION for `Authorization`; anything but letters and digits becomes `_`.
    static func envName(_ header: String) -> String {
        "X07LP_HEADER_" + String(header.uppercased().map { ($0.isASCII && ($0.isLetter || $0.isNumber)) ? $0 : "_" })
    }

    /// Free text made safe for a comment line.
    static func oneLine(_ text: String) -> String {
        String(text.map { $0.isNewline ? " " : $0 })
    }
}
