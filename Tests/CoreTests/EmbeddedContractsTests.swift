import LPCore
import Foundation
import XCTest

/// The contracts built into the binaries (EmbedContracts plugin) are contracts/ byte for byte, and
/// validate with the same verdicts as the directory, so a copied binary behaves like one in the
/// checkout.
final class EmbeddedContractsTests: XCTestCase {
    func testEveryContractIsBuiltInByteForByte() throws {
        let directory = ContractsTests.contractsDirectory.path
        let fromDisk = try ContractCatalog(directory: directory)
        let builtIn = try ContractCatalog.embedded()
        XCTAssertEqual(builtIn.directory, ContractCatalog.embeddedLocation)
        XCTAssertEqual(builtIn.entries.map(\.path), fromDisk.entries.map(\.path))
        XCTAssertGreaterThan(builtIn.entries.count, 20)
        for entry in builtIn.entries {
            XCTAssertEqual(try builtIn.contents(of: entry), try fromDisk.contents(of: entry), entry.path)
        }
    }

    func testEmbeddedCatalogIsWhatLocateFindsWithoutTheVariable() throws {
        XCTAssertEqual(try ContractCatalog.locate(environment: [:]).directory, ContractCatalog.embeddedLocation)
        let builtIn = try ContractCatalog.embedded()
        let change: JSON = try JSONParser.parse(Array(#"{"schema_version":"lp.change_request@0.1.0"}"#.utf8))
        XCTAssertThrowsError(try builtIn.validate(change, as: "lp.change_request@0.1.0", source: "cr.json")) { error in
            XCTAssertTrue((error as? LPError)?.diagnostics.contains { $0.code == "LP_SCHEMA_VIOLATION" } ?? false, "\(error)")
        }
    }
}
