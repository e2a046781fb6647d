@testable import LPCore
@testable import LPIncident
import Foundation
import TestFixtures
import XCTest

/// The redaction table (docs/redaction.md) in-process: what the names match, and one test per
/// leak of issue 13 (each of them got through before). The property tests are in
/// StageTests/RedactionPropertyTests.swift.
final class RedactionTests: XCTestCase {
    let rules = RedactionRules.standard

    func testTheTableMatchesSecretNamesAndNotTheirLookAlikes() {
        for name in ["Authorization", "proxy-authorization", "Cookie", "Set-Cookie", "X-Api-Key", "x-auth-token",
                     "X-Amz-Security-Token", "x-client-secret", "X-Session-Id", "X-Functions-Key", "Ocp-Apim-Subscription-Key",
                     "apiKey", "api_key", "APIKEY", "access_token", "AccessToken", "pwd", "user_pwd", "Passwd", "newPassword",
                     "PHPSESSID", "jsessionid", "sig", "X-Hub-Signature-256", "X-Amz-Credential", "AWSAccessKeyId",
                     "client_secret", "user[password]", "access%5Ftoken", "refresh+token", "key", "oauth_verifier",
                     "X-CSRF-Token", "pin", "otp", "private_key", "passphrase"] {
            XCTAssertTrue(rules.isSensitive(name), name)
        }
        // Whole-word rules keep `key` and `pass` out of harmless words; `author` is not `auth`;
        // the route key is the engine's own, not a secret.
        for name in ["keyboard", "monkey", "keys", "author", "author_id", "Authors", "passenger", "compass", "spinner",
                     "accept", "content-type", "x-lp-route-key", "X-LP-Route-Key", "user-agent", "x-request-id", "name",
                     "page", "q", "access-control-allow-credentials", "signal", "design"] {
            XCTAssertFalse(rules.isSensitive(name), name)
        }
        XCTAssertEqual(RedactionRules.words(of: "XApiKey"), ["x", "api", "key"])
        XCTAssertEqual(RedactionRules.words(of: "AWSAccessKeyId"), ["aws", "access", "key", "id"])
        XCTAssertEqual(RedactionRules.words(of: "Ocp-Apim-Subscription-Key"), ["ocp", "apim", "subscription", "key"])
        for name in ["url", "redirect_uri", "href", "Location", "Referer", "callbackUrl", "webhookURL", "next", "path"] {
            XCTAssertTrue(rules.isURLField(name), name)
        }
        XCTAssertFalse(rules.isURLField("name"))
    }

    func testNamesCanBeAddedThroughTheEnvironment() {
        let more = RedactionRules.from(environment: ["X07LP_REDACT_NAMES": "ssn, customer-pin,Account_Number"])
        for name in ["ssn", "customer_ssn", "X-Customer-Pin", "accountNumber", "password"] {
            XCTAssertTrue(more.isSensitive(name), name)
        }
        for name in ["lesson", "customer", "number"] { XCTAssertFalse(more.isSensitive(name), name) }
        XCTAssertFalse(rules.isSensitive("customer_ssn"))
        let (clean, names) = Redaction.parameters("/a?ssn=123&x=1", startsWithParameter: false, rules: more)
        XCTAssertEqual(clean, "/a?ssn=<redacted>&x=1")
        XCTAssertEqual(names, ["ssn"])
    }

    // MARK: one test per leak of issue 13



    func request(_ members: [String: JSON]) -> JSON {
        var base: [String: JSON] = ["schema_version": "x07.http.request.envelope@0.1.0", "id": "req-1", "method": "GET",
                                    "path": "/", "headers": [], "body": ["bytes_len": 0]]
        for (k, v) in members { base[k] = v }
        return .object(base)
    }

    func redacted(_ envelope: JSON) -> (JSON, [String]) {
        let (clean, removals) = Redaction.envelope(envelope, location: "request")
        XCTAssertEqual(Redaction.envelope(clean, location: "request").1, [], "redacting twice finds nothing more")
        return (clean, removals.map { $0.location + " " + $0.name })
    }

