@testable import LPCore
@testable import LPStage
@testable import LPValidate
import Foundation

/// Input files for the in-process intake gate tests: written to a temporary directory and read
/// back as intake reads them (checked against their contract).
struct GateFixtures {
    static let projectRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    let directory = NSTemporaryDirectory() + "lp-gates-\(UUID().uuidString)"
    let catalog: ContractCatalog

    init() throws {
        catalog = try ContractCatalog(directory: Self.projectRoot.appendingPathComponent("contracts").path)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Writes `document` (canonical bytes) and returns its path.
    @discardableResult
    func write(_ name: String, _ document: JSON) throws -> String {
        let path = directory + "/" + name
        try Data(document.canonicalBytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Writes `document` and loads it as a contract document of `contract`.
    func load(_ name: String, _ document: JSON, as contract: String) throws -> ContractDocument {
        try ContractDocument(path: write(name, document), contract: contract, catalog: catalog)
    }

    /// The inputs `lp-validate` would read from these arguments (the pack is not opened).
    func intakeInputs(_ arguments: [String]) throws -> IntakeInputs {
        let spec = IntakeCommand.command.spec
        let argv = ["--pack", directory + "/pack", "--state-dir", directory + "/state"] + arguments
        let context = try StageContext(spec: spec, arguments: ParsedArguments(argv, spec: spec), environment: [:])
        return try IntakeInputs(context, catalog: catalog)
    }
}
