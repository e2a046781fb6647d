import LPCore
import LPState
import LPModel
import LPIndex
import LPStage
import LPIncident

/// `lp-query route`: which slot the local target's router sends a request to.
enum RouteCommand {
    static let command = StageCommand(
        words: ["route"],
        spec: CommandSpec(
            name: "lp-query route", reportCommand: "route",
            summary: "answer which slot a route key (or path) reaches for a deployment",
            usage: ["lp-query route --deployment-id ID (--route-key KEY | --path /p)"],
            options: [
                OptionSpec("--deployment-id", value: "ID", aliases: ["--deployment"], "the deployment whose router state to read"),
                OptionSpec("--route-key", value: "KEY", "the X-LP-Route-Key header value"),
                OptionSpec("--path", value: "PATH", "the request path, the key when no route key is sent (default /)"),
            ],
            examples: ["x07lp route --deployment-id lpexec_... --route-key user-42"],
            exitCodes: [.ok, .usage, .stateCorrupt],
            notes: ["Prints {slot, bucket, weight_pct}: bucket = first 4 bytes of SHA-256(key) as a big-endian u32 mod 100;",
                    "the candidate gets the request iff bucket < weight."]),
        body: { ctx in
            try IndexAccess.requireState(ctx)
            let id = try ctx.arguments.required("--deployment-id", ctx.spec)
            try StateDirectory.checkComponent(id, what: "deployment id")
            let answer = try route(state: ctx.state, execId: id, routeKey: ctx.arguments.value("--route-key"),
                                   path: ctx.arguments.value("--path") ?? "/")
            return StageOutput(result: try JSON(encoding: answer).setting("deployment_id", .string(id)))
        })
}