    func testATokenInThePathBesideASeparateQueryIsRedacted() {
        let (clean, removed) = redacted(request(["path": "/api/hello?access_token=TKN1", "query": "a=1"]))
        XCTAssertEqual(clean["path"], "/api/hello?access_token=<redacted>")
        XCTAssertEqual(clean["query"], "a=1")
        XCTAssertEqual(removed, ["request.path access_token"])
    }

    func testSemicolonSeparatedParametersAreRedacted() {
        let (clean, removed) = redacted(request(["path": "/a;jsessionid=S1/b", "query": "x=1;token=T2;y=2"]))
        XCTAssertEqual(clean["query"], "x=1;token=<redacted>;y=2")
        XCTAssertEqual(Redaction.parameters("a=1&password=x;y", startsWithParameter: true).0, "a=1&password=<redacted>;y")
        XCTAssertEqual(clean["path"], "/a;jsessionid=<redacted>")
        XCTAssertEqual(Set(removed), ["request.query token", "request.path jsessionid"])
    }

    func testTheFragmentIsRedacted() {
        let (clean, removed) = redacted(request(["path": "/cb#access_token=F1&token_type=bearer&state=s"]))
        XCTAssertEqual(clean["path"], "/cb#access_token=<redacted>&token_type=<redacted>&state=s")
        XCTAssertEqual(removed, ["request.path access_token", "request.path token_type"])
        // A route in the fragment with its own query, and a query carrying the fragment.
        XCTAssertEqual(Redaction.parameters("/#/login?token=F2", startsWithParameter: false).0, "/#/login?token=<redacted>")
        XCTAssertEqual(Redaction.parameters("a=1#id_token=F3", startsWithParameter: true).0, "a=1#id_token=<redacted>")
    }

    func testQueryNamesLikePwdAreRedacted() {
        let (clean, _) = redacted(request(["query": "user=ana&pwd=P1&Passwd=P2&sig=P3&x-functions-key=P4"]))
        XCTAssertEqual(clean["query"], "user=ana&pwd=<redacted>&Passwd=<redacted>&sig=<redacted>&x-functions-key=<redacted>")
    }

    func testCloudKeyHeadersAreRedacted() {
        let (clean, removed) = redacted(request(["headers": [["k": "X-Functions-Key", "v": "H1"],
                                                             ["k": "Ocp-Apim-Subscription-Key", "v": "H2"],
                                                             ["k": "X-LP-Route-Key", "v": "user-7"]]]))
        XCTAssertEqual(clean["headers"], [["k": "X-Functions-Key", "v": "<redacted>"],
                                          ["k": "Ocp-Apim-Subscription-Key", "v": "<redacted>"],
                                          ["k": "X-LP-Route-Key", "v": "user-7"]])
        XCTAssertEqual(removed, ["request.header x-functions-key", "request.header ocp-apim-subscription-key"])
    }

    func testURLHeadersAndUserInfoAreRedacted() {
        let response: JSON = ["schema_version": "x07.http.response.envelope@0.1.0", "request_id": "req-1", "status": 302,
                              "headers": [["k": "Location", "v": "https://app.example/cb#access_token=L1"],
                                          ["k": "Link", "v": "<https://u:PW1@api.example/x?page=2&api_key=L2>; rel=next"]],
                              "body": ["bytes_len": 0]]
        let (clean, removals) = Redaction.envelope(response, location: "response")
        XCTAssertEqual(clean["headers"]?[0]?["v"], "https://app.example/cb#access_token=<redacted>")
        XCTAssertEqual(clean["headers"]?[1]?["v"], "<https://u:<redacted>@api.example/x?page=2&api_key=<redacted>>; rel=next")
        XCTAssertEqual(removals.map(\.name), ["access_token", "userinfo", "api_key"])
    }

