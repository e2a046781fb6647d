import Foundation

/// Reading a directory tree back in tests.
enum StateFiles {
    /// Every regular file under `root`, relative path → bytes.
    static func all(_ root: String) -> [String: [UInt8]] {
        var out: [String: [UInt8]] = [:]
        for case let relative as String in FileManager.default.enumerator(atPath: root)?.allObjects ?? [] {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: root + "/" + relative, isDirectory: &isDirectory), !isDirectory.boolValue,
                  let data = FileManager.default.contents(atPath: root + "/" + relative) else { continue }
            out[relative] = [UInt8](data)
        }
        return out
    }

    /// The files a stage wrote into a state directory: all but the writer lock.
    static func written(_ state: String) -> [String: [UInt8]] {
        all(state).filter { $0.key != ".lock" }
    }
}
