// swift-tools-version:6.0
// x07lp: one package, no Swift package dependencies. System libraries are linked through
// systemLibrary targets (see scripts/bootstrap for the Debian packages they need).
import PackageDescription

let stages = ["lp-validate", "lp-plan", "lp-apply", "lp-incident", "lp-regress", "lp-query"]

let package = Package(
    name: "x07lp",
    products: [.library(name: "LPShared", targets: ["LPShared"])]
        + stages.map { .executable(name: $0, targets: [$0]) },
    targets: [
        .systemLibrary(name: "CArchive", pkgConfig: "libarchive",
                       providers: [.apt(["libarchive-dev"])]),
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto",
                       providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3",
                       providers: [.apt(["libsqlite3-dev"])]),
        .target(name: "LPShared", dependencies: ["CArchive", "CCrypto", "CSQLite"]),
        .testTarget(name: "LPSharedTests", dependencies: ["LPShared"]),
        .testTarget(name: "StageTests", dependencies: ["LPShared"]),
    ] + stages.map { .executableTarget(name: $0, dependencies: ["LPShared"]) },
    swiftLanguageModes: [.v5]
)
