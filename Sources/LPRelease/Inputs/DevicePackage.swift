import LPCore
import LPState
import LPModel
import Foundation

/// A sealed device package (`x07.device.package.manifest@0.1.0`) as read from its folder: the
/// manifest, its capability, telemetry and device profile files (each checked against its
/// contract), and the payload's files. Only directory payloads are released; names and sizes
/// are bounded and links or special files refused before anything is copied.
struct DevicePackage {
    let manifestPath: String
    let directory: String
    let manifest: JSON
    /// The manifest file's own bytes (what a package report names) and its canonical digest
    /// (what a plan pins and the state names its copy by).
    let rawDigest: DigestRef
    var canonicalDigest: DigestRef { DigestRef(of: manifest) }
    let target: String
    let capabilities: JSON
    let telemetry: JSON
    let profile: JSON
    /// Files of the package besides the manifest, relative to its folder, sorted.
    let files: [String]

    static let maxFiles = 4096
    static let maxBytes = 64 << 20
    static let maxSidecarBytes = 1 << 20

    var appId: String { profile["identity"]?["app_id"]?.stringValue ?? "unknown" }
    var version: String { profile["version"]?["version"]?.stringValue ?? "0.0.0" }
    var build: String {
        let build = profile["version"]?["build"]
        return build?.intValue.map(String.init) ?? build?.stringValue ?? "0"
    }

    static func read(path: String, catalog: ContractCatalog) throws -> DevicePackage {
        let bytes = try InputDocument.readFile(path, limit: maxSidecarBytes)
        let manifest = try InputDocument(bytes: bytes, source: path).json
        try catalog.validate(manifest, as: SchemaVersion.devicePackageManifest, source: path)
        let directory = (path as NSString).deletingLastPathComponent
        func sidecar(_ pointer: [String], _ contract: String) throws -> JSON {
            let relative = pointer.reduce(Optional(manifest)) { $0?[$1] }?.stringValue ?? ""
            let file = join(directory, relative)
            let bytes: [UInt8]
            do { bytes = try InputDocument.readFile(file, limit: maxSidecarBytes) } catch let error as LPError where error.exitCode == .usage {
                throw LPError(.invalidInput, code: "LP_DEVICE_PACKAGE_INVALID",
                              "\(path): \(pointer.joined(separator: ".")) names \(relative), which cannot be read: \(error.diagnostics.first?.message ?? "")",
                              stage: .parse)
            }
            let json = try InputDocument(bytes: bytes, source: file).json
            try catalog.validate(json, as: contract, source: file)
            return json
        }
        let capabilities = try sidecar(["capabilities", "path"], SchemaVersion.deviceCapabilities)
        let telemetry = try sidecar(["telemetry_profile", "path"], SchemaVersion.deviceTelemetryProfile)
        let profile = try sidecar(["profile", "file", "path"], SchemaVersion.deviceProfile)
        guard manifest["package"]?["kind"]?.stringValue == "dir" else {
            throw LPError(.invalidInput, code: "LP_DEVICE_PACKAGE_UNSUPPORTED",
                          "\(path): package.kind is archive; device releases take a directory payload (package.kind dir)", stage: .parse)
        }
        let payload = manifest["package"]?["path"]?.stringValue ?? ""
        var files = Set(try walk(directory: directory, relative: payload))
        for pointer in [["capabilities", "path"], ["telemetry_profile", "path"], ["profile", "file", "path"]] {
            if let relative = pointer.reduce(Optional(manifest), { $0?[$1] })?.stringValue { files.insert(normalized(relative)) }
        }
        let target = manifest["target"]?.stringValue ?? ""
        return DevicePackage(manifestPath: path, directory: directory, manifest: manifest, rawDigest: DigestRef(of: bytes),
                             target: target, capabilities: capabilities, telemetry: telemetry, profile: profile,
                             files: files.sorted())
    }

    /// The package's files, read now, for a copy into the state (the manifest as
    /// `package.manifest.json`, canonical). Fails when they went over the caps meanwhile.
    func contents() throws -> [(relative: String, bytes: [UInt8])] {
        var total = 0
        var result: [(relative: String, bytes: [UInt8])] = []
        for relative in files {
            let bytes = try InputDocument.readFile(Self.join(directory, relative), limit: Self.maxBytes)
            total += bytes.count
            guard total <= Self.maxBytes else { throw Self.tooLarge(manifestPath) }
            result.append((relative, bytes))
        }
        return result
    }

    // MARK: walking the payload

    static func join(_ directory: String, _ relative: String) -> String {
        directory.isEmpty ? relative : directory + "/" + relative
    }

    static func normalized(_ relative: String) -> String {
        relative.split(separator: "/").filter { $0 != "." }.joined(separator: "/")
    }

    static func tooLarge(_ path: String) -> LPError {
        LPError(.invalidInput, code: "LP_DEVICE_PACKAGE_TOO_LARGE",
                "\(path): the package holds more than \(maxFiles) files or \(maxBytes) bytes", stage: .parse)
    }

    /// Every regular file under `relative` (a directory), as paths relative to `directory`.
    static func walk(directory: String, relative: String) throws -> [String] {
        var found: [String] = []
        var total = 0
        var pending = [normalized(relative)]
        let fm = FileManager.default
        while let current = pending.popLast() {
            let absolute = join(directory, current)
            let kind = try? fm.attributesOfItem(atPath: absolute)[.type] as? FileAttributeType
            switch kind {
            case .typeDirectory?:
                for name in try fm.contentsOfDirectory(atPath: absolute).sorted() {
                    try checkName(name, in: absolute)
                    pending.append(current.isEmpty ? name : current + "/" + name)
                }
            case .typeRegular?:
                total += (try? fm.attributesOfItem(atPath: absolute)[.size] as? NSNumber)?.intValue ?? 0
                found.append(current)
                guard found.count <= maxFiles, total <= maxBytes else { throw tooLarge(directory) }
            case nil:
                throw LPError(.invalidInput, code: "LP_DEVICE_PACKAGE_INVALID", "\(absolute): the package payload is missing", stage: .parse)
            default:
                throw LPError(.invalidInput, code: "LP_DEVICE_PACKAGE_UNSAFE",
                              "\(absolute) is a symlink or special file; a package holds regular files and directories only",
                              stage: .parse)
            }
        }
        return found
    }

    /// A file name the state can hold: UTF-8 without control characters or separators.
    static func checkName(_ name: String, in directory: String) throws {
        let safe = name != "." && name != ".." && name.utf8.count <= 255
            && !name.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F || $0 == "/" || $0 == "\\" }
        guard safe else {
            throw LPError(.invalidInput, code: "LP_DEVICE_PACKAGE_UNSAFE",
                          "\(directory) holds a file name that cannot be copied safely (control characters or separators)",
                          stage: .parse)
        }
    }
}

/// The `x07-wasm device package` report of a package (`x07.wasm.device.package.report@0.2.0`).
struct PackageReport {
    let json: JSON
    let bytes: [UInt8]
    let path: String
    var rawDigest: DigestRef { DigestRef(of: bytes) }

    static func read(path: String, catalog: ContractCatalog) throws -> PackageReport {
        let bytes = try InputDocument.readFile(path, limit: 4 << 20)
        let json = try InputDocument(bytes: bytes, source: path).json
        try catalog.validate(json, as: SchemaVersion.devicePackageReport, source: path)
        return PackageReport(json: json, bytes: bytes, path: path)
    }

    var result: JSON { json["result"] ?? [:] }
}
