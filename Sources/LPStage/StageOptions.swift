import LPCore

/// Options several stages declare with one meaning, so their help, parsing and routing agree.
public enum StageOptions {
    /// The names of the local target. Every deploy, incident and regress command takes
    /// `--target` (the reference CI adds `--target __local__` to each of them).
    public static let localTargets = ["__local__", "local"]

    /// `--target NAME`: where the deployment runs. Checked by `StageContext` for every command
    /// that declares it, before the command's body runs.
    public static let target = OptionSpec(
        "--target", value: "NAME", "deployment target: __local__ (or local) here; x07lp sends a verb with a stored target (x07lp target add) to lp-remote")

    /// `--accepted-run RUN_ID`: the deployment intake created in that run (`runs/<id>.json`).
    public static let acceptedRun = OptionSpec(
        "--accepted-run", value: "RUN_ID", "the deployment intake accepted in run RUN_ID (result.run_id of `deploy accept`)")

    /// Refuses a `--target` other than the local one (exit 2, LP_TARGET_NOT_FOUND).
    public static func checkTarget(_ arguments: ParsedArguments) throws {
        guard let name = arguments.value("--target"), !localTargets.contains(name) else { return }
        throw LPError(.usage, code: "LP_TARGET_NOT_FOUND",
                      "no target \"\(name.prefix(80))\" in a local stage (--target __local__ or local); "
                        + "`x07lp VERB --target NAME` sends a verb to a target stored with `x07lp target add` (lp-remote)",
                      data: ["target": .string(String(name.prefix(256))), "known_targets": .array(localTargets.map(JSON.string))])
    }
}
