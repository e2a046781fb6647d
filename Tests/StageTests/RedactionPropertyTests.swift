import LPCore
import LPIncident
import Foundation
import TestFixtures
import XCTest

/// Random envelopes, bodies and traces with generated secrets in every position the redaction
/// table covers (docs/redaction.md): sensitive headers in any case, URL headers, the path's
/// query, `;` parameters, fragment and user-info, a separate `query`, JSON bodies (nested, by
/// key, as text or base64), form bodies, trace exchanges and UI state. Every secret carries a
/// start and an end marker, so half a value left behind is caught too.
enum SecretCorpus {
    static let startMarker = "QZXS", endMarker = "QZXE"

    /// A new seed every run (each failure names its seed); `X07LP_PROPERTY_SEED` replays one.
    static func seed() -> UInt64 {
        ProcessInfo.processInfo.environment["X07LP_PROPERTY_SEED"].flatMap { UInt64($0) } ?? UInt64.random(in: 0...UInt64.max)
    }

    static func leaks(_ text: String) -> Bool { text.contains(startMarker) || text.contains(endMarker) }

    /// A document as text, and every `base64` member in it decoded (an encoded body would hide
    /// a marker from a plain search).
    static func texts(of document: JSON) -> [String] {
        var out = [document.canonicalString]
        func walk(_ value: JSON) {
            switch value {
            case .object(let members):
                if let b64 = members["base64"]?.stringValue, let data = Data(base64Encoded: b64) {
                    out.append(String(decoding: data, as: UTF8.self))
                }
                members.values.forEach(walk)
            case .array(let items): items.forEach(walk)
            default: break
            }
        }
        walk(document)
        return out
    }

    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func int(_ n: Int) -> Int { Int(next() % UInt64(n)) }
        mutating func pick<T>(_ items: [T]) -> T { items[int(items.count)] }
        mutating func bool() -> Bool { int(2) == 0 }
        mutating func word(_ alphabet: String = "abcdefghijklmnopqrstuvwxyz0123456789", _ length: ClosedRange<Int> = 1...8) -> String {
            let chars = Array(alphabet)
            return String((0..<(length.lowerBound + int(length.count))).map { _ in pick(chars) })
        }
        /// A secret: markers around characters a value may hold (`/`, `=`, `%`, `+`, `:`, `.`...).
        mutating func secret(_ alphabet: String = "ABCDEFabcdef0123456789-._~%+=/:?") -> String {
            "QZXS" + word(alphabet, 0...16) + "QZXE"
        }
        mutating func casing(_ name: String) -> String {
            switch int(3) {
            case 0: return name.uppercased()
            case 1: return name.lowercased()
            default: return String(name.enumerated().map { $0.offset % 2 == 0 ? Character($0.element.uppercased()) : $0.element })
            }
        }
    }

    static let secretHeaders = ["Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie", "X-Api-Key", "X-Functions-Key",
                                "Ocp-Apim-Subscription-Key", "X-Amz-Security-Token", "X-Session-Id", "X-Hub-Signature",
                                "X-CSRF-Token", "Api-Key"]
    static let secretParams = ["access_token", "token", "id_token", "refresh_token", "api_key", "apikey", "key", "password",
                               "passwd", "pwd", "secret", "client_secret", "sig", "signature", "session", "jsessionid",
                               "X-Amz-Credential", "AWSAccessKeyId", "auth", "code_verifier_secret", "user[password]",
                               "access%5Ftoken", "otp"]
    static let plainParams = ["a", "page", "q", "name", "lang", "keyboard", "author", "next"]

    /// `name=value` pairs joined by `&` or `;`, secrets among them; returns the string and the
    /// plain values that must survive.
    static func parameters(_ g: inout Generator, secrets: inout [String]) -> String {
        (0..<(1 + g.int(4))).map { _ -> String in
            if g.bool() {
                let secret = g.secret()
                secrets.append(secret)
                return g.casing(g.pick(secretParams)) + "=" + secret
            }
            return g.pick(plainParams) + "=" + g.word()
        }.joined(separator: g.pick(["&", ";"]))
    }

    static func url(_ g: inout Generator, secrets: inout [String]) -> String {
        var url = g.pick(["", "https://h.example", "http://u:" + { let s = g.secret("ABCDEFabcdef0123456789-._~%+="); secrets.append(s); return s }() + "@h.example"])
        url += "/" + g.word() + (g.bool() ? ";jsessionid=" + { let s = g.secret(); secrets.append(s); return s }() : "")
        if g.bool() { url += "?" + parameters(&g, secrets: &secrets) }
        if g.bool() { url += "#" + (g.bool() ? "/" + g.word() + "?" : "") + parameters(&g, secrets: &secrets) }
        return url
    }

    static func jsonValue(_ g: inout Generator, depth: Int, secrets: inout [String]) -> JSON {
        switch g.int(depth > 3 ? 3 : 6) {
        case 0: return .string(g.word())
        case 1: return .number(Double(g.int(1000)))
        case 2:
            let secret = g.secret()
            secrets.append(secret)
            return ["url": .string("/x?" + g.pick(secretParams) + "=" + secret)]
        case 3:
            return .array((0..<g.int(3)).map { _ in jsonValue(&g, depth: depth + 1, secrets: &secrets) })
        default:
            var members: [String: JSON] = [:]
            for _ in 0..<(1 + g.int(4)) {
                if g.bool() {
                    let secret = g.secret()
                    secrets.append(secret)
                    let value: JSON = g.int(4) == 0 ? [.string(secret)] : g.int(3) == 0 ? ["inner": .string(secret)] : .string(secret)
                    members[g.casing(g.pick(secretParams + ["clientSecret", "apiKey", "sessionToken"]))] = value
                } else {
                    members[g.pick(plainParams) + g.word()] = jsonValue(&g, depth: depth + 1, secrets: &secrets)
                }
            }
            return .object(members)
        }
    }

    static func body(_ g: inout Generator, secrets: inout [String]) -> (JSON, String?) {
        switch g.int(4) {
        case 0:
            let text = jsonValue(&g, depth: 0, secrets: &secrets).canonicalString
            return (["bytes_len": .number(Double(text.utf8.count)), "text": .string(text)], g.pick(["application/json", nil]))
        case 1:
            let text = parameters(&g, secrets: &secrets)
            return (["bytes_len": .number(Double(text.utf8.count)), "text": .string(text)],
                    g.pick(["application/x-www-form-urlencoded", nil]))
        case 2:
            let text = jsonValue(&g, depth: 0, secrets: &secrets).canonicalString
            return (["bytes_len": .number(Double(text.utf8.count)), "base64": .string(Data(text.utf8).base64EncodedString())],
                    "application/json; charset=utf-8")
        default:
            return (["bytes_len": 0], nil)
        }
    }

    static func envelope(_ g: inout Generator, response: Bool, secrets: inout [String]) -> JSON {
        var headers: [JSON] = []
        for _ in 0..<g.int(5) {
            switch g.int(3) {
            case 0:
                let secret = g.secret()
                secrets.append(secret)
                headers.append(["k": .string(g.casing(g.pick(secretHeaders))), "v": .string(g.pick(["Bearer ", "", "s="]) + secret)])
            case 1:
                headers.append(["k": .string(g.pick(["Location", "Referer", "Content-Location"])), "v": .string(url(&g, secrets: &secrets))])
            default:
                headers.append(["k": .string(g.pick(["Accept", "X-Request-Id", "X-LP-Route-Key"])), "v": .string(g.word())])
            }
        }
        let (body, type) = SecretCorpus.body(&g, secrets: &secrets)
        if let type { headers.append(["k": "Content-Type", "v": .string(type)]) }
        if response {
            return ["schema_version": "x07.http.response.envelope@0.1.0", "request_id": "req-1", "status": 502,
                    "headers": .array(headers), "body": body]
        }
        var members: [String: JSON] = ["schema_version": "x07.http.request.envelope@0.1.0", "id": "req-1", "method": "POST",
                                       "path": .string("/" + g.word() + String(url(&g, secrets: &secrets).drop { $0 != "?" && $0 != "#" && $0 != ";" })),
                                       "headers": .array(headers), "body": body]
        if g.bool() { members["query"] = .string(parameters(&g, secrets: &secrets)) }
        return .object(members)
    }


    static func randomTrace(_ g: inout Generator, secrets: inout [String]) -> JSON {
        TraceFixtures.trace(steps: (0..<(1 + g.int(3))).map { i in
            var step = TraceFixtures.step(path: "/p", uiState: g.bool() ? ["app": jsonValue(&g, depth: 1, secrets: &secrets)] : .null)
            step = step.setting("i", .number(Double(i)))
            return step.setting("http", .array((0..<(1 + g.int(2))).map { _ in
                ["request": envelope(&g, response: false, secrets: &secrets), "response": envelope(&g, response: true, secrets: &secrets)]
            }))
        })
    }

}

