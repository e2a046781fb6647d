"""Stand-in for the App Store Connect and Google Play APIs, for the live store provider tests
(Tests/StageTests/DeviceLiveProviderTests.swift). HTTPS on 127.0.0.1; prints its port.

usage: store_standin.py CERT_PEM KEY_PEM ASC_PUBLIC_PEM GOOGLE_PUBLIC_PEM LOG_JSONL

Every App Store Connect request must carry an ES256 JWT signed by the ASC key (kid
"KEY123", iss "issuer-1", aud "appstoreconnect-v1", at most 20 minutes). Google Play calls
need the access token that POST /token hands out for a valid RS256 assertion (iss
"svc@example.iam.gserviceaccount.com", the androidpublisher scope, aud = this /token URL).
Request bodies are checked against the shapes the real APIs take; anything else is a 4xx.
Each request is logged as a JSON line {method, path, body, verdict}; no token is logged.
"""
import base64, http.server, json, socketserver, ssl, sys, threading, time
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

cert, key, asc_pub_path, google_pub_path, log_path = sys.argv[1:6]
asc_key = serialization.load_pem_public_key(open(asc_pub_path, "rb").read())
google_key = serialization.load_pem_public_key(open(google_pub_path, "rb").read())
ACCESS_TOKEN = "ya29.standin-token"
lock = threading.Lock()
phased = {}          # phased release id -> state
tracks = {"production": [{"versionCodes": ["83"], "status": "completed"}]}
edits = {}


