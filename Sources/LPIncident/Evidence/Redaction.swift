import LPCore
import Foundation

/// Removes secrets from captured HTTP exchanges and app traces before anything is stored or
/// printed, with the rules of one table (`RedactionRules`, docs/redaction.md):
///
/// - headers with a sensitive name get the value `<redacted>` (the header still shows it was sent);
///   other headers that hold a URL (`Location`, `Referer`, any value with `://` or starting with `/`)
///   have their URL parameters redacted;
/// - the request's `path` and `query` (and every URL-ish string): each `name=value` after `?`, `&`,
///   `;` or `#` (and at the start of a query string or form body) whose name is sensitive, and the
///   password of `scheme://user:password@host`;
/// - bodies: JSON (by key, recursively; a sensitive key's whole value), form-encoded, and any other
///   text for URL parameters and `"key": value` pairs; base64 bodies the same once decoded;
/// - the trace: every HTTP exchange as above, the UI parts' URLs, their `state` and `telemetry`
///   by key, and the value of an input event whose target is a sensitive name.
///
/// Every replacement is listed by location and name, never by value. Redacting twice finds
/// nothing more.
public enum Redaction {
    public static let placeholder = "<redacted>"

    /// One value taken out: where (`request.header`, `request.path`, `request.query`,
    /// `request.body`, `trace.steps[2].http[0].response.header`, `trace.steps[0].ui_dispatch`)
    /// and which name (lower-cased; `userinfo` for a URL's password).
    public struct Removal: Equatable, Sendable {
        public var location: String
        public var name: String

        public init(location: String, name: String) {
            self.location = location
            self.name = name
        }

        public var json: JSON { ["location": .string(location), "name": .string(name)] }
    }

    public static func isSensitiveHeader(_ name: String, rules: RedactionRules = .standard) -> Bool {
        rules.isSensitive(name)
    }

    // MARK: envelopes and traces

    /// A request or response envelope (contract form) with its secrets replaced.
    public static func envelope(_ envelope: JSON, location: String, rules: RedactionRules = .standard) -> (JSON, [Removal]) {
        guard case .object(var members) = envelope else { return (envelope, []) }
        var removals: [Removal] = []
        func note(_ names: [String], _ place: String) { removals += names.map { Removal(location: location + "." + place, name: $0) } }
        var contentType: String?
        if case .array(let headers)? = members["headers"] {
            members["headers"] = .array(headers.map { header in
                guard let name = header["k"]?.stringValue, let value = header["v"]?.stringValue else { return header }
                if name.lowercased() == "content-type" { contentType = value }
                if rules.isSensitive(name) {
                    guard value != placeholder else { return header }
                    note([RedactionRules.reportName(name)], "header")
                    return header.setting("v", .string(placeholder))
                }
                guard rules.isURLField(name) || looksLikeURL(value) else { return header }
                let (clean, names) = parameters(value, startsWithParameter: false, rules: rules)
                note(names, "header")
                return header.setting("v", .string(clean))
            })
        }
        for (key, value) in members where key != "headers" && key != "body" {
            guard let text = value.stringValue, rules.isURLField(key) else { continue }
            let (clean, names) = parameters(text, startsWithParameter: key == "query", rules: rules)
            members[key] = .string(clean)
            note(names, key)
        }
        if let body = members["body"] {
            let (clean, names) = self.body(body, contentType: contentType, rules: rules)
            members["body"] = clean
            note(names, "body")
        }
        return (.object(members), removals)
    }

