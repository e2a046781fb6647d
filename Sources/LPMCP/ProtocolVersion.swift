/// MCP protocol versions: the client proposes one in `initialize`; the server answers with it
/// when it speaks it, else with its own latest, and the client decides whether to go on.
public enum ProtocolVersion {
    public static let latest = "2025-11-25"
    /// Versions whose messages this server's answers fit: tool annotations exist since
    /// 2025-03-26, `structuredContent` since 2025-06-18 (older clients ignore it).
    public static let supported: Set = [latest, "2025-06-18", "2025-03-26"]

    public static func negotiate(_ requested: String) -> String {
        supported.contains(requested) ? requested : latest
    }
}
