import LPCore
import LPState
import LPStage
import LPRuntime
import Foundation

/// `lp-apply serve start | stop | status`: the nginx that serves every live deployment's public
/// listener from its slot trees (docs/serve.md). Deploy runs and controls refresh it when it runs.
enum ServeCommands {
    static func spec(_ word: String, _ summary: String) -> CommandSpec {
        CommandSpec(name: "lp-apply serve \(word)", reportCommand: "serve \(word)", summary: summary,
                    usage: ["lp-apply serve \(word) --state-dir S"], options: [],
                    examples: ["x07lp serve \(word) --state-dir .x07lp --json"],
                    exitCodes: [.ok, .usage, .internalError],
                    notes: ["Needs nginx and its njs module (Debian: nginx libnginx-mod-http-js)."])
    }

    static let commands: [StageCommand] = [
        StageCommand(words: ["serve", "start"], spec: spec("start", "start serving every live deployment's public listener")) { ctx in
            try requireState(ctx)
            return StageOutput(result: try ServeRuntime(state: ctx.state).start(supervisor: try ownExecutable()).json,
                               diagnostics: ServePorts.diagnostics())
        },
        StageCommand(words: ["serve", "stop"], spec: spec("stop", "stop serving")) { ctx in
            try requireState(ctx)
            return StageOutput(result: try ServeRuntime(state: ctx.state).stop().json)
        },
        StageCommand(words: ["serve", "status"], spec: spec("status", "whether serving runs and what each listener serves")) { ctx in
            try requireState(ctx)
            return StageOutput(result: ServeRuntime(state: ctx.state).status().json, diagnostics: ServePorts.diagnostics())
        },
    ]

    /// This binary (lp-apply), which also runs the back-end supervisor.
    private static func ownExecutable() throws -> String {
        guard let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else {
            throw LPError(.internalError, code: "LP_SERVE_START_FAILED", "cannot find the lp-apply binary (/proc/self/exe)")
        }
        return path
    }

    private static func requireState(_ ctx: StageContext) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: ctx.state.root, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw LPError(.usage, code: "LP_STATE_NOT_FOUND", "no state directory at \(ctx.state.root)")
        }
    }
}
