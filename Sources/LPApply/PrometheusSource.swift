import LPCore
import LPHTTPClient
import LPRuntime
import Foundation

/// The metrics source `deploy run --metrics-from prometheus=URL --metrics-queries FILE`: at each
/// analysis attempt every PromQL query of the mapping file (`x07lp.metrics.queries@0.1.0`, one per
/// indicator kind) is evaluated as an instant query (`GET URL/api/v1/query`), and the answers
/// become one `x07.metrics.snapshot@0.1.0`, named as the SLO profile's indicators name them.
/// A query must answer a scalar or a vector of at most one sample; an empty vector (or NaN)
/// leaves that indicator out, so the analysis is inconclusive rather than guessed.
struct PrometheusSource {
    static let queriesContract = "x07lp.metrics.queries@0.1.0"

    let url: String
    /// Indicator kind (`error_rate`, `availability`, `latency_p95_ms`) → PromQL.
    let queries: [String: String]
    let client: HTTPClient

    init(url: String, queriesFile: String, catalog: ContractCatalog) throws {
        guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil,
              parsed.query == nil, parsed.user == nil else {
            throw LPError(.usage, code: "LP_METRICS_SOURCE_UNKNOWN",
                          "--metrics-from prometheus=URL: \"\(url.prefix(120))\" is not an http(s) URL without query or credentials")
        }
        let document = try ContractDocument(path: queriesFile, contract: Self.queriesContract, catalog: catalog)
        self.url = url.hasSuffix("/") ? String(url.dropLast()) : url
        queries = (document.json["queries"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
        var options = HTTPClientOptions()
        options.allowPlainHTTP = true
        options.connectTimeout = 5
        options.totalTimeout = 15
        options.maxResponseBytes = 1 << 20
        client = HTTPClient(options: options)
    }

    /// The metrics (name, value, unit) of one analysis attempt for the indicators `names` asks for.
    func measure(_ names: [AccessLogWindow.Kind: String]) throws -> [JSON] {
        var metrics: [JSON] = []
        for kind in AccessLogWindow.Kind.allCases {
            guard let name = names[kind], let query = queries[kind.rawValue], let value = try evaluate(query, kind: kind) else { continue }
            metrics.append(["name": .string(name), "value": .number(value), "unit": .string(kind == .latencyP95 ? "ms" : "ratio")])
        }
        return metrics
    }

    /// The query's one value, nil for an empty answer or NaN.
    func evaluate(_ query: String, kind: AccessLogWindow.Kind) throws -> Double? {
        var components = URLComponents(string: url + "/api/v1/query")
        components?.queryItems = [URLQueryItem(name: "query", value: query)]
        // '+' means a space to Prometheus's form parser: encode it.
        guard let requestURL = components?.percentEncodedQuery.map({ (url + "/api/v1/query?") + $0.replacingOccurrences(of: "+", with: "%2B") }) else {
            throw LPError(.usage, code: "LP_METRICS_QUERY_FAILED", "cannot build the query URL for \(kind.rawValue)")
        }
        let response: HTTPResponse
        do { response = try client.send(HTTPRequest(.get, requestURL)) } catch let error as HTTPClientError {
            throw LPError(.metricsMissing, code: "LP_METRICS_SOURCE_UNREACHABLE", "Prometheus at \(url) did not answer: \(error.message)")
        }
        let answer = try? JSONParser.parse(response.body)
        guard response.status == 200, answer?["status"] == "success", let data = answer?["data"] else {
            let detail = answer?["error"]?.stringValue ?? "HTTP \(response.status)"
            throw LPError(.invalidInput, code: "LP_METRICS_QUERY_FAILED", "the \(kind.rawValue) query failed: \(detail.prefix(300))")
        }
        let sample: JSON?
        switch data["resultType"]?.stringValue {
        case "scalar":
            sample = data["result"]
        case "vector":
            let result = data["result"]?.arrayValue ?? []
            guard result.count <= 1 else {
                throw LPError(.invalidInput, code: "LP_METRICS_QUERY_FAILED",
                              "the \(kind.rawValue) query answered \(result.count) series; aggregate it to one (e.g. sum(...))")
            }
            sample = result.first?["value"]
        default:
            throw LPError(.invalidInput, code: "LP_METRICS_QUERY_FAILED",
                          "the \(kind.rawValue) query answered a \(data["resultType"]?.stringValue ?? "?"); an instant scalar or vector is needed")
        }
        // A sample is [unix time, "value"].
        guard let text = sample?.arrayValue?.last?.stringValue else { return nil }
        guard let value = Double(text), value.isFinite else { return nil }
        return value
    }
}
