import LPCore
import LPModel
import CSQLite
import Foundation

/// A failed SQLite call. `code` is the primary result code (`SQLITE_CORRUPT`, `SQLITE_BUSY`, ...).
struct SQLiteError: Error, CustomStringConvertible {
    let code: Int32
    let message: String

    /// The file is damaged or is not a database at all: the index must be rebuilt.
    var isCorruption: Bool { code == SQLITE_CORRUPT || code == SQLITE_NOTADB }
    /// The index cannot be written here (read-only file, directory or file system).
    var meansReadOnly: Bool { code == SQLITE_READONLY || code == SQLITE_PERM }
    var description: String { "sqlite error \(code): \(message)" }
}

/// A value bound to a statement parameter. Values are always bound, never spliced into SQL.
enum SQLValue: Equatable {
    case null
    case integer(Int64)
    case text(String)

    static func of(_ value: String?) -> SQLValue { value.map(SQLValue.text) ?? .null }
    static func of(_ value: Int64?) -> SQLValue { value.map(SQLValue.integer) ?? .null }
    static func of(_ value: Int?) -> SQLValue { value.map { .integer(Int64($0)) } ?? .null }
    static func of(_ value: Bool) -> SQLValue { .integer(value ? 1 : 0) }
}

/// One result row, valid only inside the `query` callback. Accessors never trap: a NULL, a
/// missing column or a value of another type reads as nil.
struct SQLRow {
    fileprivate let statement: OpaquePointer

    var columnCount: Int32 { sqlite3_column_count(statement) }

    func int(_ column: Int32) -> Int64? {
        guard column >= 0, column < columnCount else { return nil }
        switch sqlite3_column_type(statement, column) {
        case SQLITE_INTEGER: return sqlite3_column_int64(statement, column)
        case SQLITE_FLOAT:
            let value = sqlite3_column_double(statement, column)
            return value.isFinite && value.rounded() == value && abs(value) < 9.2e18 ? Int64(value) : nil
        case SQLITE_TEXT: return string(column).flatMap { Int64($0) }
        default: return nil
        }
    }

    func integer(_ column: Int32) -> Int? { int(column).map { Int($0) } }

    func string(_ column: Int32) -> String? {
        guard column >= 0, column < columnCount, sqlite3_column_type(statement, column) != SQLITE_NULL,
              let text = sqlite3_column_text(statement, column) else { return nil }
        let count = Int(sqlite3_column_bytes(statement, column))
        return String(decoding: UnsafeBufferPointer(start: text, count: max(0, count)), as: UTF8.self)
    }

    func bool(_ column: Int32) -> Bool { (int(column) ?? 0) != 0 }
}

/// A thin wrapper over one sqlite3 connection: cached prepared statements, bound parameters,
/// transactions. Not for concurrent use from several threads (open one per thread).
final class Database {
    let handle: OpaquePointer
    let path: String
    private var statements: [String: OpaquePointer] = [:]

