import LPCore
import LPModel

/// One device host event from an OTLP/JSON log export: its class (`x07.event.class`), name,
/// attributes (AnyValue string, int, double and bool values) and body.
struct TelemetryRecord {
    var eventClass: String
    var eventName: String
    var attributes: [String: JSON]
    var body: String?

    func string(_ name: String) -> String? {
        switch attributes[name] {
        case .string(let text)?: return text
        case .number(let value)?: return value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : String(value)
        case .bool(let flag)?: return String(flag)
        default: return nil
        }
    }

    func number(_ name: String) -> Double? {
        switch attributes[name] {
        case .number(let value)?: return value
        case .string(let text)?: return Double(text)
        default: return nil
        }
    }
}

/// Reads the OTLP/JSON log lines an operator or collector dropped for a release
/// (`device_release/telemetry/<exec>/analysis.<N>.jsonl`), one JSON document per line. Records
/// whose resource names another release, plan, app or package are not this release's and are
/// left out; records without `x07.event.class` are not device host events.
enum OTLPExport {
    struct Correlation {
        var execId: String
        var planId: String
        var appId: String
        var packageSHA256: String
    }

    static let maxRecords = 100_000

    static func read(_ bytes: [UInt8], source: String, correlation: Correlation) throws -> [TelemetryRecord] {
        var records: [TelemetryRecord] = []
        for (number, line) in bytes.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
            guard line.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) else { continue }
            let document: JSON
            do { document = try JSONParser.parse(Array(line)) } catch {
                throw LPError(.invalidInput, code: "LP_DEVICE_TELEMETRY_INVALID", "\(source) line \(number + 1): \(error)", stage: .parse)
            }
            guard let resourceLogs = document["resourceLogs"]?.arrayValue else {
                throw LPError(.invalidInput, code: "LP_DEVICE_TELEMETRY_INVALID",
                              "\(source) line \(number + 1): not an OTLP/JSON logs document (no resourceLogs array)", stage: .parse)
            }
            for resourceLog in resourceLogs {
                let resource = attributes(resourceLog["resource"]?["attributes"])
                guard belongs(resource, to: correlation) else { continue }
                for scope in resourceLog["scopeLogs"]?.arrayValue ?? [] {
                    for log in scope["logRecords"]?.arrayValue ?? [] {
                        let attrs = attributes(log["attributes"])
                        guard case .string(let eventClass)? = attrs["x07.event.class"] else { continue }
                        let name = attrs["x07.event.name"]?.stringValue ?? log["eventName"]?.stringValue ?? eventClass
                        records.append(TelemetryRecord(eventClass: eventClass, eventName: name, attributes: attrs,
                                                       body: log["body"]?["stringValue"]?.stringValue))
                        guard records.count <= maxRecords else {
                            throw LPError(.invalidInput, code: "LP_DEVICE_TELEMETRY_INVALID",
                                          "\(source): more than \(maxRecords) records in one observation", stage: .parse)
                        }
                    }
                }
            }
        }
        return records
    }

    /// The resource names this release, or says nothing that contradicts it.
    static func belongs(_ resource: [String: JSON], to correlation: Correlation) -> Bool {
        let expected = ["x07.release.exec_id": correlation.execId, "x07.release.plan_id": correlation.planId,
                        "x07.app_id": correlation.appId, "x07.package.sha256": correlation.packageSHA256]
        return expected.allSatisfy { key, value in resource[key].map { $0 == .string(value) } ?? true }
    }

    /// An OTLP attribute list `[{key, value: AnyValue}]` as a dictionary (other value kinds are left out).
    static func attributes(_ list: JSON?) -> [String: JSON] {
        var result: [String: JSON] = [:]
        for item in list?.arrayValue ?? [] {
            guard let key = item["key"]?.stringValue, let value = item["value"] else { continue }
            if let text = value["stringValue"]?.stringValue {
                result[key] = .string(text)
            } else if let int = value["intValue"] {
                if let number = int.doubleValue { result[key] = .number(number) }
                else if let text = int.stringValue, let number = Int64(text) { result[key] = .number(Double(number)) }
            } else if let double = value["doubleValue"]?.doubleValue {
                result[key] = .number(double)
            } else if let flag = value["boolValue"]?.boolValue {
                result[key] = .bool(flag)
            }
        }
        return result
    }
}