    /// An `x07.app.trace@0.1.0` with every HTTP exchange and the UI parts of every step redacted.
    public static func trace(_ trace: JSON, rules: RedactionRules = .standard) -> (JSON, [Removal]) {
        guard case .object(var members) = trace, case .array(let steps)? = members["steps"] else { return (trace, []) }
        var removals: [Removal] = []
        members["steps"] = .array(steps.enumerated().map { stepIndex, step in
            guard case .object(var parts) = step else { return step }
            if case .array(let exchanges)? = parts["http"] {
                parts["http"] = .array(exchanges.enumerated().map { exchangeIndex, exchange in
                    var result = exchange
                    for side in ["request", "response"] {
                        guard let envelope = exchange[side] else { continue }
                        let (clean, removed) = self.envelope(envelope, location: "trace.steps[\(stepIndex)].http[\(exchangeIndex)].\(side)",
                                                             rules: rules)
                        result = result.setting(side, clean)
                        removals += removed
                    }
                    return result
                })
            }
            // x07.app.trace steps carry ui_dispatch and ui_frame; x07.web_ui.trace steps env and frame.
            for part in ["ui_dispatch", "ui_frame", "env", "frame"] {
                guard case .object(var ui)? = parts[part] else { continue }
                var names: [String] = []
                for (key, value) in ui {
                    // App state and telemetry are free-form data: redacted by key as well.
                    ui[key] = json(value, byKey: key == "state" || key == "telemetry", rules: rules, names: &names, key: key)
                }
                // An input event typed into a field with a sensitive name (`password`).
                if case .object(var event)? = ui["event"], let target = event["target"]?.stringValue, rules.isSensitive(target),
                   let value = event["value"], value.stringValue != placeholder {
                    event["value"] = .string(placeholder)
                    names.append(RedactionRules.reportName(target))
                    ui["event"] = .object(event)
                }
                parts[part] = .object(ui)
                removals += names.map { Removal(location: "trace.steps[\(stepIndex)].\(part)", name: $0) }
            }
            return .object(parts)
        })
        return (.object(members), removals)
    }

    // MARK: bodies

    /// A byte stream `{bytes_len, text?, base64?}` with its secrets replaced: JSON by key, form
    /// bodies by parameter name, other text for URL parameters and `"key": value` pairs.
    public static func body(_ body: JSON, contentType: String?, rules: RedactionRules = .standard) -> (JSON, [String]) {
        guard case .object(var members) = body else { return (body, []) }
        var names: [String] = []
        let length = members["bytes_len"]?.intValue
        func adjustLength(old: Int, new: Int) {
            // bytes_len is the captured length; it follows the text only when it was the text's length.
            if length == old { members["bytes_len"] = .number(Double(new)) }
        }
        if let text = members["text"]?.stringValue {
            let (clean, found) = bodyText(text, contentType: contentType, rules: rules)
            if clean != text {
                members["text"] = .string(clean)
                adjustLength(old: text.utf8.count, new: clean.utf8.count)
            }
            names += found
        }
        if let base64 = members["base64"]?.stringValue, let data = Data(base64Encoded: base64),
           let text = String(data: data, encoding: .utf8) {
            let (clean, found) = bodyText(text, contentType: contentType, rules: rules)
            if clean != text {
                members["base64"] = .string(Data(clean.utf8).base64EncodedString())
                adjustLength(old: data.count, new: clean.utf8.count)
            }
            names += found
        }
        return (.object(members), names)
    }

    static func bodyText(_ text: String, contentType: String?, rules: RedactionRules) -> (String, [String]) {
        let type = (contentType ?? "").lowercased()
        let isForm = type.contains("x-www-form-urlencoded")
        let trimmed = text.drop { $0.isWhitespace }
        if !isForm, type.contains("json") || trimmed.hasPrefix("{") || trimmed.hasPrefix("["),
           let parsed = try? JSONParser.parse(Array(text.utf8)) {
            var names: [String] = []
            let clean = json(parsed, byKey: true, rules: rules, names: &names)
            return names.isEmpty ? (text, []) : (String(decoding: clean.canonicalBytes, as: UTF8.self), names)
        }
        // Form bodies (and bodies of no declared type) start with a parameter; other text is
        // searched for URL parameters and, when it is broken JSON, for `"key": value` pairs.
        let (params, found) = parameters(text, startsWithParameter: isForm || type.isEmpty, rules: rules)
        let (clean, more) = jsonPairs(params, rules: rules)
        return (clean, found + more)
    }

