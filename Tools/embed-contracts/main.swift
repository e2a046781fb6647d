// embed-contracts CONTRACTS_DIR OUTPUT.swift: writes the *.json files of the contracts directory
// and of its subdirectories one level down (meta/) as Swift string literals
// (EmbeddedContracts.files, keyed by relative path), so a stage binary copied anywhere still has
// its contracts. Run by the EmbedContracts build plugin, never by hand.
import Foundation

let arguments = CommandLine.arguments
guard arguments.count == 3 else {
    FileHandle.standardError.write(Data("usage: embed-contracts CONTRACTS_DIR OUTPUT.swift\n".utf8))
    exit(2)
}
let directory = URL(fileURLWithPath: arguments[1])
let files = FileManager.default
let top = try files.contentsOfDirectory(atPath: directory.path).sorted()
let names = top.filter { $0.hasSuffix(".json") } + top.flatMap { sub -> [String] in
    var isDirectory: ObjCBool = false
    guard files.fileExists(atPath: directory.appendingPathComponent(sub).path, isDirectory: &isDirectory), isDirectory.boolValue,
          let inner = try? files.contentsOfDirectory(atPath: directory.appendingPathComponent(sub).path) else { return [] }
    return inner.filter { $0.hasSuffix(".json") }.sorted().map { sub + "/" + $0 }
}

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
/// The contracts, path relative to contracts/ → text, built into every binary that links LPCore.
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