    static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    /// Opens `path` (`:memory:` for a private in-memory database). Without `create` a missing
    /// file is an error instead of a new empty database.
    init(path: String, create: Bool) throws {
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0)
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot allocate a connection"
            if let db { sqlite3_close_v2(db) }
            throw SQLiteError(code: rc & 0xff, message: "\(path): \(message)")
        }
        handle = db
        self.path = path
        sqlite3_busy_timeout(db, 10_000)
    }

    /// Opens a `file:` URI read-only (`mode=ro`, `immutable=1`, ...): never creates or writes
    /// anything. The URI's path must be escaped (`IndexFile.uri`).
    init(readOnlyURI uri: String) throws {
        var db: OpaquePointer?
        let rc = sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot allocate a connection"
            if let db { sqlite3_close_v2(db) }
            throw SQLiteError(code: rc & 0xff, message: "\(uri): \(message)")
        }
        handle = db
        self.path = uri
        sqlite3_busy_timeout(db, 10_000)
    }

    deinit {
        for statement in statements.values { sqlite3_finalize(statement) }
        sqlite3_close_v2(handle)
    }

    private func error(_ rc: Int32, _ context: String) -> SQLiteError {
        SQLiteError(code: rc & 0xff, message: "\(context): \(String(cString: sqlite3_errmsg(handle)))")
    }

    /// Runs SQL text without parameters (schema, pragmas, several statements at once).
    func execute(_ sql: String) throws {
        let rc = sqlite3_exec(handle, sql, nil, nil, nil)
        guard rc == SQLITE_OK else { throw error(rc, String(sql.prefix(60))) }
    }

    private func prepare(_ sql: String) throws -> OpaquePointer {
        if let cached = statements[sql] { return cached }
        var statement: OpaquePointer?
        let rc = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard rc == SQLITE_OK, let statement else { throw error(rc, "prepare \(sql.prefix(60))") }
        statements[sql] = statement
        return statement
    }

    private func bind(_ statement: OpaquePointer, _ values: [SQLValue]) throws {
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let rc: Int32
            switch value {
            case .null: rc = sqlite3_bind_null(statement, index)
            case .integer(let number): rc = sqlite3_bind_int64(statement, index, number)
            case .text(let text):
                let bytes = Array(text.utf8)
                rc = bytes.withUnsafeBufferPointer { buffer -> Int32 in
                    guard let base = buffer.baseAddress, buffer.count > 0 else {
                        return sqlite3_bind_text(statement, index, "", 0, Database.transient)
                    }
                    return base.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                        sqlite3_bind_text(statement, index, $0, Int32(buffer.count), Database.transient)
                    }
                }
            }
            guard rc == SQLITE_OK else { throw error(rc, "bind") }
        }
    }

    /// Runs one statement for each row it yields.
    func query(_ sql: String, _ values: [SQLValue] = [], _ body: (SQLRow) throws -> Void) throws {
        let statement = try prepare(sql)
        defer {
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
        }
        try bind(statement, values)
        while true {
            let rc = sqlite3_step(statement)
            if rc == SQLITE_DONE { return }
            guard rc == SQLITE_ROW else { throw error(rc, "step \(sql.prefix(60))") }
            try body(SQLRow(statement: statement))
        }
    }

    /// Runs one statement that returns no rows.
    func run(_ sql: String, _ values: [SQLValue] = []) throws {
        try query(sql, values) { _ in }
    }

    /// The rows of a query, mapped.
    func rows<T>(_ sql: String, _ values: [SQLValue] = [], _ map: (SQLRow) throws -> T?) throws -> [T] {
        var result: [T] = []
        try query(sql, values) { row in
            if let value = try map(row) { result.append(value) }
        }
        return result
    }

    func first<T>(_ sql: String, _ values: [SQLValue] = [], _ map: (SQLRow) throws -> T?) throws -> T? {
        try rows(sql, values, map).first
    }

    /// Rows changed by the last INSERT/UPDATE/DELETE.
    var changes: Int { Int(sqlite3_changes(handle)) }

    var inTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    /// The file this connection opened was since unlinked or replaced (SQLite then refuses
    /// writes with SQLITE_READONLY and never checkpoints into or deletes the new file's WAL).
    var hasMoved: Bool {
        var moved: Int32 = 0
        return sqlite3_file_control(handle, "main", SQLITE_FCNTL_HAS_MOVED, &moved) == SQLITE_OK && moved != 0
    }

    /// Runs `body` in one transaction (`BEGIN IMMEDIATE` for writes, deferred for reads);
    /// nested calls join the outer transaction.
    func transaction<T>(write: Bool = true, _ body: () throws -> T) throws -> T {
        if inTransaction { return try body() }
        try execute(write ? "BEGIN IMMEDIATE" : "BEGIN")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            if inTransaction { try? execute("ROLLBACK") }
            throw error
        }
    }

    /// Replaces every row of `tables` with those of the same tables in the database file at
    /// `path` (same schema), in one write transaction, when `condition` (run inside it, with the
    /// file attached as `fresh`) allows it. Readers see the old rows or the new, never a mix.
    /// Returns whether the rows were replaced.
    func replaceRows(fromFile path: String, tables: [String], when condition: () throws -> Bool) throws -> Bool {
        try run("ATTACH DATABASE ? AS fresh", [.text(path)])
        defer { try? execute("DETACH DATABASE fresh") }
        return try transaction {
            guard try condition() else { return false }
            for table in tables {
                try execute("DELETE FROM main.\"\(table)\"; INSERT INTO main.\"\(table)\" SELECT * FROM fresh.\"\(table)\"")
            }
            return true
        }
    }

    /// Copies every page of `source` into this database in one write transaction (the sqlite3
    /// online backup API): readers of this database see the old content or the new, never a mix.
    func replaceContent(from source: Database) throws {
        guard let backup = sqlite3_backup_init(handle, "main", source.handle, "main") else {
            throw error(sqlite3_errcode(handle), "backup into \(path)")
        }
        var rc = SQLITE_OK
        var waits = 0
        repeat {
            rc = sqlite3_backup_step(backup, -1)
            if rc == SQLITE_BUSY || rc == SQLITE_LOCKED {
                waits += 1
                sqlite3_sleep(20)
            }
        } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && waits < 500
        let finish = sqlite3_backup_finish(backup)
        guard rc == SQLITE_DONE, finish == SQLITE_OK else {
            throw error(rc == SQLITE_DONE ? finish : rc, "backup into \(path)")
        }
    }
}