    /// JSON redacted by key (when `byKey`): a sensitive key's value becomes the placeholder
    /// (null and booleans hold no secret and stay), whatever its type. Strings that hold a URL —
    /// under a URL-ish key, or starting with `/`, `?` or holding `://` — get their parameters
    /// redacted.
    static func json(_ value: JSON, byKey: Bool, rules: RedactionRules, names: inout [String], key: String? = nil) -> JSON {
        switch value {
        case .object(let members):
            var result: [String: JSON] = [:]
            for (name, member) in members {
                if byKey, rules.isSensitive(name) {
                    switch member {
                    case .null, .bool: result[name] = member
                    case .string(let s) where s == placeholder: result[name] = member
                    default:
                        result[name] = .string(placeholder)
                        names.append(RedactionRules.reportName(name))
                    }
                } else {
                    result[name] = json(member, byKey: byKey, rules: rules, names: &names, key: name)
                }
            }
            return .object(result)
        case .array(let items):
            return .array(items.map { json($0, byKey: byKey, rules: rules, names: &names, key: key) })
        case .string(let text):
            let urlish = key.map(rules.isURLField) ?? false
            guard urlish || looksLikeURL(text) else { return value }
            let (clean, found) = parameters(text, startsWithParameter: urlish && key.map(rules.isQueryField) == true, rules: rules)
            names += found
            return .string(clean)
        default:
            return value
        }
    }

    // MARK: URLs and parameters

    static func looksLikeURL(_ text: String) -> Bool {
        text.hasPrefix("/") || text.hasPrefix("?") || text.hasPrefix("#") || text.contains("://")
    }

    /// Characters that end a parameter name.
    static let nameStops: Set<Character> = ["=", "&", ";", "#", "?", "/", "\"", "'", "<", ">", " ", "\t", "\r", "\n", "\r\n"]
    /// Characters that end a parameter value that is kept (what follows is looked at again).
    static let valueStops: Set<Character> = ["&", ";", "#", "?", "\"", "'", "<", ">", " ", "\t", "\r", "\n", "\r\n"]
    /// Characters that end a redacted value (a `?`, `/` or `=` inside it is taken out with it).
    static let secretStops: Set<Character> = ["&", ";", "#", "\"", "'", "<", ">", " ", "\t", "\r", "\n", "\r\n"]
    /// Characters after which a parameter may start.
    static let parameterStarts: Set<Character> = ["?", "&", ";", "#"]

    /// `text` with the value of every sensitive `name=value` parameter replaced: parameters
    /// start after `?`, `&`, `;` or `#` (and at the start, for a query string or form body), so
    /// this covers a path's query and fragment, `;` parameters, a fragment that is itself a
    /// query (`#access_token=…`) or a route (`#/cb?token=…`). The password of
    /// `scheme://user:password@host` is replaced too. Returns the names it redacted.
    public static func parameters(_ text: String, startsWithParameter: Bool, rules: RedactionRules = .standard) -> (String, [String]) {
        var names: [String] = []
        let chars = Array(userInfo(text, names: &names))
        var out = ""
        out.reserveCapacity(chars.count)
        for segment in segments(chars, startsWithParameter: startsWithParameter, rules: rules) {
            switch segment {
            case .plain(let range):
                out += String(chars[range])
            case .parameter(let name, let value, let kind):
                out += String(chars[name]) + "="
                switch kind {
                case .kept: out += String(chars[value])
                case .alreadyRedacted: out += placeholder
                case .secret:
                    guard !value.isEmpty else { break }
                    out += placeholder
                    names.append(RedactionRules.reportName(String(chars[name])))
                }
            }
        }
        return (out, names)
    }

    /// Where a request path's query string starts: its first `?` that is not inside a sensitive
    /// parameter's value. A secret may hold a `?` (`/s;jsessionid=a?b`); splitting there would
    /// move the rest of it into the query under no name.
    public static func queryStart(inPath path: String, rules: RedactionRules = .standard) -> String.Index? {
        let chars = Array(path)
        for case .plain(let range) in segments(chars, startsWithParameter: false, rules: rules) {
            if let offset = chars[range].firstIndex(of: "?") { return path.index(path.startIndex, offsetBy: offset) }
        }
        return nil
    }

    /// A parameter-bearing text cut into plain runs and `name=value` parameters (ranges of `chars`).
    enum Segment {
        enum Value { case kept, secret, alreadyRedacted }
        case plain(Range<Int>)
        case parameter(name: Range<Int>, value: Range<Int>, Value)
    }

