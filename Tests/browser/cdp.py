#!/usr/bin/env python3
"""Drives headless Chromium over the DevTools protocol for UITests (standard library only).

usage: cdp.py CHROMIUM OUT_DIR STEPS_JSON
STEPS_JSON is a list of steps, run in order:
  {"go": URL, "wait": TEXT}         load URL, wait until the page's text holds TEXT (10 s)
  {"click": CSS, "wait": TEXT}      accept confirm(), click the first match, wait for TEXT
  {"shot": NAME, "width": PX}       full-page PNG at that width into OUT_DIR/NAME
Prints {"texts": [...], "colours": {NAME: distinct colours}, "errors": [...]} on stdout.
"""
import base64, json, os, socket, struct, subprocess, sys, tempfile, time, urllib.request, zlib


class Socket:
    """A websocket client: text frames out (masked), whole messages in."""

    def __init__(self, url):
        host, path = url[len("ws://"):].split("/", 1)
        name, port = host.rsplit(":", 1)
        self.sock = socket.create_connection((name, int(port)), timeout=30)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET /{path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                           f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            head += self.sock.recv(1)
        if b" 101 " not in head.split(b"\r\n")[0]:
            raise RuntimeError("websocket handshake refused: %r" % head[:80])

    def exact(self, n):
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise RuntimeError("the browser closed the connection")
            data += chunk
        return data

    def send(self, text):
        data, mask = text.encode(), os.urandom(4)
        n = len(data)
        head = bytes([0x81]) + (bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + struct.pack(">H", n)
                                if n < 65536 else bytes([0x80 | 127]) + struct.pack(">Q", n))
        self.sock.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def receive(self):
        message = b""
        while True:
            first, second = self.exact(2)
            n = second & 0x7F
            if n == 126:
                n = struct.unpack(">H", self.exact(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self.exact(8))[0]
            message += self.exact(n)
            if first & 0x80:
                return message.decode()


class Page:
    def __init__(self, ws):
        self.ws, self.next_id, self.errors = ws, 0, []

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.receive())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.event(message)

    def event(self, message):
        method, params = message.get("method"), message.get("params", {})
        if method == "Runtime.exceptionThrown":
            self.errors.append(params["exceptionDetails"].get("exception", {}).get("description", "exception"))
        elif method == "Runtime.consoleAPICalled" and params.get("type") == "error":
            self.errors.append(" ".join(str(a.get("value", a.get("description"))) for a in params.get("args", [])))
        elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
            self.errors.append(params["entry"].get("text", "log error") + " " + params["entry"].get("url", ""))

    def evaluate(self, expression):
        return self.call("Runtime.evaluate", expression=expression, returnByValue=True).get("result", {}).get("value")

    def wait_text(self, text):
        deadline = time.time() + 10
        while time.time() < deadline:
            body = self.evaluate("document.body ? document.body.innerText : ''") or ""
            if text in body:
                return body
            time.sleep(0.2)
        requests = self.evaluate("JSON.stringify(performance.getEntriesByType('resource').slice(-4)"
                                 ".map((e) => e.name + ' ' + e.responseStatus))")
        raise RuntimeError(f"the page never showed {text!r}; it shows: {body[:300]!r}; errors: {self.errors}; last requests: {requests}")


def colours(png):
    """Distinct RGB(A) values of an 8-bit RGB or RGBA PNG (Chromium's screenshots)."""
    width, height, depth, kind = struct.unpack(">IIBB", png[16:26])
    channels = {2: 3, 6: 4}[kind]
    pos, idat = 8, b""
    while pos < len(png):
        n, tag = struct.unpack(">I4s", png[pos:pos + 8])
        if tag == b"IDAT":
            idat += png[pos + 8:pos + 8 + n]
        pos += 12 + n
    raw, stride, seen = zlib.decompress(idat), width * channels, set()
    previous = bytearray(stride)
    for row in range(height):
        start = row * (stride + 1)
        kind_byte, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b, c = previous[i], previous[i - channels] if i >= channels else 0
            if kind_byte == 1: line[i] = (line[i] + a) & 0xFF
            elif kind_byte == 2: line[i] = (line[i] + b) & 0xFF
            elif kind_byte == 3: line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif kind_byte == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        if row % 4 == 0:
            seen.update(bytes(line[i:i + channels]) for i in range(0, stride, channels * 4))
        previous = line
    return len(seen)


def main():
    chromium, out, steps = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    profile = tempfile.mkdtemp(prefix="x07lp-chromium-")
    browser = subprocess.Popen([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                                "--disable-extensions", "--remote-debugging-port=0", f"--user-data-dir={profile}",
                                "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        port_file = os.path.join(profile, "DevToolsActivePort")
        deadline = time.time() + 20
        while not os.path.exists(port_file) or len(open(port_file).read().split()) < 1:
            if time.time() > deadline or browser.poll() is not None:
                raise RuntimeError("chromium did not open its DevTools port")
            time.sleep(0.1)
        port = open(port_file).read().split()[0]
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10))
        page = Page(Socket(next(t for t in targets if t["type"] == "page")["webSocketDebuggerUrl"]))
        for domain in ("Page", "Runtime", "Log"):
            page.call(domain + ".enable")
        page.call("Emulation.setDeviceMetricsOverride", width=1440, height=900, deviceScaleFactor=1, mobile=False)
        texts, counts = [], {}
        for step in steps:
            if "go" in step:
                page.call("Page.navigate", url=step["go"])
                texts.append(page.wait_text(step["wait"]))
            elif "click" in step:
                found = page.evaluate("(() => { window.confirm = () => true; const b = document.querySelector(%s);"
                                      " if (b) b.click(); return !!b; })()" % json.dumps(step["click"]))
                if not found:
                    raise RuntimeError(f"nothing to click: {step['click']}")
                texts.append(page.wait_text(step["wait"]))
            elif "shot" in step:
                page.call("Emulation.setDeviceMetricsOverride", width=step["width"], height=900, deviceScaleFactor=1,
                          mobile=step["width"] < 600)
                time.sleep(0.3)
                png = base64.b64decode(page.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)["data"])
                with open(os.path.join(out, step["shot"]), "wb") as f:
                    f.write(png)
                counts[step["shot"]] = colours(png)
        print(json.dumps({"texts": texts, "colours": counts, "errors": page.errors}))
    finally:
        browser.terminate()
        try:
            browser.wait(timeout=10)
        except subprocess.TimeoutExpired:
            browser.kill()
            browser.wait()


if __name__ == "__main__":
    main()
