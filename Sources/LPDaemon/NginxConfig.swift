import LPCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The nginx configuration of one daemon: TLS, request bounds and timeouts, `/v1/` to fcgiwrap
/// running `lp-serve`, JSON reports for nginx's own refusals, and logs that hold no header and
/// no query string (a token or secret never reaches them).
enum NginxConfig {
    static func render(_ config: DaemonConfig) -> String {
        let dir = config.runtime
        let listen = (config.host.contains(":") ? "[\(config.host)]" : config.host) + ":\(config.port)"
        var server = ["listen \(listen)\(config.tls_cert == nil ? "" : " ssl");"]
        if let cert = config.tls_cert, let key = config.tls_key {
            server += ["ssl_certificate \(cert);", "ssl_certificate_key \(key);", "ssl_protocols TLSv1.2 TLSv1.3;",
                       "ssl_session_cache off;"]
        }
        func report(_ status: Int, _ code: String, _ exit: Int, _ message: String) -> String {
            let body = "{\"command\":\"remote\",\"diagnostics\":[{\"code\":\"\(code)\",\"message\":\"\(message)\",\"severity\":\"error\",\"stage\":\"parse\"}],\"exit_code\":\(exit),\"ok\":false,\"result\":{},\"schema_version\":\"lp.cli.report@0.1.0\"}"
            return "default_type application/json; return \(status) '\(body)\\n';"
        }
        // As root, nginx would run its workers as nobody, who cannot reach the 0700 state dir.
        let user = geteuid() == 0 ? "user \(ownerName(of: config.state_dir));\n" : ""
        return """
        # Written by `x07lpd init` from \(DaemonConfig.path(config.state_dir)); `x07lpd reload` rewrites it.
        \(user)worker_processes 2;
        pid \(config.nginxPid);
        error_log \(config.logs)/error.log warn;
        events { worker_connections 512; }
        http {
            log_format x07lpd '$time_iso8601 $remote_addr "$request_method $uri" $status $body_bytes_sent $request_time';
            access_log \(config.logs)/access.log x07lpd;
            client_body_temp_path \(dir)/tmp/body;
            fastcgi_temp_path \(dir)/tmp/fastcgi;
            proxy_temp_path \(dir)/tmp/proxy;
            uwsgi_temp_path \(dir)/tmp/uwsgi;
            scgi_temp_path \(dir)/tmp/scgi;
            server_tokens off;
            client_max_body_size 16m;
            client_body_buffer_size 1m;
            client_header_timeout 10s;
            client_body_timeout 10s;
            send_timeout 30s;
            keepalive_timeout 15s;
            server {
                \(server.joined(separator: "\n        "))
                error_page 413 = @too_large;
                error_page 408 = @timeout;
                error_page 502 504 = @unavailable;
                location @too_large { \(report(413, "LP_HTTP_BODY_TOO_LARGE", 64, "the request body is larger than 16777216 bytes")) }
                location @timeout { \(report(408, "LP_INVALID_HTTP_REQUEST", 64, "the client was too slow")) }
                location @unavailable { \(report(502, "LP_INTERNAL", 50, "lp-serve is not answering")) }
                \(locations(config, notFound: report(404, "LP_HTTP_NOT_FOUND", 4, "endpoint not found")))
            }
        }

        """
    }

    /// x07lpd: `/v1/` to lp-serve. ui serve: `/api/` and `/healthz` to lp-serve (told so by
    /// `X07LPD_UI`), every other path a file of the static UI under a strict CSP; nginx refuses
    /// a path that climbs above the root (plain or percent-encoded) before any location.
    static func locations(_ config: DaemonConfig, notFound: String) -> String {
        func fastcgi(_ extra: String = "") -> String {
            """
            fastcgi_pass unix:\(config.fcgiSocket);
                        fastcgi_param SCRIPT_FILENAME \(config.serve_binary);
                        fastcgi_param GATEWAY_INTERFACE CGI/1.1;
                        fastcgi_param REQUEST_METHOD $request_method;
                        fastcgi_param REQUEST_URI $request_uri;
                        fastcgi_param DOCUMENT_URI $document_uri;
                        fastcgi_param QUERY_STRING $query_string;
                        fastcgi_param CONTENT_TYPE $content_type;
                        fastcgi_param CONTENT_LENGTH $content_length;
                        fastcgi_param SERVER_PROTOCOL $server_protocol;
                        fastcgi_param REMOTE_ADDR $remote_addr;
                        fastcgi_param X07LPD_STATE_DIR \(config.state_dir);
                        fastcgi_param X07LP_REMOTE_SECRET_MASTER_KEY_FILE \(config.secret_master_key);\(extra)
                        fastcgi_read_timeout 120s;
                        fastcgi_intercept_errors off;
            """
        }
        guard let ui = config.ui else {
            return """
            location /v1/ {
                        \(fastcgi())
                    }
                    location / { \(notFound) }
            """
        }
        let api = fastcgi("\n            fastcgi_param X07LPD_UI \(ui.local_control ? "local-control" : "read");")
        let csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
        return """
        location /api/ {
                    \(api)
                }
                location = /healthz {
                    \(api)
                }
                location / {
                    root \(ui.static_root);
                    try_files $uri /index.html;
                    types { text/html html; text/css css; text/javascript js; image/png png; image/svg+xml svg; }
                    default_type application/octet-stream;
                    charset utf-8;
                    charset_types text/css text/javascript;
                    add_header Content-Security-Policy "\(csp)" always;
                    add_header X-Content-Type-Options nosniff always;
                    add_header Referrer-Policy no-referrer always;
                    add_header Cache-Control no-store always;
                }
        """
    }

    static func ownerName(of path: String) -> String {
        var info = stat()
        guard stat(path, &info) == 0, let entry = getpwuid(info.st_uid), let name = entry.pointee.pw_name else { return "root" }
        return String(cString: name)
    }
}
