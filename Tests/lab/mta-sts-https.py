#!/usr/bin/env python3
"""The lab's MTA-STS policy host: HTTPS on 127.54.0.1:443 for every mta-sts.<domain>.test.

The certificate is chosen by SNI from CERTS/policyhost-<name>.pem when one exists for that
name, else CERTS/policyhost.pem (issued by the lab CA for the mta-sts.sts-*.test names).
The answer depends on the Host header: POLICIES/<host>.txt is served as text/plain, unless
POLICIES/<host>.redirect (answered 301 to its content) or POLICIES/<host>.type (the content
type to send instead) or POLICIES/<host>.length (a Content-Length to claim) exist. Anything else is 404.

Usage: mta-sts-https.py PIDFILE CERTS POLICIES   (runs until killed)
"""
import http.server, os, ssl, sys, threading

pidfile, certs, policies = sys.argv[1:4]

def context(name):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.path.join(certs, name + ".pem"), os.path.join(certs, name + ".key"))
    return ctx

default = context("policyhost")
special = {}
for entry in os.listdir(certs):
    if entry.startswith("policyhost-") and entry.endswith(".pem"):
        special[entry[len("policyhost-"):-4]] = context(entry[:-4])

def choose(sock, server_name, _ctx):
    if server_name in special:
        sock.context = special[server_name]

default.sni_callback = choose

class Policy(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        host = (self.headers.get("Host") or "").split(":")[0].lower()
        base = os.path.join(policies, host)
        if self.path != "/.well-known/mta-sts.txt":
            return self.answer(404, b"not found\n")
        if os.path.exists(base + ".redirect"):
            self.send_response(301)
            self.send_header("Location", open(base + ".redirect").read().strip())
            self.send_header("Content-Length", "0")
            return self.end_headers()
        if not os.path.exists(base + ".txt"):
            return self.answer(404, b"no policy here\n")
        kind = open(base + ".type").read().strip() if os.path.exists(base + ".type") else "text/plain"
        length = open(base + ".length").read().strip() if os.path.exists(base + ".length") else None
        self.answer(200, open(base + ".txt", "rb").read(), kind, length)

    def answer(self, code, body, kind="text/plain", length=None):
        self.send_response(code)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", length or str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

server = http.server.ThreadingHTTPServer(("127.54.0.1", 443), Policy)
server.socket = default.wrap_socket(server.socket, server_side=True)
with open(pidfile, "w") as f:
    f.write(str(os.getpid()))
server.serve_forever()
