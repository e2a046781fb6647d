import Foundation
import PackagePlugin

/// Builds contracts/*.json into LPCore (EmbeddedContracts.files), so a stage binary finds its
/// contracts wherever it is copied. Every contract file is an input: editing one re-embeds.
@main
struct EmbedContracts: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let contracts = context.package.directoryURL.appending(path: "contracts")
        let files = FileManager.default
        let top = try files.contentsOfDirectory(atPath: contracts.path)
        // The *.json files there and one directory level down (meta/), as embed-contracts reads them.
        let names = top.filter { $0.hasSuffix(".json") } + top.flatMap { sub in
            ((try? files.contentsOfDirectory(atPath: contracts.appending(path: sub).path)) ?? [])
                .filter { $0.hasSuffix(".json") }.map { sub + "/" + $0 }
        }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedContracts.swift")
        return [.buildCommand(
            displayName: "Embedding \(names.count) contract files",
            executable: try context.tool(named: "embed-contracts").url,
            arguments: [contracts.path, output.path],
            inputFiles: names.sorted().map { contracts.appending(path: $0) } + [contracts],
            outputFiles: [output])]
    }
}
