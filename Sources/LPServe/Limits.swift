/// The daemon's request bounds (nginx enforces the same body cap first; capabilities advertise them).
public enum ServeLimits {
    public static let maxBlobBytes = 16 << 20
    public static let maxJSONBodyBytes = 8 << 20
    public static let maxPresenceBatch = 4096
    public static let maxQueryLimit = 256
    public static let maxParallelUploads = 4
}
