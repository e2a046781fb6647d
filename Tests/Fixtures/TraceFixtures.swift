import LPCore

/// A minimal `x07.app.trace@0.1.0` for the tests that put data into traces: one step with a UI
/// dispatch, a frame and one HTTP exchange (a 502) whose request goes to `path`.
public enum TraceFixtures {
    public static func step(path: String, uiState: JSON = .null, event: JSON = ["type": "init"]) -> JSON {
        ["i": 0,
         "ui_dispatch": ["kind": "x07.web_ui.dispatch", "v": 1, "event": event, "state": uiState],
         "ui_frame": ["kind": "x07.web_ui.frame", "v": 1, "state": .null, "patches": [], "effects": [], "telemetry": [:],
                      "ui": ["kind": "x07.web_ui.tree", "v": 1,
                             "root": ["k": "el", "key": "root", "tag": "div", "on": [], "children": [],
                                      "props": ["attrs": [:], "class": [], "style": [:]]]]],
         "http": [["request": ["schema_version": "x07.http.request.envelope@0.1.0", "id": "req-1", "method": "GET",
                               "path": .string(path), "headers": [], "body": ["bytes_len": 0]],
                   "response": ["schema_version": "x07.http.response.envelope@0.1.0", "request_id": "req-1", "status": 502,
                                "headers": [], "body": ["bytes_len": 0]]]],
         "timing": ["ui_ms": 0, "http_ms": 1, "total_ms": 1]]
    }

    public static func trace(steps: [JSON]) -> JSON {
        ["schema_version": "x07.app.trace@0.1.0", "meta": ["tool": ["name": "t", "version": "0.1.0"]], "steps": .array(steps)]
    }
}
