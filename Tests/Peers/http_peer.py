"""Test peer for LPHTTPClient (Tests/CoreTests/HTTPClientTests.swift): an HTTP or HTTPS server
on 127.0.0.1 whose paths trigger the behaviours the client must handle. Prints its port.

usage: http_peer.py [CERT_PEM KEY_PEM]

  /echo                      JSON {method, path, headers, body_len, body_sha256}
  /big?n=N                   N bytes of 'x'
  /slow?ms=M                 answers after M milliseconds
  /flaky/KEY?fail=K&status=S the first K requests on KEY get status S (Retry-After: 0), then 200
  /drop/KEY?fail=K           the first K requests on KEY get the connection closed, no answer
  /count/KEY                 how many requests KEY saw
  http://other.host/...      (absolute form, i.e. through a proxy) echoes like /echo, "proxied": true
"""
import hashlib, http.server, json, socketserver, ssl, sys, threading, time, urllib.parse

counts = {}
lock = threading.Lock()


def seen(key):
    with lock:
        counts[key] = counts.get(key, 0) + 1
        return counts[key]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def body(self):
        length = int(self.headers.get("content-length") or 0)
        digest, left = hashlib.sha256(), length
        while left > 0:
            chunk = self.rfile.read(min(left, 65536))
            if not chunk:
                break
            digest.update(chunk)
            left -= len(chunk)
        return length - left, digest.hexdigest()

    def send(self, status, payload, headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def answer(self):
        received, sha = self.body()
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        parts = url.path.strip("/").split("/")
        if url.netloc or parts[0] == "echo":
            doc = {"method": self.command, "path": self.path, "proxied": bool(url.netloc),
                   "headers": {k.lower(): v for k, v in self.headers.items()},
                   "body_len": received, "body_sha256": sha}
            self.send(200, json.dumps(doc).encode(), [("content-type", "application/json")])
        elif parts[0] == "big":
            self.send(200, b"x" * int(query.get("n", "0")))
        elif parts[0] == "slow":
            time.sleep(int(query.get("ms", "0")) / 1000)
            self.send(200, b"late")
        elif parts[0] == "flaky":
            n = seen(parts[1])
            if n <= int(query.get("fail", "0")):
                self.send(int(query.get("status", "503")), b"try again", [("retry-after", "0")])
            else:
                self.send(200, ("ok after %d" % n).encode())
        elif parts[0] == "drop":
            n = seen(parts[1])
            if n <= int(query.get("fail", "0")):
                self.close_connection = True
                self.connection.shutdown(2)
                return
            self.send(200, ("ok after %d" % n).encode())
        elif parts[0] == "count":
            with lock:
                self.send(200, str(counts.get(parts[1], 0)).encode())
        else:
            self.send(404, b"no such path")

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = answer

    def log_message(self, *args):
        pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


server = Server(("127.0.0.1", 0), Handler)
if len(sys.argv) == 3:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(sys.argv[1], sys.argv[2])
    server.socket = context.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)
server.serve_forever()
