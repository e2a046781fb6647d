import LPCore
import LPModel
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Whether a deployment's `public_listener` (`http://127.0.0.1:<port>`, where `x07lp serve`
/// serves it) is up now, for `deploy status`'s `listener: {address, up, detail}`: it must accept
/// a connection and answer `HEAD /` with an `X-LP-Revision` of this deployment's slots within
/// 500 ms each (a listener port two deployments hash to serves only one of them). Any other
/// address form is not up.
enum ListenerCheck {
    static func json(_ listener: String?, revisions: Set<String>) -> JSON {
        guard let listener else { return .null }
        let detail = check(listener, revisions: revisions)
        return ["address": .string(listener), "up": .bool(detail == nil), "detail": .string(detail ?? "serves this deployment")]
    }

    /// nil when up, else why not. The request is curl's (the HTTP client x07lp uses; lp-query
    /// does not link libcurl, so it runs the program, as the slot probe does).
    static func check(_ listener: String, revisions: Set<String>) -> String? {
        let prefix = "http://127.0.0.1:"
        guard listener.hasPrefix(prefix), let port = UInt16(listener.dropFirst(prefix.count)), port > 0 else {
            return "not a local listener"
        }
        let log = NSTemporaryDirectory() + "x07lp-listener-\(getpid())-\(port).out"
        defer { unlink(log) }
        guard let (status, output) = try? ChildProcess.run("/usr/bin/curl", [
            "-s", "-I", "-o", "/dev/null", "--connect-timeout", "0.5", "--max-time", "1",
            "-w", "%{http_code} %header{x-lp-revision}", listener + "/",
        ], environment: ["PATH": "/usr/bin:/bin"], log: log) else { return "no answer (curl did not run)" }
        // curl's exit 7: nothing listens; 28: no answer in time; 52: closed without an answer.
        switch status {
        case 0: break
        case 7: return "connection refused"
        default: return "no answer"
        }
        let revision = output.split(separator: " ", maxSplits: 1).dropFirst().first.map(String.init) ?? ""
        guard !revision.isEmpty else { return "answers without X-LP-Revision (not x07lp serve)" }
        return revisions.contains(revision) ? nil : "serves another deployment"
    }
}
