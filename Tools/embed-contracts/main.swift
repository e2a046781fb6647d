// embed-contracts CONTRACTS_DIR OUTPUT.swift: writes the top-level *.json files of the contracts
// directory as Swift string literals (EmbeddedContracts.files), so a stage binary copied
// anywhere still has its contracts. Run by the EmbedContracts build plugin, never by hand.
import Foundation

let arguments = CommandLine.arguments
guard arguments.count == 3 else {
    FileHandle.standardError.write(Data("usage: embed-contracts CONTRACTS_DIR OUTPUT.swift\n".utf8))
    exit(2)
}
let directory = URL(fileURLWithPath: arguments[1])
let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".json") }.sorted()

/// A multi-line raw string literal holding `text` exactly: one more `#` than the longest run of
/// `#` in the text, so nothing inside can close it or interpolate.
func literal(_ text: String) -> String {
    var longest = 0, run = 0
    for character in text {
        run = character == "#" ? run + 1 : 0
        longest = max(longest, run)
    }
    let hashes = String(repeating: "#", count: longest + 1)
    // The newline after the opening and the one before the closing delimiter are not part of the value.
    return hashes + "\"\"\"\n" + text + "\n\"\"\"" + hashes
}

var source = """
// Generated at build time by Tools/embed-contracts from contracts/*.json; do not edit.
/// The contracts, file name → text, built into every binary that links LPCore.
enum EmbeddedContracts {
    static let files: [String: String] = [

"""
for name in names {
    let text = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
    guard !text.contains("\r") else {
        FileHandle.standardError.write(Data("embed-contracts: \(name) has a carriage return; contracts use \\n line ends\n".utf8))
        exit(1)
    }
    source += "        \"\(name)\": \(literal(text)),\n"
}
source += "    ]\n}\n"
let output = URL(fileURLWithPath: arguments[2])
// Rewriting identical bytes would make every build recompile LPCore.
if (try? String(contentsOf: output, encoding: .utf8)) != source {
    try source.write(to: output, atomically: true, encoding: .utf8)
}
