import LPCore
import LPState
import LPModel
import LPIndex
import LPStage

/// Where a capture's evidence comes from: `--request/--response/--trace` files, or one document
/// on stdin — a `{request, response, trace?}` pair, or a deployment (an lp.deploy.execution or
/// its lp.cli.report) as `lp-apply ... | lp-incident capture` prints it. Everything is
/// normalised, checked against its contract and redacted here, before the store sees it.
struct CaptureSources {
    var request: JSON?
    var response: JSON?
    var trace: JSON?
    /// A device host's `x07.web_ui.trace@0.1.0` given as --trace.
    var webTrace: JSON?
    var removals: [Redaction.Removal] = []
    /// The deployment named by a piped execution.
    var deploymentId: String?
    /// The incident lp-apply captured for a rolled-back deployment on stdin.
    var existingIncident: String?

    static func gather(_ ctx: StageContext, catalog: ContractCatalog) throws -> CaptureSources {
        let args = ctx.arguments
        var sources = CaptureSources()
        var rawRequest: (JSON, String)?, rawResponse: (JSON, String)?, rawTrace: (JSON, String)?
        func file(_ flag: String) throws -> (JSON, String)? {
            guard let path = args.value(flag) else { return nil }
            let input = try InputDocument.read(path: path, environment: ctx.environment, usage: ctx.spec.usage[0])
            return (input.json, input.source)
        }
        rawRequest = try file("--request")
        rawResponse = try file("--response")
        rawTrace = try file("--trace")
        let namesTarget = args.value("--deployment-id") != nil || args.value("--app-id") != nil || args.value("--release") != nil
        // Without a named deployment, stdin names it (or carries the evidence).
        if args.value("--in") != nil || !namesTarget {
            let input = try ctx.readInput()
            let json = input.json
            switch json["schema_version"]?.stringValue {
            case DeployExecution.schemaVersion?, SchemaVersion.cliReport?:
                let id = try ExecutionInput.deploymentId(namedBy: json, source: input.source, catalog: catalog,
                                                         acceptingEndedBadly: true)
                let execution = try ExecutionStore(state: ctx.state).load(id)
                sources.deploymentId = execution.exec_id
                let meta = execution.localMeta
                if rawRequest == nil, rawResponse == nil, args.value("--classification") == nil,
                   meta?.outcome == .rolledBack, let incident = meta?.last_incident_id {
                    sources.existingIncident = incident
                    return sources
                }
            case nil where json["request"] != nil || json["response"] != nil:
                guard rawRequest == nil, rawResponse == nil else {
                    throw LPError(.usage, code: "LP_USAGE", "the request/response come either from stdin or from --request/--response, not both")
                }
                if let request = json["request"] { rawRequest = (request, input.source + "#/request") }
                if let response = json["response"] { rawResponse = (response, input.source + "#/response") }
                if let trace = json["trace"], trace != .null { rawTrace = (trace, input.source + "#/trace") }
            default:
                throw LPError(.invalidInput, code: "LP_INPUT_UNKNOWN",
                              "\(input.source): expected an lp.deploy.execution, its report, or a {\"request\", \"response\"} pair",
                              stage: .parse)
            }
        }
        let rules = RedactionRules.from(environment: ctx.environment)
        if let (json, source) = rawRequest {
            let normalized = try HTTPEnvelope.request(json, source: source)
            try validate(normalized, as: HTTPEnvelope.requestSchema, source: source, catalog: catalog)
            (sources.request, sources.removals) = Redaction.envelope(normalized, location: "request", rules: rules)
        }
        if let (json, source) = rawResponse {
            let normalized = try HTTPEnvelope.response(json, requestId: sources.request?["id"]?.stringValue, source: source)
            try validate(normalized, as: HTTPEnvelope.responseSchema, source: source, catalog: catalog)
            let (clean, removed) = Redaction.envelope(normalized, location: "response", rules: rules)
            sources.response = clean
            sources.removals += removed
        }
        if let (json, source) = rawTrace {
            // Device hosts record web UI traces (`kind: x07.web_ui.trace`); apps record x07.app.trace.
            let web = json["kind"]?.stringValue == "x07.web_ui.trace" && json["schema_version"] == nil
            try validate(json, as: web ? SchemaVersion.webUITrace : SchemaVersion.appTrace, source: source, catalog: catalog)
            let (clean, removed) = Redaction.trace(json, rules: rules)
            if web { sources.webTrace = clean } else { sources.trace = clean }
            sources.removals += removed
        }
        return sources
    }

    /// Contract checks of captured exchanges, whose diagnostics name where and which rule, never
    /// the offending value: a refused capture must not echo a token it was given.
    static func validate(_ document: JSON, as schema: String, source: String, catalog: ContractCatalog) throws {
        do {
            try catalog.validate(document, as: schema, source: source)
        } catch var error as LPError {
            error.diagnostics = error.diagnostics.map { quiet($0, source: source, schema: schema) }
            throw error
        }
    }

    static func quiet(_ diagnostic: Diagnostic, source: String, schema: String) -> Diagnostic {
        var quiet = diagnostic
        let data = diagnostic.data ?? [:]
        let pointer = data["pointer"]?.stringValue ?? ""
        let at = pointer.isEmpty ? "the document root" : pointer
        var message = "\(source): at \(at): does not satisfy \(schema)"
        if let keyword = data["keyword"]?.stringValue { message += " (\(keyword)" + (data["schema_pointer"]?.stringValue.map { " at \($0)" } ?? "") + ")" }
        quiet.message = message + "; values are not shown, as a capture may hold secrets"
        quiet.data = data.filter { ["pointer", "schema_pointer", "keyword"].contains($0.key) }
        return quiet
    }
}
