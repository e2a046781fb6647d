import Foundation
import PackagePlugin

/// Builds contracts/*.json into LPCore (EmbeddedContracts.files), so a stage binary finds its
/// contracts wherever it is copied. Every contract file is an input: editing one re-embeds.
@main
struct EmbedContracts: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let contracts = context.package.directoryURL.appending(path: "contracts")
        let names = try FileManager.default.contentsOfDirectory(atPath: contracts.path).filter { $0.hasSuffix(".json") }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedContracts.swift")
        return [.buildCommand(
            displayName: "Embedding \(names.count) contract files",
            executable: try context.tool(named: "embed-contracts").url,
            arguments: [contracts.path, output.path],
            inputFiles: names.sorted().map { contracts.appending(path: $0) },
            outputFiles: [output])]
    }
}
