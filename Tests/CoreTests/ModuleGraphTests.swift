import Foundation
import XCTest

/// The one-way module graph of docs/architecture.md: every `import` in Sources/ is checked
/// against the table of what each module may import, so no file reaches up a layer.
final class ModuleGraphTests: XCTestCase {
    static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Sources")

    static let kit: Set = ["LPCore", "LPState", "LPModel", "LPIndex", "LPStage"]
    static let stageLibraries: Set = ["LPValidate", "LPPlan", "LPIncident", "LPApply", "LPRegress", "LPQuery", "LPRelease", "LPRemote"]
    /// System modules anyone may import.
    static let system: Set = ["Foundation", "Glibc", "Dispatch", "Synchronization"]

    /// What each module may import (besides the system modules), as the architecture table says.
    static let allowed: [String: Set<String>] = {
        var table: [String: Set<String>] = [
            "LPCore": ["CCrypto"],
            "LPState": ["LPCore"],
            "LPModel": ["LPCore", "LPState"],
            "LPIndex": ["LPCore", "LPState", "LPModel", "CSQLite"],
            "LPStage": ["LPCore", "LPState", "LPModel", "LPIndex"],
            "LPHTTPClient": ["LPCore", "CCurl"],
            "LPValidate": kit.union(["CArchive"]),
            "LPPlan": kit,
            "LPIncident": kit,
            "LPRuntime": ["LPCore", "LPState", "LPModel"],
            "LPApply": kit.union(["LPIncident", "LPRuntime", "LPHTTPClient"]),
            "LPRegress": kit.union(["LPIncident"]),
            "LPQuery": kit.union(["LPIncident"]),
            "LPRelease": kit.union(["LPIncident", "LPApply", "LPHTTPClient"]),
            "LPRemote": kit.union(["LPHTTPClient"]),
            "LPCatalog": kit.union(stageLibraries).union(["LPServe", "LPDaemon", "LPMCP"]),
            "lp-catalog": ["LPCatalog", "LPStage"],
            "x07lp-stages": stageLibraries.union(["LPStage", "LPServe", "LPDaemon", "LPMCP"]),
            "LPVerbs": kit.union(stageLibraries),
            "LPServe": kit.union(["LPVerbs", "LPApply", "LPHTTPClient"]),
            "lp-serve": ["LPServe"],
            "LPDaemon": kit.union(["LPServe"]),
            "x07lpd": ["LPDaemon", "LPStage"],
            "LPMCP": kit.union(stageLibraries).union(["LPVerbs"]),
            "lp-mcp": ["LPMCP", "LPStage"],
        ]
        for (executable, library) in [("lp-validate", "LPValidate"), ("lp-plan", "LPPlan"), ("lp-incident", "LPIncident"),
                                      ("lp-apply", "LPApply"), ("lp-regress", "LPRegress"), ("lp-query", "LPQuery"),
                                      ("lp-release", "LPRelease"), ("lp-remote", "LPRemote")] {
            table[executable] = [library, "LPStage"]
        }
        return table
    }()

    /// Module → (file, imported module) for every import line under Sources/.
    static func imports() throws -> [(module: String, file: String, imported: String)] {
        var found: [(String, String, String)] = []
        let modules = try FileManager.default.contentsOfDirectory(atPath: sources.path).sorted()
        for module in modules where !module.hasPrefix("C") {
            let root = sources.appendingPathComponent(module)
            for case let relative as String in FileManager.default.enumerator(atPath: root.path) ?? .init()
            where relative.hasSuffix(".swift") {
                let text = try String(contentsOf: root.appendingPathComponent(relative), encoding: .utf8)
                for line in text.split(separator: "\n") {
                    let words = line.split(separator: " ")
                    guard let index = words.firstIndex(of: "import"), words[..<index].allSatisfy({ $0.hasPrefix("@") }),
                          index + 1 < words.count else { continue }
                    found.append((module, module + "/" + relative, String(words[index + 1])))
                }
            }
        }
        return found
    }

    func testEveryModuleIsInTheTable() throws {
        let modules = try FileManager.default.contentsOfDirectory(atPath: Self.sources.path).filter { !$0.hasPrefix("C") }
        XCTAssertEqual(Set(modules), Set(Self.allowed.keys), "docs/architecture.md and this table must name every module")
    }

    func testNoFileImportsAModuleAboveIt() throws {
        let imports = try Self.imports()
        XCTAssertGreaterThan(imports.count, 100)
        for (module, file, imported) in imports where !Self.system.contains(imported) {
            XCTAssertTrue(Self.allowed[module]?.contains(imported) ?? false, "\(file) imports \(imported), which \(module) may not")
        }
    }

    func testExecutablesOnlyCallTheirLibrary() throws {
        for executable in Self.allowed.keys where executable.hasPrefix("lp-") {
            let directory = Self.sources.appendingPathComponent(executable)
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["main.swift"], executable)
            let main = try String(contentsOf: directory.appendingPathComponent("main.swift"), encoding: .utf8)
            let statements = main.split(separator: "\n").filter { !$0.hasPrefix("import") && !$0.hasPrefix("//") && !$0.isEmpty }
            XCTAssertEqual(statements.count, 1, "\(executable)/main.swift should only call its library: \(statements)")
        }
    }
}