def b64d(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def verify_jwt(token, key, alg):
    header_b64, claims_b64, sig_b64 = token.split(".")
    header, claims = json.loads(b64d(header_b64)), json.loads(b64d(claims_b64))
    if header.get("alg") != alg or header.get("typ") != "JWT":
        raise ValueError("bad header %r" % header)
    signed, sig = (header_b64 + "." + claims_b64).encode(), b64d(sig_b64)
    if alg == "ES256":
        if len(sig) != 64:
            raise ValueError("ES256 signature is not r||s")
        der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
        key.verify(der, signed, ec.ECDSA(hashes.SHA256()))
    else:
        key.verify(sig, signed, padding.PKCS1v15(), hashes.SHA256())
    now = time.time()
    if not (claims["iat"] - 60 <= now <= claims["exp"]):
        raise ValueError("token not valid now")
    return header, claims


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def reply(self, status, doc, verdict="ok"):
        body = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        with lock, open(log_path, "a") as log:
            log.write(json.dumps({"method": self.command, "path": self.path, "body": self.payload, "status": status,
                                  "verdict": verdict}) + "\n")

    def refuse(self, status, why):
        self.reply(status, {"errors": [{"detail": why}]}, why)

    def handle_one(self):
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        self.payload = raw.decode("utf-8", "replace")
        if self.path == "/token":
            return self.token(raw)
        auth = self.headers.get("authorization", "")
        if not auth.startswith("Bearer "):
            return self.refuse(401, "no bearer token")
        token = auth[7:]
        body = None
        if raw:
            if self.headers.get("content-type") != "application/json":
                return self.refuse(415, "JSON bodies only")
            body = json.loads(raw)
        if self.path.startswith("/v1/"):
            try:
                header, claims = verify_jwt(token, asc_key, "ES256")
            except Exception as error:
                return self.refuse(401, "ASC JWT rejected: %s" % error)
            if header.get("kid") != "KEY123" or claims.get("iss") != "issuer-1" or claims.get("aud") != "appstoreconnect-v1" \
                    or claims["exp"] - claims["iat"] > 1200:
                return self.refuse(401, "ASC JWT claims rejected")
            return self.asc(body)
        if self.path.startswith("/androidpublisher/v3/applications/"):
            if token != ACCESS_TOKEN:
                return self.refuse(401, "unknown access token")
            return self.play(body)
        self.refuse(404, "no such endpoint")

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = handle_one

    def token(self, raw):
        form = dict(pair.split("=", 1) for pair in raw.decode().split("&") if "=" in pair)
        if form.get("grant_type") != "urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer":
            return self.refuse(400, "grant_type")
        try:
            _, claims = verify_jwt(form.get("assertion", ""), google_key, "RS256")
        except Exception as error:
            return self.refuse(401, "assertion rejected: %s" % error)
        expected_aud = "https://127.0.0.1:%d/token" % self.server.server_address[1]
        if claims.get("iss") != "svc@example.iam.gserviceaccount.com" or claims.get("aud") != expected_aud \
                or claims.get("scope") != "https://www.googleapis.com/auth/androidpublisher":
            return self.refuse(401, "assertion claims rejected")
        self.reply(200, {"access_token": ACCESS_TOKEN, "token_type": "Bearer", "expires_in": 3600})

    def asc(self, body):
        path, method = self.path, self.command
        if method == "GET" and path == "/v1/apps?filter%5BbundleId%5D=io.x07.demo.ios":
            return self.reply(200, {"data": [{"type": "apps", "id": "app-1"}]})
        if method == "GET" and path == "/v1/apps/app-1/appStoreVersions?filter%5BversionString%5D=1.2.3&filter%5Bplatform%5D=IOS":
            return self.reply(200, {"data": [{"type": "appStoreVersions", "id": "ver-1"}]})
        if method == "GET" and path == "/v1/appStoreVersions/ver-1/appStoreVersionPhasedRelease":
            existing = [pid for pid in phased]
            return self.reply(200, {"data": {"type": "appStoreVersionPhasedReleases", "id": existing[0]} if existing else None})
        if method == "POST" and path == "/v1/appStoreVersionPhasedReleases":
            data = body["data"]
            if data["type"] != "appStoreVersionPhasedReleases" or data["attributes"] != {"phasedReleaseState": "ACTIVE"} \
                    or data["relationships"]["appStoreVersion"]["data"] != {"type": "appStoreVersions", "id": "ver-1"}:
                return self.refuse(409, "phased release shape")
            phased["phased-1"] = "ACTIVE"
            return self.reply(201, {"data": {"type": "appStoreVersionPhasedReleases", "id": "phased-1"}})
        if method == "PATCH" and path.startswith("/v1/appStoreVersionPhasedReleases/"):
            pid = path.rsplit("/", 1)[1]
            data = body["data"]
            state = data["attributes"]["phasedReleaseState"]
            if pid not in phased or data["id"] != pid or state not in ("ACTIVE", "PAUSED", "COMPLETE"):
                return self.refuse(409, "phased release update")
            phased[pid] = state
            return self.reply(200, {"data": {"type": "appStoreVersionPhasedReleases", "id": pid,
                                             "attributes": {"phasedReleaseState": state}}})
        self.refuse(404, "no such ASC resource %s %s" % (method, path))

    def play(self, body):
        prefix = "/androidpublisher/v3/applications/io.x07.demo.android/edits"
        path, method = self.path, self.command
        if not path.startswith(prefix):
            return self.refuse(404, "unknown package")
        rest = path[len(prefix):]
        if method == "POST" and rest == "":
            edit = "edit-%d" % (len(edits) + 1)
            edits[edit] = {}
            return self.reply(200, {"id": edit})
        parts = rest.strip("/").split("/")
        edit = parts[0].split(":")[0]
        if edit not in edits:
            return self.refuse(404, "no edit %s" % edit)
        if method == "POST" and rest.endswith(":commit"):
            tracks.update(edits.pop(edit))
            return self.reply(200, {"id": edit})
        if method == "DELETE" and len(parts) == 1:
            edits.pop(edit)
            return self.reply(200, {})
        if len(parts) == 3 and parts[1] == "tracks":
            track = parts[2]
            if method == "GET":
                return self.reply(200, {"track": track, "releases": tracks.get(track, [])})
            if method == "PUT":
                releases = body.get("releases", [])
                if body.get("track") != track or len(releases) != 1:
                    return self.refuse(400, "track body")
                release = releases[0]
                status = release.get("status")
                fraction = release.get("userFraction")
                if status not in ("completed", "inProgress", "halted") or not release.get("versionCodes") \
                        or (status == "inProgress" and not (fraction and 0 < fraction < 1)) \
                        or (status == "completed" and fraction is not None):
                    return self.refuse(400, "release shape")
                previous = [r for r in tracks.get(track, []) if r["versionCodes"] != release["versionCodes"]]
                edits[edit][track] = [release] + previous
                return self.reply(200, {"track": track, "releases": [release]})
        self.refuse(404, "no such Play resource %s %s" % (method, path))

    def log_message(self, *args):
        pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


server = Server(("127.0.0.1", 0), Handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)
server.socket = context.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)
server.serve_forever()
