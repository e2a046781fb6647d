import LPCore
import Foundation

/// The client's target profiles: `<config>/targets/<name>.json` and `<config>/current_target`,
/// where config is `$X07LP_CONFIG_DIR`, else `$XDG_CONFIG_HOME/x07lp`, else `~/.config/x07lp`.
/// Directories are 0700 and files 0600, written whole (temp file + rename).
struct TargetStore {
    let root: String
    let environment: [String: String]

    init(environment: [String: String]) throws {
        self.environment = environment
        if let dir = environment["X07LP_CONFIG_DIR"], !dir.isEmpty {
            root = TargetProfile.expand(dir, environment)
        } else if let xdg = environment["XDG_CONFIG_HOME"], !xdg.isEmpty {
            root = xdg + "/x07lp"
        } else if let home = environment["HOME"], !home.isEmpty {
            root = home + "/.config/x07lp"
        } else {
            throw LPError(.usage, code: "LP_USAGE", "no configuration directory: set X07LP_CONFIG_DIR or HOME")
        }
    }

    var targetsDir: String { root + "/targets" }
    func path(of name: String) -> String { targetsDir + "/" + name + ".json" }

    /// The stored profile `name`, checked again (a token file may have changed since add).
    func load(_ name: String) throws -> TargetProfile {
        guard TargetProfile.isName(name) else {
            throw LPError(.usage, code: "LP_TARGET_NOT_FOUND", "\"\(name.prefix(128))\" is not a target name")
        }
        guard let bytes = try? InputDocument.readFile(path(of: name), limit: 1 << 20) else {
            throw LPError(.usage, code: "LP_TARGET_NOT_FOUND", "no target \"\(name)\" in \(targetsDir) (x07lp target add --profile FILE)",
                          data: ["target": .string(name)])
        }
        let document: JSON
        do { document = try JSONParser.parse(bytes) } catch { throw TargetProfile.invalid("the stored profile \(path(of: name)) is not JSON") }
        let profile = try TargetProfile(document, environment: environment)
        guard profile.name == name else { throw TargetProfile.invalid("the stored profile \(path(of: name)) names \(profile.name)") }
        return profile
    }

    func names() -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: targetsDir)) ?? []
        return files.filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.filter(TargetProfile.isName).sorted()
    }

    func save(_ profile: TargetProfile) throws {
        try makeDirectory(root)
        try makeDirectory(targetsDir)
        try write(profile.document.canonicalBytes, to: path(of: profile.name))
    }

    func remove(_ name: String) throws {
        unlink(path(of: name))
        if current() == name { unlink(root + "/current_target") }
    }

    /// The target `target use` selected, if any.
    func current() -> String? {
        guard let bytes = try? InputDocument.readFile(root + "/current_target", limit: 4096) else { return nil }
        let name = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return name.isEmpty ? nil : name
    }

    func use(_ name: String) throws {
        try makeDirectory(root)
        try write(Array((name + "\n").utf8), to: root + "/current_target")
    }

    private func makeDirectory(_ path: String) throws {
        if mkdir(path, 0o700) != 0, errno != EEXIST {
            throw LPError(.usage, code: "LP_CONFIG_UNWRITABLE", "cannot create \(path): \(String(cString: strerror(errno)))")
        }
    }

    private func write(_ bytes: [UInt8], to path: String) throws {
        let temporary = path + ".tmp.\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw LPError(.usage, code: "LP_CONFIG_UNWRITABLE", "cannot write \(path): \(String(cString: strerror(errno)))") }
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0
        close(fd)
        guard written == bytes.count, synced, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw LPError(.usage, code: "LP_CONFIG_UNWRITABLE", "cannot write \(path)")
        }
    }
}
