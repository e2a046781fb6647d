// swift-tools-version:6.0
// x07lp: one package, no Swift package dependencies. System libraries are linked through
// systemLibrary targets (see scripts/bootstrap for the Debian packages they need).
//
// Modules depend one way (docs/architecture.md):
//   LPCore ← LPState ← LPModel ← LPIndex ← LPStage ← stage libraries ← stage executables
// Each executable is a main.swift that only calls its stage library. LPHTTPClient (LPCore +
// libcurl) sits beside the chain for the stages that talk to the network.
import PackageDescription

/// A stage: its executable, its library and the stage libraries it reuses in-process.
struct Stage {
    var executable: String
    var library: String
    var uses: [String] = []
    var system: [String] = []
    /// Kernel libraries beside the layer chain (LPHTTPClient).
    var kernel: [String] = []
}

let stages = [
    Stage(executable: "lp-validate", library: "LPValidate", system: ["CArchive"]),
    Stage(executable: "lp-plan", library: "LPPlan"),
    Stage(executable: "lp-incident", library: "LPIncident"),
    Stage(executable: "lp-apply", library: "LPApply", uses: ["LPIncident", "LPRuntime"], kernel: ["LPHTTPClient"]),
    Stage(executable: "lp-regress", library: "LPRegress", uses: ["LPIncident"]),
    Stage(executable: "lp-query", library: "LPQuery", uses: ["LPIncident"]),
    Stage(executable: "lp-release", library: "LPRelease", uses: ["LPIncident", "LPApply"], kernel: ["LPHTTPClient"]),
    // The client of remote targets (x07lpd): profiles, push, the verbs sent to a daemon.
    Stage(executable: "lp-remote", library: "LPRemote", kernel: ["LPHTTPClient"]),
]

/// Release executables are linked position-dependent: a static-stdlib PIE spends a third of a
/// query's start-up applying ~100,000 relative relocations to pages it then owns privately.
/// They also search `.build/static-archives` first, where scripts/bootstrap links libstdc++'s and
/// SQLite's static archives: the loader then binds none of their ~3,300 symbols at each start
/// (docs/stages.md#start-up). Debug builds keep the toolchain's defaults.
let releaseLink: [LinkerSetting] = [
    .unsafeFlags(["-Xclang-linker", "-no-pie", "-L", Context.packageDirectory + "/.build/static-archives"],
                 .when(configuration: .release)),
]

let package = Package(
    name: "x07lp",
    products: stages.map { .executable(name: $0.executable, targets: [$0.executable]) }
        + [.executable(name: "lp-catalog", targets: ["lp-catalog"]), .executable(name: "x07lp-stages", targets: ["x07lp-stages"]),
           .executable(name: "lp-serve", targets: ["lp-serve"]), .executable(name: "x07lpd", targets: ["x07lpd"]),
           .executable(name: "lp-mcp", targets: ["lp-mcp"])],
    targets: [
        // No pkgConfig: Debian keeps these headers and libraries on the compiler's default paths,
        // and pkg-config's `-L/usr/lib/x86_64-linux-gnu` would come before the directory of static
        // archives a release build links from (scripts/bootstrap, docs/stages.md#start-up).
        .systemLibrary(name: "CArchive", providers: [.apt(["libarchive-dev"])]),
        .systemLibrary(name: "CCrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CCurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        // contracts/*.json are built into LPCore (EmbeddedContracts), so a copied binary has them.
        .target(name: "LPCore", dependencies: ["CCrypto"], plugins: ["EmbedContracts"]),
        .executableTarget(name: "embed-contracts", path: "Tools/embed-contracts"),
        .plugin(name: "EmbedContracts", capability: .buildTool(), dependencies: ["embed-contracts"]),
        .target(name: "LPState", dependencies: ["LPCore"]),
        .target(name: "LPModel", dependencies: ["LPState"]),
        .target(name: "LPIndex", dependencies: ["LPModel", "CSQLite"]),
        .target(name: "LPStage", dependencies: ["LPIndex"]),
        // Outgoing HTTP(S) through libcurl (docs/http-client.md); only LPCore below it.
        .target(name: "LPHTTPClient", dependencies: ["LPCore", "CCurl"]),
        // The serving runtime (nginx + njs routing the slot trees), driven by lp-apply.
        .target(name: "LPRuntime", dependencies: ["LPModel"]),
        .target(name: "TestFixtures", dependencies: ["LPCore"], path: "Tests/Fixtures"),
        // CoreTests links libcrypto itself, to check LibCrypto's run-time bindings against the headers.
        .testTarget(name: "CoreTests", dependencies: ["LPCore", "LPState", "LPModel", "LPIndex", "LPStage", "LPHTTPClient", "TestFixtures"],
                    linkerSettings: [.linkedLibrary("crypto")]),
        .testTarget(name: "StageLibraryTests", dependencies: stages.map { .target(name: $0.library) } + ["TestFixtures"]),
        .testTarget(name: "StageTests", dependencies: stages.map { .target(name: $0.library) }
                    + ["LPVerbs", "LPCatalog", "LPServe", "LPDaemon", "LPMCP", "TestFixtures"]),
        // lp-catalog reads every stage's and server's declarations (`lp-catalog routes` >
        // scripts/x07lp.routes, man pages, completions); nothing depends on it.
        .target(name: "LPCatalog", dependencies: ["LPStage"] + stages.map { .target(name: $0.library) } + ["LPServe", "LPDaemon", "LPMCP"]),
        .executableTarget(name: "lp-catalog", dependencies: ["LPCatalog"], linkerSettings: releaseLink),
        // Every stage and server in one binary, dispatched on the name it runs as: what scripts/install ships.
        .executableTarget(name: "x07lp-stages", dependencies: stages.map { .target(name: $0.library) } + ["LPServe", "LPDaemon", "LPMCP"],
                          linkerSettings: releaseLink),
        // The x07lp verbs as in-process pipelines of the stage libraries, for the servers.
        .target(name: "LPVerbs", dependencies: ["LPStage"] + stages.map { .target(name: $0.library) }),
        // x07lpd: lp-serve answers the /v1 API behind nginx and fcgiwrap; x07lpd sets them up.
        .target(name: "LPServe", dependencies: ["LPVerbs", "LPHTTPClient"]),
        .executableTarget(name: "lp-serve", dependencies: ["LPServe"], linkerSettings: releaseLink),
        .target(name: "LPDaemon", dependencies: ["LPServe"]),
        .executableTarget(name: "x07lpd", dependencies: ["LPDaemon"], linkerSettings: releaseLink),
        // lp-mcp: the MCP server over stdio; each tool call runs one verb through LPVerbs.
        .target(name: "LPMCP", dependencies: ["LPVerbs"]),
        .executableTarget(name: "lp-mcp", dependencies: ["LPMCP"], linkerSettings: releaseLink),
    ]
    + stages.map { stage in
        .target(name: stage.library,
                dependencies: ["LPStage"] + (stage.uses + stage.kernel + stage.system).map { .target(name: $0) })
    }
    + stages.map { .executableTarget(name: $0.executable, dependencies: [.target(name: $0.library)], linkerSettings: releaseLink) },
    swiftLanguageModes: [.v6]
)
