import LPCore
import LPModel
import LPIndex

/// Validates records against the contract their `schema_version` names (one compiled registry,
/// shared by every record; the registry is safe to use from several threads).
struct RecordValidator {
    let registry: SchemaRegistry
    let contractIds: [String: String]

    init(catalog: ContractCatalog) throws {
        registry = try catalog.registry()
        contractIds = Dictionary(catalog.entries.map { ($0.schema_version, $0.id) }, uniquingKeysWith: { first, _ in first })
    }

    /// The violations, described; nil when no contract has this schema_version.
    func violations(of record: JSON, schemaVersion: String) -> [String]? {
        guard let id = contractIds[schemaVersion] else { return nil }
        do {
            return try SchemaValidator(registry: registry).validate(record, schemaID: id).map { violation in
                let at = violation.instancePointer.description.isEmpty ? "the root" : violation.instancePointer.description
                return "at \(at): \(violation.message) [\(violation.keyword)]"
            }
        } catch {
            return ["contract \(schemaVersion) cannot be used: \(error)"]
        }
    }
}
