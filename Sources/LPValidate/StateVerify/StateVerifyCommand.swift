import LPCore
import LPState
import LPModel
import LPIndex
import LPStage
import Foundation

/// `state verify`: checks every stored digest, record, signature and reference in a state
/// directory without taking the writer lock, and says whether the state is intact.
enum StateVerifyCommand {
    static let resultSchema = SchemaVersion.stateVerifyResult

    static let command = StageCommand(
        words: ["state", "verify"],
        spec: CommandSpec(
            name: "lp-validate state verify", reportCommand: "state verify",
            summary: "check every blob, record, signature and reference in a state directory",
            usage: ["lp-validate state verify [--state-dir DIR] [--trusted-key PEM...] [--trusted-keyid KEYID...] [--clean-temp] [--json]"],
            options: [
                OptionSpec("--trusted-key", value: "PEM", repeatable: true,
                           "trust this Ed25519 public key for decision signatures; keys only in keys/ are then not trusted"),
                OptionSpec("--trusted-keyid", value: "KEYID", repeatable: true,
                           "trust the key of keys/ with this fingerprint (sha256 of the raw key); keys only in keys/ are then not trusted"),
                OptionSpec("--clean-temp", "delete temp files left by interrupted writes (takes the writer lock)"),
            ],
            examples: [
                "x07lp state verify --state-dir .x07lp",
                "x07lp state verify --json | jq '.result.problems'",
                "x07lp state verify --clean-temp",
            ],
            exitCodes: [.ok, .usage, .stateCorrupt],
            notes: [
                "Checks: each blob's sha256 is its name (and its directory the name's first two digits), and its",
                "meta record agrees; every record under runs/, decisions/, deploy/, plans/, control/, incidents/ and",
                "regressions/ parses, satisfies its contract and is stored under its own id; each decision's",
                "integrity.record_sha256 matches and its signatures verify against the trusted keys; executions name",
                "existing runs, runs name existing decisions with their digests, and every digest or store_uri a",
                "record cites is in the state. Each execution is checked against the write-once evidence it names",
                "(its decisions, signed control decisions and their receipts, the router state, its incidents).",
                "Trusted keys: --trusted-key, $X07LP_TRUSTED_KEYS (PEM files separated by ':') and --trusted-keyid",
                "pin keys from outside the state; without them the keys in keys/ are trusted on first use and listed",
                "in trusted_keys (a replaced key shows as a new keyid). .lock and runtime/ are not checked.",
                "Reads only: the writer lock is not taken (except with --clean-temp), so it can run beside writers.",
                "Prints an \(resultSchema) document. Exit 0 when the state is intact; exit 19 with one",
                "LP_STATE_* diagnostic per problem otherwise. Temp files left by a killed writer are notes, not",
                "problems: the state they sit in is still valid.",
            ]),
        body: run)

    static func run(_ ctx: StageContext) throws -> StageOutput {
        guard ctx.arguments.positionals.isEmpty else {
            throw LPError(.usage, code: "LP_USAGE", "state verify takes no positional arguments; see `lp-validate state verify --help`")
        }
        let state = ctx.state
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: state.root, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw LPError(.usage, code: "LP_NOT_FOUND",
                          "no state directory at \(state.root); pass --state-dir DIR or set X07LP_STATE_DIR")
        }
        let given = try ctx.arguments.all("--trusted-key").map { (key: try readTrustedKey($0), origin: "--trusted-key \($0)") }
        let pinned = try Set(ctx.arguments.all("--trusted-keyid").map { keyId in
            guard Hex.isSHA256(keyId) else {
                throw LPError(.usage, code: "LP_USAGE", "--trusted-keyid takes a key id: 64 lowercase hex digits (sha256 of the raw key)")
            }
            return keyId
        })
        let validator = try RecordValidator(catalog: ContractCatalog.locate(environment: ctx.environment))
        let clean = ctx.arguments.has("--clean-temp")
        // A transaction a crash interrupted after its journal was written is completed first, as
        // the next writer would (nothing new is decided); a live writer will do it itself.
        if !clean, state.exists(StateJournal.file), access(state.root, W_OK) == 0 {
            _ = try? state.write(timeout: 0) { _ in }
        }
        func verify() -> StageOutput {
            let trust = KeyTrust(state: state, given: given, pinned: pinned, environment: ctx.environment)
            var report = StateVerifier(state: state, validator: validator, trustedKeys: trust.trusted).run()
            report.problems += trust.problems
            report.notes += trust.notes
            // An index that claims to be current must say what the files say (tampered rows).
            do {
                report.problems += try StateIndex.differencesFromFiles(state: state).map {
                    StateFinding("LP_STATE_INDEX_MISMATCH", $0.file, "table \($0.table): \($0.detail)")
                }
            } catch {
                report.notes.append(StateFinding("LP_STATE_INDEX_UNCHECKED", IndexLocation.directory, "the index could not be compared: \(error)"))
            }
            report.trustedKeys = trust.json
            report.notes += clean ? StateVerifier.removeTemporaries(report.temporaries, in: state) : report.temporaries.map {
                StateFinding("LP_STATE_TEMP_LEFTOVER", $0,
                             "temp file left by an interrupted write; the state is still valid (--clean-temp removes it)")
            }
            if state.exists(StateJournal.file) {
                report.notes.append(StateFinding("LP_STATE_JOURNAL_PENDING", StateJournal.file,
                                                 "a write transaction was interrupted and a writer holds the lock now; it completes it from its journal"))
            }
            return output(report, state: state)
        }
        // Removing temp files needs the writer lock (a live writer's temp file is not a leftover).
        return clean ? try state.write { _ in verify() } : verify()
    }

    static func output(_ report: StateVerifier.Report, state: StateDirectory) -> StageOutput {
        let problems = StateFinding.sorted(report.problems)
        let notes = StateFinding.sorted(report.notes)
        let result: JSON = [
            "schema_version": .string(resultSchema),
            "ok": .bool(problems.isEmpty),
            "state_dir": .string(state.root),
            "checked": ["blobs": .number(Double(report.blobs)), "records": .number(Double(report.records)),
                        "decisions": .number(Double(report.decisions)), "signatures": .number(Double(report.signatures))],
            "problems": .array(problems.map(\.json)),
            "notes": .array(notes.map(\.json)),
            "trusted_keys": report.trustedKeys,
        ]
        return StageOutput(result: result, exitCode: problems.isEmpty ? .ok : .stateCorrupt,
                           diagnostics: problems.map { $0.diagnostic(.error) } + notes.map { $0.diagnostic(.info) })
    }

    static func readTrustedKey(_ path: String) throws -> Ed25519.PublicKey {
        let pem = try InputDocument.readFile(path, limit: 1 << 16)
        do { return try Ed25519.publicKey(pem: pem) } catch {
            throw LPError(.invalidInput, code: "LP_KEY_INVALID", "\(path): \(error); expected an Ed25519 public key in PEM")
        }
    }
}