/// The property in-process (many rounds) and through the stage processes (a few rounds, the
/// whole state directory, the regression files, stdout and stderr searched for the markers).
final class RedactionPropertyTests: XCTestCase {
    func testGeneratedSecretsInEveryPositionNeverSurviveRedaction() {
        let seed = SecretCorpus.seed()
        var g = SecretCorpus.Generator(state: seed)
        var checked = 0
        for round in 0..<400 {
            var secrets: [String] = []
            // Normalised first, as a capture is: a path's query string is split off before redaction.
            guard let request = try? HTTPEnvelope.request(SecretCorpus.envelope(&g, response: false, secrets: &secrets), source: "request") else {
                return XCTFail("round \(round): the generated request is not an envelope (seed \(seed))")
            }
            let response = SecretCorpus.envelope(&g, response: true, secrets: &secrets)
            let trace = SecretCorpus.randomTrace(&g, secrets: &secrets)
            let (r1, x1) = Redaction.envelope(request, location: "request")
            let (r2, x2) = Redaction.envelope(response, location: "response")
            let (r3, x3) = Redaction.trace(trace)
            let removals = x1 + x2 + x3
            let outputs = [r1, r2, r3].flatMap(SecretCorpus.texts)
            let report = JSON.array(removals.map(\.json)).canonicalString
            for text in outputs + [report] {
                XCTAssertFalse(SecretCorpus.leaks(text), "round \(round): a secret survived in \(text) (seed \(seed))")
            }
            // Idempotent: a second pass takes nothing more out.
            XCTAssertEqual(Redaction.envelope(r1, location: "request").1 + Redaction.trace(r3).1, [], "round \(round) (seed \(seed))")
            checked += secrets.count
        }
        XCTAssertGreaterThan(checked, 1000)
    }