    func testJSONBodiesAreRedactedByKeyRecursively() throws {
        let body = #"{"user":"ana","password":"B1","nested":{"list":[{"apiKey":"B2","n":1}],"clientSecret":7},"remember_token":true,"#
            + #""redirect_uri":"https://x/cb?code=1&token=B3","author":"ana","credentials":{"u":"a","p":"B4"}}"#
        let (clean, removed) = redacted(request(["method": "POST", "headers": [["k": "Content-Type", "v": "application/json"]],
                                                 "body": ["bytes_len": .number(Double(body.utf8.count)), "text": .string(body)]]))
        let text = clean["body"]?["text"]?.stringValue ?? ""
        let parsed = try JSONParser.parse(Array(text.utf8))
        XCTAssertEqual(parsed["password"], "<redacted>")
        XCTAssertEqual(parsed["nested"]?["list"]?[0]?["apiKey"], "<redacted>")
        XCTAssertEqual(parsed["nested"]?["list"]?[0]?["n"], 1)
        XCTAssertEqual(parsed["nested"]?["clientSecret"], "<redacted>")
        XCTAssertEqual(parsed["remember_token"], true, "a boolean holds no secret")
        XCTAssertEqual(parsed["redirect_uri"], "https://x/cb?code=1&token=<redacted>")
        XCTAssertEqual(parsed["author"], "ana")
        XCTAssertEqual(parsed["credentials"], "<redacted>")
        XCTAssertEqual(clean["body"]?["bytes_len"]?.intValue, text.utf8.count)
        XCTAssertEqual(Set(removed), ["request.body password", "request.body apikey", "request.body clientsecret",
                                      "request.body token", "request.body credentials"])
        for secret in ["B1", "B2", "B3", "B4"] { XCTAssertFalse(text.contains(secret), secret) }
    }

    func testFormBase64AndBrokenJSONBodiesAreRedacted() {
        let form = "user=ana&password=F1&csrf_token=F2&next=%2Fhome"
        let (clean, removed) = redacted(request(["method": "POST",
                                                 "headers": [["k": "content-type", "v": "application/x-www-form-urlencoded"]],
                                                 "body": ["bytes_len": .number(Double(form.utf8.count)), "text": .string(form)]]))
        XCTAssertEqual(clean["body"]?["text"], "user=ana&password=<redacted>&csrf_token=<redacted>&next=%2Fhome")
        XCTAssertEqual(removed, ["request.body password", "request.body csrf_token"])

        let json = Data(#"{"token":"F3"}"#.utf8).base64EncodedString()
        let (b64, _) = Redaction.body(["bytes_len": 14, "base64": .string(json)], contentType: "application/json")
        let decoded = String(decoding: Data(base64Encoded: b64["base64"]?.stringValue ?? "") ?? Data(), as: UTF8.self)
        XCTAssertEqual(decoded, #"{"token":"<redacted>"}"#)

        let truncated = #"{"user":"ana","password":"F4","note":"#
        let (broken, names) = Redaction.body(["bytes_len": 999, "text": .string(truncated)], contentType: "application/json")
        XCTAssertEqual(broken["text"], #"{"user":"ana","password":"<redacted>","note":"#)
        XCTAssertEqual(broken["bytes_len"], 999, "a truncated capture keeps its captured length")
        XCTAssertEqual(names, ["password"])
    }

    func testATokenInATraceExchangePathIsRedacted() {
        let trace = TraceFixtures.trace(steps: [TraceFixtures.step(path: "/api/hello?access_token=TR1", uiState: ["session_token": "TR2"],
                                                  event: ["type": "input", "target": "password", "value": "TR3"])])
        let (clean, removals) = Redaction.trace(trace)
        let text = clean.canonicalString
        for secret in ["TR1", "TR2", "TR3"] { XCTAssertFalse(text.contains(secret), secret) }
        XCTAssertEqual(clean["steps"]?[0]?["http"]?[0]?["request"]?["path"], "/api/hello?access_token=<redacted>")
        XCTAssertEqual(Set(removals.map { $0.location + " " + $0.name }),
                       ["trace.steps[0].http[0].request.path access_token", "trace.steps[0].ui_dispatch session_token",
                        "trace.steps[0].ui_dispatch password"])
        XCTAssertEqual(Redaction.trace(clean).1, [])
    }
}

fileprivate extension JSON {
    subscript(index: Int) -> JSON? {
        guard case .array(let items) = self, items.indices.contains(index) else { return nil }
        return items[index]
    }
}
