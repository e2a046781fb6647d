import LPCore
import LPStage

/// `lp-catalog man NAME` and `lp-catalog completions bash|zsh`: the man pages and shell
/// completions scripts/install puts in place, generated from the command declarations.
enum DocsCommands {
    static let man = StageCommand(
        words: ["man"],
        spec: CommandSpec(
            name: "lp-catalog man", reportCommand: "catalog man",
            summary: "print the man page (troff) of x07lp or of a stage",
            usage: ["lp-catalog man x07lp|lp-validate|lp-plan|lp-apply|lp-query|lp-incident|lp-regress|lp-release|lp-remote|x07lpd|lp-serve|lp-mcp"],
            options: [], positionals: ["NAME"],
            examples: ["lp-catalog man x07lp > share/man/man1/x07lp.1", "lp-catalog man lp-apply | man -l -"],
            exitCodes: [.ok, .usage, .internalError]),
        body: { ctx in
            let routes = try RoutesTable(stages: CatalogStage.stages)
            let stages = CatalogStage.stages + [CatalogStage.daemon]
            let names = ["x07lp"] + stages.map(\.name) + CatalogStage.servers.map(\.name)
            guard ctx.arguments.positionals.count == 1, let name = ctx.arguments.positionals.first, names.contains(name) else {
                throw LPError(.usage, code: "LP_USAGE", "name one page: \(names.joined(separator: ", "))")
            }
            let page: ManPage
            if name == "x07lp" {
                page = ManPage.wrapper(routes: routes, stages: stages)
            } else if let stage = stages.first(where: { $0.name == name }) {
                page = ManPage.stage(stage, routes: routes)
            } else {
                page = ManPage.server(CatalogStage.servers.first { $0.name == name }!)
            }
            return StageOutput(result: ["name": .string(page.name), "section": 1, "troff": .string(page.text)],
                               rawBytes: Array(page.text.utf8))
        })

    static let completions = StageCommand(
        words: ["completions"],
        spec: CommandSpec(
            name: "lp-catalog completions", reportCommand: "catalog completions",
            summary: "print shell completions for x07lp and the stages (bash or zsh)",
            usage: ["lp-catalog completions bash|zsh"],
            options: [], positionals: ["SHELL"],
            examples: ["lp-catalog completions bash > share/bash-completion/completions/x07lp",
                       "lp-catalog completions zsh > share/zsh/site-functions/_x07lp"],
            exitCodes: [.ok, .usage, .internalError]),
        body: { ctx in
            let tree = CompletionTree(routes: try RoutesTable(stages: CatalogStage.stages), stages: CatalogStage.stages)
            let text: String
            switch ctx.arguments.positionals {
            case ["bash"]: text = tree.bash
            case ["zsh"]: text = tree.zsh
            default: throw LPError(.usage, code: "LP_USAGE", "name one shell: lp-catalog completions bash|zsh")
            }
            return StageOutput(result: ["shell": .string(ctx.arguments.positionals[0]), "script": .string(text)],
                               rawBytes: Array(text.utf8))
        })
}