    /// The same property through the processes: captures of random exchanges, their regression
    /// fixtures and queries; the markers appear in no file of the state directory (records,
    /// blobs, the index), no generated file, no stdout and no stderr.
    func testGeneratedSecretsReachNoFileAndNoOutputOfTheStages() throws {
        let setup = try IncidentTests.promoted()
        let seed = SecretCorpus.seed()
        var g = SecretCorpus.Generator(state: seed)
        let out = StageProcess.temporaryDirectory()
        var outputs: [(String, [UInt8])] = []
        for round in 0..<3 {
            var secrets: [String] = []
            let files = [("request.json", SecretCorpus.envelope(&g, response: false, secrets: &secrets)),
                         ("response.json", SecretCorpus.envelope(&g, response: true, secrets: &secrets)),
                         ("trace.json", SecretCorpus.randomTrace(&g, secrets: &secrets))]
            for (name, json) in files {
                try Data(json.encoded(.pretty)).write(to: URL(fileURLWithPath: setup.work + "/" + name))
            }
            let capture = try StageProcess.x07lp([
                "incident", "capture", "--deployment-id", setup.deployment, "--request", setup.work + "/request.json",
                "--response", setup.work + "/response.json", "--trace", setup.work + "/trace.json",
                "--state-dir", setup.state, "--now-unix-ms", String(1_767_225_600_000 + round), "--json"])
            XCTAssertEqual(capture.status, 0, capture.stderr)
            let id = try IncidentTests.incidentId(capture)
            let regress = try StageProcess.x07lp(["regress", "from-incident", "--incident-id", id, "--name", "r\(round)",
                                                  "--out-dir", out, "--state-dir", setup.state, "--json"])
            XCTAssertEqual(regress.status, 0, regress.stderr)
            let get = try StageProcess.x07lp(["incident", "get", "--incident-id", id, "--state-dir", setup.state, "--json"])
            for result in [capture, regress, get] {
                outputs.append(("stdout", result.stdout))
                outputs.append(("stderr", Array(result.stderr.utf8)))
            }
        }
        let stored = StateFiles.all(setup.state).map { ("state/" + $0.key, $0.value) } + StateFiles.all(out).map { ("out/" + $0.key, $0.value) }
        XCTAssertGreaterThan(stored.count, 30)
        for (name, bytes) in stored + outputs {
            var texts = [String(decoding: bytes, as: UTF8.self)]
            if let json = try? JSONParser.parse(bytes) { texts += SecretCorpus.texts(of: json) }
            for text in texts { XCTAssertFalse(SecretCorpus.leaks(text), "a secret reached \(name) (seed \(seed))") }
        }
    }
}
