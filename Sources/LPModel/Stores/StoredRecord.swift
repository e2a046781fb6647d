import LPCore
import LPState

/// A record of the state decoded as its document type: exit 2 (`LP_NOT_FOUND`, saying `missing`)
/// when there is none, 19 when it is damaged (naming the file and `kind`).
func loadRecord<Document: Decodable>(_ type: Document.Type, at relative: String, kind: String, missing: String,
                                     state: StateDirectory, reader: any StateReading) throws -> Document {
    guard reader.exists(relative) else { throw LPError(.usage, code: "LP_NOT_FOUND", "\(missing) in \(state.root)") }
    let json = try reader.readJSON(relative)
    do {
        return try json.decode(Document.self)
    } catch {
        throw LPError(.stateCorrupt, code: "LP_STATE_CORRUPT", "\(state.path(relative)) is not an \(kind): \(error)")
    }
}
