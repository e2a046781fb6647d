import LPCore
import LPState
import LPModel
import LPIndex
import LPStage

/// Something a record points at that must exist in the state.
enum RecordReference: Equatable {
    /// A file in the state (`runs/<run_id>.json`, `file:` store URIs); with a digest, the file's
    /// bytes must have it.
    case file(pointer: JSONPointer, path: String, digest: DigestRef?)
    /// Bytes by digest (a typed ref `{kind, digest}`): a blob, or a record file with that digest.
    case content(pointer: JSONPointer, kind: String?, digest: DigestRef)
    /// `store_uri: "sha256:<hex>"`: a blob.
    case blob(pointer: JSONPointer, sha256: String)
}

/// The references of one record. Only references whose target a writer stores before the record
/// itself are collected (blobs before runs and decisions, decisions before their run, the run
/// before its execution), so a writer killed at any instant leaves no dangling reference.
enum RecordReferences {
    static func extract(_ kind: RecordFile.Kind, _ record: JSON) -> [RecordReference] {
        let root = JSONPointer()
        var refs = storeURIs(record)
        switch kind {
        case .execution:
            if let runId = record["run_id"]?.stringValue {
                refs.append(.file(pointer: root.appending("run_id"), path: StateDirectory.runRecord(runId), digest: nil))
            }
            for (i, step) in (record["steps"]?.arrayValue ?? []).enumerated() {
                refs += typedList(step["evidence"], at: root.appending("steps").appending(i).appending("evidence"))
            }
        case .run:
            for (i, entry) in (record["decisions"]?.arrayValue ?? []).enumerated() {
                guard let id = entry["decision_id"]?.stringValue else { continue }
                refs.append(.file(pointer: root.appending("decisions").appending(i), path: StateDirectory.decisionRecord(id),
                                  digest: digest(entry["record"]?["digest"])))
            }
            for (i, step) in (record["steps"]?.arrayValue ?? []).enumerated() {
                let at = root.appending("steps").appending(i)
                refs += typedList(step["inputs"], at: at.appending("inputs"))
                refs += typedList(step["outputs"], at: at.appending("outputs"))
            }
            let inputs = root.appending("inputs")
            refs += typed(record["inputs"]?["change_request"]?["artifact"], at: inputs.appending("change_request").appending("artifact"))
            refs += typed(record["inputs"]?["artifact"]?["manifest"], at: inputs.appending("artifact").appending("manifest"))
        case .decision:
            refs += typedList(record["evidence"], at: root.appending("evidence"))
            refs += typed(record["subject"]?["artifact"], at: root.appending("subject").appending("artifact"))
        case .deviceExecution:
            for (i, step) in (record["steps"]?.arrayValue ?? []).enumerated() {
                refs += typedList(step["evidence"], at: root.appending("steps").appending(i).appending("evidence"))
            }
            if let planId = record["plan_id"]?.stringValue {
                refs.append(.file(pointer: root.appending("plan_id"), path: DeviceReleasePaths.plan(planId),
                                  digest: digest(record["plan"]?["digest"])))
            }
        case .plan, .controlAction, .killSwitch, .incidentBundle, .incidentMeta, .regression, .devicePlan, .deviceProvider,
             .devicePackageManifest, .devicePackageReport, .deviceSLOProfile, .deviceEvidence, .deviceMetricsSnapshot:
            break
        }
        return refs
    }

    /// Every `store_uri` in the record: `sha256:<hex>` names a blob, `file:<path>` a state file.
    static func storeURIs(_ record: JSON) -> [RecordReference] {
        var refs: [RecordReference] = []
        var path: [String] = []
        collectStoreURIs(record, path: &path, into: &refs)
        return refs
    }

    /// Walks with one token stack; a pointer is built only where a `store_uri` is found.
    private static func collectStoreURIs(_ value: JSON, path: inout [String], into refs: inout [RecordReference]) {
        switch value {
        case .object(let members):
            if case .string(let uri)? = members["store_uri"] {
                let at = JSONPointer(tokens: path + ["store_uri"])
                if uri.hasPrefix("sha256:") {
                    refs.append(.blob(pointer: at, sha256: String(uri.dropFirst(7))))
                } else if uri.hasPrefix("file:") {
                    refs.append(.file(pointer: at, path: String(uri.dropFirst(5)), digest: nil))
                }
            }
            for (key, member) in members where member.isContainer {
                path.append(key)
                collectStoreURIs(member, path: &path, into: &refs)
                path.removeLast()
            }
        case .array(let items):
            for (index, item) in items.enumerated() where item.isContainer {
                path.append(String(index))
                collectStoreURIs(item, path: &path, into: &refs)
                path.removeLast()
            }
        default:
            break
        }
    }

    private static func typedList(_ list: JSON?, at pointer: JSONPointer) -> [RecordReference] {
        (list?.arrayValue ?? []).enumerated().flatMap { typed($0.element, at: pointer.appending($0.offset)) }
    }

    private static func typed(_ ref: JSON?, at pointer: JSONPointer) -> [RecordReference] {
        guard let ref, let digest = digest(ref["digest"]) else { return [] }
        return [.content(pointer: pointer, kind: ref["kind"]?.stringValue, digest: digest)]
    }

    /// `{sha256, bytes_len}` when well formed (a malformed one is a schema violation, reported there).
    private static func digest(_ value: JSON?) -> DigestRef? {
        guard let sha256 = value?["sha256"]?.stringValue, Hex.isSHA256(sha256),
              let length = value?["bytes_len"]?.intValue, length >= 0 else { return nil }
        return DigestRef(sha256: sha256, bytes_len: length)
    }
}

private extension JSON {
    var isContainer: Bool {
        switch self {
        case .object, .array: return true
        default: return false
        }
    }
}
