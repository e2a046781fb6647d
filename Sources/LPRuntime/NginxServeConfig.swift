import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The nginx configuration of `x07lp serve`: one server per served deployment on its public
/// listener, the slot tree chosen per request by `route.js` (`RouteScript`), every response
/// tagged `X-LP-Slot` / `X-LP-Revision`, a JSON access log per listener.
enum NginxServeConfig {
    static let jsModule = "/usr/lib/nginx/modules/ngx_http_js_module.so"

    static func render(_ layout: ServeLayout, _ deployments: [ServedDeployment], token: String) -> String {
        // As root, nginx would run its workers as nobody, who cannot reach the 0700 state dir.
        let user = geteuid() == 0 ? "user \(ownerName(of: layout.state.root));\n" : ""
        let servers = deployments.map { server(layout, $0, token: token) }.joined(separator: "\n")
        return """
        # Written by `x07lp serve` from router/*.json at every change; do not edit.
        load_module \(jsModule);
        \(user)worker_processes 1;
        pid \(layout.pidFile);
        error_log \(layout.logs)/error.log warn;
        events { worker_connections 1024; }
        http {
            include /etc/nginx/mime.types;
            default_type application/octet-stream;
            js_import lp from \(layout.script);
            js_preload_object lp_headers from \(layout.headersFile);
            js_set $lp_slot lp.slot;
            js_set $lp_revision lp.revision;
            js_set $lp_index lp.index;
            js_set $lp_probe lp.probe;
            js_set $lp_api lp.api;
            js_set $lp_backend lp.backend;
            # No query string, no header but the route key, no body: the log never holds a secret.
            log_format lp_json escape=json '{"t":$msec,"slot":"$lp_slot","status":$status,"rt":$request_time,"method":"$request_method","uri":"$uri","probe":"$lp_probe","rid":"$request_id","rev":"$lp_revision","key":"$http_x_lp_route_key","clen":"$content_length","ctype":"$sent_http_content_type","bytes":$body_bytes_sent}';
            client_body_temp_path \(layout.temp)/body;
            proxy_temp_path \(layout.temp)/proxy;
            fastcgi_temp_path \(layout.temp)/fastcgi;
            uwsgi_temp_path \(layout.temp)/uwsgi;
            scgi_temp_path \(layout.temp)/scgi;
            server_tokens off;
            keepalive_timeout 15s;
        \(servers)
        }

        """
    }

    private static func server(_ layout: ServeLayout, _ deployment: ServedDeployment, token: String) -> String {
        return """
            server {
                listen 127.0.0.1:\(deployment.port);
                set $lp_weight \(deployment.weight);
                set $lp_probe_token \(token);
                set $lp_rev_stable "\(deployment.stable?.revision ?? "")";
                set $lp_rev_candidate "\(deployment.candidate?.revision ?? "")";
                set $lp_index_stable "\(deployment.stable?.indexPath ?? "/index.html")";
                set $lp_index_candidate "\(deployment.candidate?.indexPath ?? "/index.html")";
                set $lp_api_stable "\(deployment.stable?.apiPrefix ?? "")";
                set $lp_api_candidate "\(deployment.candidate?.apiPrefix ?? "")";
                set $lp_backend_stable "\(deployment.stable?.backend?.address ?? "")";
                set $lp_backend_candidate "\(deployment.candidate?.backend?.address ?? "")";
                access_log \(layout.accessLog(deployment.execId)) lp_json;
                root \(ServeTrees(layout: layout).root)/$lp_revision;
                add_header X-LP-Slot $lp_slot always;
                add_header X-LP-Revision $lp_revision always;
                # api_prefix routes go to the chosen slot's back end (wasmtime serve); `if` may only
                # return at server level, so a private status hands them to the named location.
                error_page 418 = @lp_backend;
                # No slot serves (a stable slot not started, weight below 100): nothing to root at.
                if ($lp_revision = "") { return 503 '{"error":"no slot serves this request"}\n'; }
                if ($lp_api) { return 418; }
                location / {
                    try_files $uri $lp_index =404;
                    js_header_filter lp.headers;
                }
                location /_backend/ { return 404; }
                location @lp_backend {
                    if ($lp_backend = "") { return 503 '{"error":"no backend runs for this slot"}\n'; }
                    proxy_pass http://$lp_backend;
                    proxy_http_version 1.1;
                    proxy_set_header Connection "";
                    proxy_connect_timeout 2s;
                }
            }
        """
    }

    static func ownerName(of path: String) -> String {
        var info = stat()
        guard stat(path, &info) == 0, let entry = getpwuid(info.st_uid), let name = entry.pointee.pw_name else { return "root" }
        return String(cString: name)
    }
}
