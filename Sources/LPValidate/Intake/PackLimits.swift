import LPCore
/// Caps on what a pack may hold, checked while it streams in. Defaults are sized for real packs;
/// `--max-pack-bytes` and `--max-pack-entries` change them.
struct PackLimits {
    var maxTotalBytes: Int64 = 4 << 30
    var maxEntries = 4096
    var maxManifestBytes = 4 << 20
    /// An archive may expand to at most this many times its compressed size once past
    /// `ratioFloorBytes` (a compression bomb fails fast instead of filling the disk).
    var maxExpansionRatio: Int64 = 200
    var ratioFloorBytes: Int64 = 64 << 20
}
