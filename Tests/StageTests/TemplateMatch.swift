import LPCore
import LPState
import LPModel
import LPIndex
import LPStage
import LPValidate
import LPPlan
import LPIncident
import LPApply
import LPRegress
import LPQuery
import Foundation

/// Compares an actual document with an expected template (docs/testing.md#templates): `"__ANY__"` matches any
/// value; objects match when every expected key is present and matches; arrays when the
/// expected items match a prefix of the actual ones. `wildcardKeys` turns the values of those
/// keys into wildcards (for goldens that pin ids and digests of another system's run).
enum TemplateMatch {
    static func mismatches(expected: JSON, actual: JSON, wildcardKeys: Set<String> = [], path: String = "") -> [String] {
        if expected == "__ANY__" { return [] }
        switch expected {
        case .object(let object):
            guard case .object(let actualObject) = actual else { return ["\(path): expected an object, got \(actual.canonicalString)"] }
            var problems: [String] = []
            for (key, value) in object.sorted(by: { $0.key < $1.key }) {
                guard let actualValue = actualObject[key] else { problems.append("\(path)/\(key): missing"); continue }
                if wildcardKeys.contains(key) { continue }
                problems += mismatches(expected: value, actual: actualValue, wildcardKeys: wildcardKeys, path: "\(path)/\(key)")
            }
            return problems
        case .array(let array):
            guard case .array(let actualArray) = actual else { return ["\(path): expected an array, got \(actual.canonicalString)"] }
            guard actualArray.count >= array.count else {
                return ["\(path): expected at least \(array.count) items, got \(actualArray.count)"]
            }
            return zip(array, actualArray).enumerated().flatMap { index, pair in
                mismatches(expected: pair.0, actual: pair.1, wildcardKeys: wildcardKeys, path: "\(path)/\(index)")
            }
        default:
            return expected == actual ? [] : ["\(path): expected \(expected.canonicalString), got \(actual.canonicalString)"]
        }
    }

    static func load(_ path: String) throws -> JSON {
        try JSONParser.parse([UInt8](Data(contentsOf: URL(fileURLWithPath: path))))
    }

    static func parse(_ bytes: [UInt8]) throws -> JSON { try JSONParser.parse(bytes) }
}
