import LPCore
import LPState
import LPModel
import LPIndex
import LPStage
import Foundation

/// `schema list | get | validate`: the contracts as a user-facing surface.
enum SchemaCommands {
    static let list = StageCommand(
        words: ["schema", "list"],
        spec: CommandSpec(
            name: "lp-validate schema list", reportCommand: "schema list",
            summary: "list the contracts x07lp validates against",
            usage: ["lp-validate schema list [--pretty] [--report]"], options: [],
            examples: ["lp-validate schema list --pretty", "x07lp schema list | jq -r '.schemas[].schema_version'"],
            exitCodes: [.ok, .usage]),
        body: { _ in
            let catalog = try ContractCatalog.locate()
            let rows: [JSON] = catalog.entries.map { entry in
                ["schema_version": .string(entry.schema_version), "id": .string(entry.id),
                 "path": .string(entry.path), "role": entry.role.map(JSON.string) ?? .null]
            }
            return StageOutput(result: [
                "schema_version": .string(SchemaVersion.schemaListResult),
                "contracts_dir": .string(catalog.directory), "schemas": .array(rows),
            ])
        })

    static let get = StageCommand(
        words: ["schema", "get"],
        spec: CommandSpec(
            name: "lp-validate schema get", reportCommand: "schema get",
            summary: "print one contract (by schema_version, $id or file name)",
            usage: ["lp-validate schema get <SCHEMA_VERSION|ID|FILE-NAME> [--pretty]"], options: [],
            positionals: ["SCHEMA"],
            examples: ["lp-validate schema get lp.deploy.execution@0.1.0 --pretty"],
            exitCodes: [.ok, .usage]),
        body: { ctx in
            guard ctx.arguments.positionals.count == 1, let name = ctx.arguments.positionals.first else {
                throw LPError(.usage, code: "LP_USAGE", "name one contract: lp-validate schema get lp.deploy.execution@0.1.0")
            }
            let catalog = try ContractCatalog.locate()
            guard let entry = catalog.entry(for: name) else {
                throw LPError(.usage, code: "LP_NOT_FOUND", "no contract named \"\(name)\"; `x07lp schema list` shows them")
            }
            let bytes = try catalog.contents(of: entry)
            return StageOutput(result: try InputDocument(bytes: bytes, source: entry.path).json)
        })

    static let validate = StageCommand(
        words: ["schema", "validate"],
        spec: CommandSpec(
            name: "lp-validate schema validate", reportCommand: "schema validate",
            summary: "validate a document against a contract or a schema file",
            usage: ["lp-validate schema validate --schema <SCHEMA_VERSION|ID|FILE> [--in FILE] < document.json"],
            options: [OptionSpec("--schema", value: "ID|FILE",
                                 "a contract (schema_version, $id or file name) or a schema file; a file's sibling *.json schemas resolve its cross-file $refs")],
            examples: [
                "lp-validate schema validate --schema lp.change_request@0.1.0 --in change_request.json",
                "x07lp schema validate --schema ./my.schema.json --in doc.json --json",
            ],
            exitCodes: [.ok, .usage, .invalidInput],
            notes: ["Prints an x07lp.schema.validate.result@0.1.0 document; exit 3 when the document is invalid,",
                    "with one LP_SCHEMA_VIOLATION diagnostic per violation (instance pointer, schema pointer, rule)."]),
        body: { ctx in
            let schemaName = try ctx.arguments.required("--schema", ctx.spec)
            let (registry, schemaID, label) = try resolveSchema(schemaName)
            let input = try ctx.readInput()
            let violations: [SchemaViolation]
            do {
                violations = try SchemaValidator(registry: registry).validate(input.json, schemaID: schemaID)
            } catch let error as SchemaError {
                throw LPError(.usage, code: "LP_SCHEMA_INVALID", "schema \(label) cannot be used: \(error.message)")
            }
            let rows: [JSON] = violations.map { v in
                ["instance_pointer": .string(v.instancePointer.description), "schema_location": .string(v.schemaLocation),
                 "keyword": .string(v.keyword), "message": .string(v.message)]
            }
            return StageOutput(
                result: ["schema_version": .string(SchemaVersion.schemaValidateResult), "schema": .string(schemaID),
                         "ok": .bool(violations.isEmpty), "valid": .bool(violations.isEmpty), "violations": .array(rows),
                         "document_digest": DigestRef(of: input.bytes).json],
                exitCode: violations.isEmpty ? .ok : .invalidInput,
                diagnostics: violations.map { $0.diagnostic(source: input.source) })
        })

    /// A contract name selects the project's registry; anything else is a schema file whose
    /// directory becomes the registry (so its cross-file `$ref`s by `$id` resolve).
    static func resolveSchema(_ name: String) throws -> (SchemaRegistry, String, String) {
        if !FileManager.default.fileExists(atPath: name) {
            let catalog = try ContractCatalog.locate()
            guard let entry = catalog.entry(for: name) else {
                throw LPError(.usage, code: "LP_NOT_FOUND", "\"\(name)\" is neither a file nor a contract; `x07lp schema list` shows the contracts")
            }
            return (try catalog.registry(), entry.id, entry.path)
        }
        let bytes = try InputDocument.readFile(name, limit: 16 << 20)
        let schema = try InputDocument(bytes: bytes, source: name).json
        let directory = (name as NSString).deletingLastPathComponent
        let registry: SchemaRegistry
        do {
            registry = (try? SchemaRegistry.load(directory: directory.isEmpty ? "." : directory)) ?? SchemaRegistry()
            let fallbackID = URL(fileURLWithPath: name).standardizedFileURL.absoluteString
            let id = schema["$id"]?.stringValue ?? fallbackID
            if registry.schema(for: id) == nil { try registry.add(schema, retrievalURI: fallbackID) }
            return (registry, id, name)
        } catch let error as SchemaError {
            throw LPError(.usage, code: "LP_SCHEMA_INVALID", "schema \(name) cannot be used: \(error.message)")
        }
    }
}