    static func segments(_ chars: [Character], startsWithParameter: Bool, rules: RedactionRules) -> [Segment] {
        let marker = Array(placeholder)
        var segments: [Segment] = []
        var plainStart = 0
        func closePlain(_ end: Int) { if end > plainStart { segments.append(.plain(plainStart..<end)) } }
        var i = 0
        var atParameter = startsWithParameter
        while i < chars.count {
            if atParameter {
                atParameter = false
                var j = i
                while j < chars.count, !nameStops.contains(chars[j]) { j += 1 }
                if j < chars.count, chars[j] == "=" {
                    let name = String(chars[i..<j])
                    let k = j + 1
                    var end = k
                    let value: Segment.Value
                    if chars.count - k >= marker.count, Array(chars[k..<k + marker.count]) == marker {
                        value = .alreadyRedacted
                        end = k + marker.count
                    } else if name.isEmpty || rules.isSensitive(name) {
                        // A nameless value (`?=v`) cannot be judged by its name, so it is taken out.
                        value = .secret
                        while end < chars.count, !secretStops.contains(chars[end]) { end += 1 }
                    } else {
                        value = .kept
                        while end < chars.count, !valueStops.contains(chars[end]) { end += 1 }
                    }
                    closePlain(i)
                    segments.append(.parameter(name: i..<j, value: k..<end, value))
                    i = end
                    plainStart = end
                    continue
                }
            }
            if parameterStarts.contains(chars[i]) { atParameter = true }
            i += 1
        }
        closePlain(chars.count)
        return segments
    }

    /// `scheme://user:password@host` → `scheme://user:<redacted>@host`.
    static func userInfo(_ text: String, names: inout [String]) -> String {
        guard text.contains("://"), text.contains("@"),
              let regex = try? NSRegularExpression(pattern: "([A-Za-z][A-Za-z0-9+.-]*://[^/?#@\\s:]*):([^/?#@\\s]+)@") else { return text }
        let source = text as NSString
        var result = ""
        var last = 0
        for match in regex.matches(in: text, range: NSRange(location: 0, length: source.length)) {
            let secret = match.range(at: 2)
            result += source.substring(with: NSRange(location: last, length: secret.location - last))
            let value = source.substring(with: secret)
            result += placeholder
            if value != placeholder { names.append("userinfo") }
            last = secret.location + secret.length
        }
        return result + source.substring(from: last)
    }

    /// `"name": value` pairs with a sensitive name in text that is not valid JSON (a truncated
    /// capture, JSON inside a text/plain body): the value becomes `"<redacted>"`.
    static func jsonPairs(_ text: String, rules: RedactionRules) -> (String, [String]) {
        guard text.contains("\""),
              let regex = try? NSRegularExpression(
                pattern: "\"((?:[^\"\\\\]|\\\\.){1,256})\"(\\s*:\\s*)(\"(?:[^\"\\\\]|\\\\.)*\"?|[^,}\\]\\s\"]+)") else { return (text, []) }
        let source = text as NSString
        var names: [String] = []
        var result = ""
        var last = 0
        for match in regex.matches(in: text, range: NSRange(location: 0, length: source.length)) {
            let name = source.substring(with: match.range(at: 1))
            let valueRange = match.range(at: 3)
            let value = source.substring(with: valueRange)
            guard rules.isSensitive(name), value != "\"\(placeholder)\"", value != "null", value != "true", value != "false",
                  !value.hasPrefix("{"), !value.hasPrefix("[") else { continue }
            result += source.substring(with: NSRange(location: last, length: valueRange.location - last)) + "\"\(placeholder)\""
            last = valueRange.location + valueRange.length
            names.append(RedactionRules.reportName(name))
        }
        return (result + source.substring(from: last), names)
    }
}

extension RedactionRules {
    /// A field that holds a query string or fragment (parameters start at its first character).
    func isQueryField(_ name: String) -> Bool {
        Self.words(of: name).contains { ["query", "fragment", "search", "qs"].contains($0) }
    }
}
