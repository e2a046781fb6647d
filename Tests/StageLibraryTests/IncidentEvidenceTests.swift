@testable import LPCore
@testable import LPState
@testable import LPModel
@testable import LPIndex
@testable import LPStage
@testable import LPValidate
@testable import LPPlan
@testable import LPIncident
@testable import LPApply
@testable import LPRegress
@testable import LPQuery
import XCTest

/// The pure parts of incident capture: envelope normalisation, credential redaction, and the
/// vocabulary lp-incident accepts staying inside the contract's enums.
final class IncidentEvidenceTests: XCTestCase {
    func testLooseRequestEnvelopesAreNormalisedToTheContractForm() throws {
        let loose: JSON = ["schema_version": "x07.http.request.envelope@0.1.0", "method": "get", "path": "/a?b=1",
                           "headers": ["X-B": "2", "a": ["1", "3"]], "body": ["k": "v"]]
        let request = try HTTPEnvelope.request(loose, source: "t")
        XCTAssertEqual(request["method"], "GET")
        XCTAssertEqual(request["path"], "/a")
        XCTAssertEqual(request["query"], "b=1")
        XCTAssertEqual(request["headers"], [["k": "X-B", "v": "2"], ["k": "a", "v": "1"], ["k": "a", "v": "3"]])
        XCTAssertEqual(request["body"], ["bytes_len": 9, "text": "{\"k\":\"v\"}"])
        let id = request["id"]?.stringValue ?? ""
        XCTAssertTrue(id.hasPrefix("req-") && id.count == 28, id)
        XCTAssertEqual(try HTTPEnvelope.request(loose, source: "t"), request, "the derived id is deterministic")

        let response = try HTTPEnvelope.response(["schema_version": "x07.http.response.envelope@0.1.0", "status": 500,
                                                  "headers": .null, "body": .null], requestId: id, source: "t")
        XCTAssertEqual(response["request_id"]?.stringValue, id)
        XCTAssertEqual(response["headers"], [])
        XCTAssertEqual(response["body"], ["bytes_len": 0])

        // A contract-form body is kept; wrong kinds and versions are refused.
        let kept = try HTTPEnvelope.request(loose.setting("body", ["bytes_len": 3, "base64": "YWJj"]), source: "t")
        XCTAssertEqual(kept["body"], ["bytes_len": 3, "base64": "YWJj"])
        XCTAssertThrowsError(try HTTPEnvelope.request(loose.setting("schema_version", "x07.http.response.envelope@0.1.0"), source: "t"))
        XCTAssertThrowsError(try HTTPEnvelope.request(loose.setting("headers", ["a": 1]), source: "t"))
        XCTAssertThrowsError(try HTTPEnvelope.request(.array([]), source: "t"))
    }

    func testCredentialsAreRedactedByNameWhateverTheCase() {
        for name in ["Authorization", "AUTHORIZATION", "proxy-authorization", "Cookie", "set-cookie", "X-Api-Key", "x-auth-token",
                     "X-Amz-Security-Token", "x-client-secret", "X-Session-Id"] {
            XCTAssertTrue(Redaction.isSensitiveHeader(name), name)
        }
        for name in ["accept", "content-type", "x-lp-route-key", "user-agent", "x-request-id"] {
            XCTAssertFalse(Redaction.isSensitiveHeader(name), name)
        }
        let envelope: JSON = ["headers": [["k": "Cookie", "v": "s=1"], ["k": "accept", "v": "*/*"]],
                              "query": "a=1&API_KEY=k&token=t&empty"]
        let (clean, removed) = Redaction.envelope(envelope, location: "request")
        XCTAssertEqual(clean["headers"], [["k": "Cookie", "v": "<redacted>"], ["k": "accept", "v": "*/*"]])
        XCTAssertEqual(clean["query"], "a=1&API_KEY=<redacted>&token=<redacted>&empty")
        XCTAssertEqual(removed.map { $0.location + " " + $0.name },
                       ["request.header cookie", "request.query api_key", "request.query token"])
        // Redacting twice finds nothing more.
        XCTAssertEqual(Redaction.envelope(clean, location: "request").1, [])
    }

    func testAcceptedClassificationsAndSourcesAreInTheContract() throws {
        let defs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("contracts/x07lp.defs.schema.json")
        let schema = try JSONParser.parse([UInt8](Data(contentsOf: defs)))
        func enumeration(_ name: String) -> Set<String> {
            Set((schema["$defs"]?[name]?["enum"]?.arrayValue ?? []).compactMap(\.stringValue))
        }
        XCTAssertTrue(Set(IncidentMeta.classifications).isSubset(of: enumeration("incident_classification")))
        XCTAssertTrue(Set(IncidentMeta.sources).isSubset(of: enumeration("incident_source")))
        XCTAssertFalse(enumeration("incident_source").isEmpty)
    }
}
