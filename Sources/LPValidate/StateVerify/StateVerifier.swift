import LPCore
import LPState
import LPModel
import LPIndex
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `state verify`: one walk of the state directory, then blobs hashed and records checked in
/// parallel, then the reference checks as hash lookups. Reads files only; removing leftover temp
/// files (`removeTemporaries`) is the one write, done by the caller under the writer lock.
struct StateVerifier {
    let state: StateDirectory
    let validator: RecordValidator
    let trustedKeys: [Ed25519.PublicKey]

    struct Report {
        var problems: [StateFinding] = []
        var notes: [StateFinding] = []
        var temporaries: [String] = []
        var blobs = 0, records = 0, decisions = 0, signatures = 0
        /// Which keys were trusted and why (`KeyTrust`).
        var trustedKeys: JSON = []
    }

    private struct Inventory {
        var blobs: [(path: String, prefix: String, name: String)] = []
        var metas: [(path: String, prefix: String, name: String)] = []
        var records: [RecordFile] = []
        var privateKeys: [String] = []
        var temporaries: [String] = []
        var problems: [StateFinding] = []
    }

    func run() -> Report {
        let listing = StateWalker.walk(root: state.root)
        let inventory = classify(listing)
        var report = Report(problems: inventory.problems, temporaries: inventory.temporaries.sorted())
        var contents = StateContents(files: Set(listing.files))

        let hashed = inventory.blobs.parallelMap { blob in Result { try FileHash.digest(state.path(blob.path)) } }
        for (blob, digest) in zip(inventory.blobs, hashed) {
            switch digest {
            case .success(let digest):
                report.problems += BlobChecks.blob(path: blob.path, prefix: blob.prefix, name: blob.name, digest: digest)
                if Hex.isSHA256(blob.name), blob.prefix == String(blob.name.prefix(2)) {
                    contents.blobSizes[blob.name] = digest.bytes_len
                }
            case .failure(let error):
                report.problems.append(StateFinding("LP_STATE_IO", blob.path, "cannot read: \(error)"))
            }
        }
        report.blobs = inventory.blobs.count
        for meta in inventory.metas {
            do {
                let bytes = try state.read(meta.path)
                report.problems += BlobChecks.meta(path: meta.path, prefix: meta.prefix, name: meta.name, bytes: bytes,
                                                   blobLength: contents.blobSizes[meta.name])
            } catch {
                report.problems.append(StateFinding("LP_STATE_IO", meta.path, "cannot read: \(error)"))
            }
        }

        let outcomes = inventory.records.parallelMap { file -> Result<RecordOutcome, Error> in
            Result {
                let bytes = try InputDocument.readFile(state.path(file.path), limit: InputDocument.defaultMaxBytes)
                return RecordChecks.check(file, bytes: bytes, validator: validator, trustedKeys: trustedKeys)
            }
        }
        var checked: [RecordOutcome] = []
        var evidence = ExecutionChecks.Evidence()
        for (file, outcome) in zip(inventory.records, outcomes) {
            switch outcome {
            case .success(let outcome):
                checked.append(outcome)
                if let document = outcome.document { evidence.add(file, document) }
                contents.recordDigests[outcome.path] = outcome.digest
                contents.recordContent.insert(outcome.digest.sha256)
            case .failure(let error):
                report.problems.append(StateFinding("LP_STATE_IO", file.path, "cannot read: \(error)"))
            }
        }
        for outcome in checked {
            report.problems += outcome.findings
            report.problems += ReferenceChecks.check(outcome.path, outcome.references, in: contents)
            report.records += 1
            report.decisions += outcome.isDecision ? 1 : 0
            report.signatures += outcome.signatures
        }
        report.problems += ExecutionChecks(evidence: evidence, trustedKeys: trustedKeys) { [state] execId in
            (try? state.read(StateDirectory.router(execId))).flatMap { try? JSONParser.parse($0) }
        }.check()
        report.notes += inventory.privateKeys.compactMap(privateKeyNote)
        report.notes += Self.incompleteIncidents(inventory.records.map(\.path))
        return report
    }

    /// An incident directory holding only one of its two files: a capture killed between the two
    /// writes. Not damage (the bundle alone is valid evidence), but worth a note: the same capture
    /// run again finishes it; until then queries do not list it.
    static func incompleteIncidents(_ paths: [String]) -> [StateFinding] {
        let bundle = "/" + IncidentLocation.bundleFile, meta = "/" + IncidentLocation.metaFile
        let directories = { (suffix: String) in
            Set(paths.filter { $0.hasPrefix("incidents/") && $0.hasSuffix(suffix) }.map { String($0.dropLast(suffix.count)) })
        }
        let bundles = directories(bundle), metas = directories(meta)
        return bundles.subtracting(metas).sorted().map {
            StateFinding("LP_STATE_INCIDENT_INCOMPLETE", $0, "incident bundle without its local meta (an interrupted capture); "
                         + "run the same capture again to finish it")
        } + metas.subtracting(bundles).sorted().map {
            StateFinding("LP_STATE_INCIDENT_INCOMPLETE", $0, "incident meta without its bundle")
        }
    }

    private func classify(_ listing: StateWalker.Listing) -> Inventory {
        var inventory = Inventory()
        for path in listing.files {
            switch StateLayout.classify(path) {
            case .blob(let prefix, let name): inventory.blobs.append((path, prefix, name))
            case .blobMeta(let prefix, let name): inventory.metas.append((path, prefix, name))
            case .strayInStore:
                inventory.problems.append(StateFinding("LP_STATE_BLOB_PATH", path, "not a blob or meta record location"))
            case .record(let file): inventory.records.append(file)
            case .privateKey: inventory.privateKeys.append(path)
            case .temporary: inventory.temporaries.append(path)
            case .ignored: break
            }
        }
        for path in listing.special where StateLayout.classify(path) != .ignored {
            inventory.problems.append(StateFinding("LP_STATE_NOT_A_FILE", path, "a symlink or special file where the state keeps regular files"))
        }
        for path in listing.unreadable {
            inventory.problems.append(StateFinding("LP_STATE_IO", path.isEmpty ? "." : path, "directory cannot be read"))
        }
        return inventory
    }

    /// A control signing key readable by group or others is worth knowing (not a damaged state).
    private func privateKeyNote(_ path: String) -> StateFinding? {
        var info = stat()
        guard lstat(state.path(path), &info) == 0, info.st_mode & 0o077 != 0 else { return nil }
        return StateFinding("LP_STATE_KEY_MODE", path,
                            "private key has mode \(String(info.st_mode & 0o777, radix: 8)); it should be 600 (chmod 600 \(state.path(path)))")
    }

    /// Deletes leftover temp files; returns a note for each (removed, or why not).
    static func removeTemporaries(_ paths: [String], in state: StateDirectory) -> [StateFinding] {
        paths.map { path in
            if unlink(state.path(path)) == 0 || errno == ENOENT {
                return StateFinding("LP_STATE_TEMP_REMOVED", path, "removed a temp file left by an interrupted write")
            }
            return StateFinding("LP_STATE_TEMP_LEFTOVER", path, "could not remove: \(String(cString: strerror(errno)))")
        }
    }
}
