import LPCore
import LPState
import LPModel
import LPIndex
import LPStage
import LPValidate
import LPPlan
import LPIncident
import LPApply
import LPRegress
import LPQuery
import Foundation
import XCTest

/// A tiny HTTP server on 127.0.0.1 (python3's http.server, which bootstrap installs) answering
/// every request with one fixed status and logging each request it saw as a JSON line:
/// method, path, lower-cased headers and body. For running generated HTTP tests against.
final class LocalHTTPServer {
    static let script = """
        import http.server, json, sys
        status, log = int(sys.argv[1]), sys.argv[2]
        class Handler(http.server.BaseHTTPRequestHandler):
            def answer(self):
                length = int(self.headers.get('content-length') or 0)
                body = self.rfile.read(length).decode('utf-8', 'replace')
                headers = {k.lower(): v for k, v in self.headers.items()}
                with open(log, 'a') as f:
                    f.write(json.dumps({'method': self.command, 'path': self.path, 'headers': headers, 'body': body}) + '\\n')
                self.send_response(status)
                self.send_header('content-length', '0')
                self.end_headers()
            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = answer
            def log_message(self, *args):
                pass
        server = http.server.HTTPServer(('127.0.0.1', 0), Handler)
        print(server.server_address[1], flush=True)
        server.serve_forever()
        """

    struct ServerDidNotStart: Error {}

    let process = Process()
    let log: String
    private(set) var baseURL = ""

    init(status: Int) throws {
        log = StageProcess.temporaryDirectory() + "/requests.jsonl"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let out = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", Self.script, String(status), log]
        process.standardOutput = out
        try process.run()
        // The first line is the port it bound.
        var line = Data()
        while let byte = try out.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) {
            line.append(byte)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self)) else {
            process.terminate()
            throw ServerDidNotStart()
        }
        baseURL = "http://127.0.0.1:\(port)"
    }

    func requests() -> [JSON] {
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { try? JSONParser.parse(Array($0.utf8)) }
    }

    func stop() {
        process.terminate()
        process.waitUntilExit()
    }
}
