#!/usr/bin/env python3
"""A scriptable hostile web server for the e2e tests (tests/lib-net.sh,
hostile_start). Python 3 standard library only.

    hostile.py --mode MODE --root DIR --log-dir DIR [--tls CERT KEY] [--rate N]

Binds 127.0.0.1 on a port the kernel picks, prints the port once it listens,
and serves DIR. Each request is one line of LOG-DIR/hostile.PORT.log, as
lighttpd's access log in the tests: "REQUEST-LINE STATUS BYTES RANGE"
(BYTES "-" when not known in advance, RANGE the Range header or "-").

MODE applies to packages (paths ending in .pak) only, so that the index,
its signature and the manifests are served correctly; portal applies to
every path, proxy to requests in absolute form (and CONNECT):

  ok                  a correct server (Range answered with 206, or 416)
  trickle             --rate bytes a second (default 1)
  endless             200, no Content-Length, a body that never ends
  lie-long            Content-Length far larger than the file, the file, close
  lie-short           Content-Length half the file, that much, close
  reset               half the body, then a TCP reset (SO_LINGER 0)
  redirect-file       302 to file:///etc/passwd
  redirect-ftp        302 to ftp://127.0.0.1/x
  redirect-downgrade  302 from https (--tls) to the same path on a plain
                      http port of this server, which serves correctly
  redirect-crlf       302 to a URL with %0d%0a in it
  redirect-loop       302 to itself
  redirect-ok         302 to the same file under /redirected (served correctly)
  redirect-slow       every answer takes 2 s: 302 to /hop1/PATH, /hop2/PATH,
                      /hop3/PATH, which is served (3 redirects, 8 s in all)
  range-200           a Range request gets 200 and the whole file
  range-416           a Range request gets 416
  range-other         a Range request gets 206 with other bytes
  portal              200 text/html login page for every path
  proxy               a forward proxy: GET http://HOST:PORT/PATH and CONNECT
"""
import argparse
import http.client
import os
import posixpath
import select
import socket
import ssl
import struct
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODES = ("ok trickle endless lie-long lie-short reset redirect-file redirect-ftp "
         "redirect-downgrade redirect-crlf redirect-loop redirect-ok range-200 range-416 "
         "range-other portal proxy redirect-slow").split()

PORTAL = (b"<!DOCTYPE html>\n<html><head><title>Hotel WiFi</title></head>\n"
          b"<body><h1>Welcome</h1><form method=post action=/login>"
          b"<input name=room><input type=submit value=Login></form></body></html>\n")

REDIRECTED = "/redirected"
SLOW_HOPS = 3               # redirect-slow: redirects before the file
SLOW_HOP_S = 2.0            # ... each answer this late
ENDLESS_CAP = 256 << 20     # a client that never stops reading: stop here


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "hostile"
    sys_version = ""
    timeout = 60            # a client that went away: the thread ends

    # -- logging -------------------------------------------------------------

    def log_request(self, code="-", size="-"):
        if isinstance(code, int):
            code = int(code)  # an HTTPStatus prints as its name
        self.server.log("%s %s %s %s" % (self.requestline, code, size,
                                          self.headers.get("Range", "-")))

    def log_message(self, fmt, *args):
        pass  # errors go to the log as requests; nothing on stderr

    # -- helpers -------------------------------------------------------------

    def head(self, code, length=None, ctype="application/octet-stream", extra=(), close=False):
        self.send_response(code, size=length)
        self.send_header("Content-Type", ctype)
        if length is not None:
            self.send_header("Content-Length", str(length))
        for k, v in extra:
            self.send_header(k, v)
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()

    def send_response(self, code, message=None, size="-"):
        self.log_request(code, "-" if size is None else size)
        self.send_response_only(code, message)
        self.send_header("Server", self.version_string())
        self.send_header("Date", self.date_time_string())

    def local_path(self, path):
        path = urllib.parse.unquote(urllib.parse.urlsplit(path).path)
        if path.startswith(REDIRECTED + "/"):
            path = path[len(REDIRECTED):]
        if hop_of(path):
            path = path[len("/hop%d" % hop_of(path)):]
        parts = [p for p in posixpath.normpath(path).split("/") if p]
        if any(p == ".." for p in parts):
            return None
        full = os.path.join(self.server.root, *parts)
        return full if os.path.isfile(full) else None

    def url(self, path):
        return "%s://127.0.0.1:%d%s" % (self.server.scheme, self.server.port, path)

    def redirect(self, location):
        self.head(302, 0, extra=[("Location", location)])

    def range_start(self, size):
        """The N of "Range: bytes=N-" (or N-M: the end is ignored), None
        when there is no Range header."""
        r = self.headers.get("Range")
        if not r or not r.startswith("bytes="):
            return None
        try:
            return int(r[6:].split("-", 1)[0])
        except ValueError:
            return None

    def write(self, data):
        self.wfile.write(data)
        self.wfile.flush()

    # -- serving -------------------------------------------------------------

    def serve(self, data, throttle=None):
        """A correct answer, Range included; throttle: bytes a second."""
        start = self.range_start(len(data))
        if start is not None and start >= len(data):
            self.head(416, 0, extra=[("Content-Range", "bytes */%d" % len(data))])
            return
        if start is None:
            self.head(200, len(data))
            body = data
        else:
            body = data[start:]
            self.head(206, len(body), extra=[
                ("Content-Range", "bytes %d-%d/%d" % (start, len(data) - 1, len(data)))])
        if throttle is None:
            self.write(body)
            return
        chunk = max(1, throttle // 10)
        for i in range(0, len(body), chunk):
            self.write(body[i:i + chunk])
            time.sleep(chunk / throttle)

    def do_GET(self):
        mode = self.server.mode
        if mode == "proxy" and "://" in self.path:
            return self.forward()
        if mode == "portal":
            self.head(200, len(PORTAL), ctype="text/html; charset=utf-8")
            self.write(PORTAL)
            return
        full = self.local_path(self.path)
        if full is None:
            self.head(404, 0)
            return
        with open(full, "rb") as f:
            data = f.read()
        if not full.endswith(".pak") or self.path.startswith(REDIRECTED + "/"):
            mode = "ok"
        getattr(self, "mode_" + mode.replace("-", "_"), self.mode_ok)(data)

    def do_CONNECT(self):
        if self.server.mode != "proxy":
            self.head(405, 0)
            return
        host, _, port = self.path.rpartition(":")
        try:
            up = socket.create_connection((host, int(port)), timeout=10)
        except (OSError, ValueError):
            self.head(502, 0, close=True)
            return
        self.send_response(200, "Connection established")
        self.end_headers()
        self.wfile.flush()
        relay(self.connection, up)
        up.close()
        self.close_connection = True

    def forward(self):
        """A forward proxy's answer to GET http://HOST:PORT/PATH."""
        u = urllib.parse.urlsplit(self.path)
        conn = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=30)
        headers = {k: v for k, v in self.headers.items()
                   if k.lower() not in ("proxy-connection", "connection", "host")}
        try:
            conn.request("GET", u.path + ("?" + u.query if u.query else ""), headers=headers)
            resp = conn.getresponse()
            body = resp.read()
        except OSError:
            self.head(502, 0, close=True)
            return
        finally:
            conn.close()
        extra = [(k, v) for k, v in resp.getheaders()
                 if k.lower() in ("content-range", "location", "last-modified", "etag")]
        self.head(resp.status, len(body), ctype=resp.getheader("Content-Type", "application/octet-stream"),
                  extra=extra)
        self.write(body)

    # -- the modes, for packages ---------------------------------------------

    def mode_ok(self, data):
        self.serve(data)

    def mode_trickle(self, data):
        self.serve(data, throttle=self.server.rate)

    def mode_endless(self, data):
        self.head(200, None, close=True)
        self.write(data)
        block, sent = b"\0" * 65536, len(data)
        while sent < ENDLESS_CAP:
            self.write(block)
            sent += len(block)

    def mode_lie_long(self, data):
        self.head(200, len(data) * 1000 + (1 << 20), close=True)
        self.write(data)

    def mode_lie_short(self, data):
        half = len(data) // 2
        self.head(200, half, close=True)
        self.write(data[:half])

    def mode_reset(self, data):
        self.head(200, len(data), close=True)
        self.write(data[:len(data) // 2])
        # let the client read the half before the reset throws it away
        time.sleep(0.5)
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()

    def mode_redirect_file(self, data):
        self.redirect("file:///etc/passwd")

    def mode_redirect_ftp(self, data):
        self.redirect("ftp://127.0.0.1/x")

    def mode_redirect_downgrade(self, data):
        self.redirect("http://127.0.0.1:%d%s" % (self.server.plain_port, self.path))

    def mode_redirect_crlf(self, data):
        self.redirect(self.url(self.path + "%0d%0aX-Injected:%20yes"))

    def mode_redirect_loop(self, data):
        self.redirect(self.url(self.path))

    def mode_redirect_ok(self, data):
        self.redirect(self.url(REDIRECTED + self.path))

    def mode_redirect_slow(self, data):
        hop = hop_of(urllib.parse.urlsplit(self.path).path)
        time.sleep(SLOW_HOP_S)
        if hop >= SLOW_HOPS:
            return self.serve(data)
        rest = self.path[len("/hop%d" % hop):] if hop else self.path
        self.redirect(self.url("/hop%d%s" % (hop + 1, rest)))

    def mode_range_200(self, data):
        self.head(200, len(data))
        self.write(data)

    def mode_range_416(self, data):
        if self.range_start(len(data)) is None:
            return self.serve(data)
        self.head(416, 0, extra=[("Content-Range", "bytes */%d" % len(data))])

    def mode_range_other(self, data):
        start = self.range_start(len(data))
        if start is None or start >= len(data):
            return self.serve(data)
        body = bytes(b ^ 0x5A for b in data[start:])
        self.head(206, len(body), extra=[
            ("Content-Range", "bytes %d-%d/%d" % (start, len(data) - 1, len(data)))])
        self.write(body)


def hop_of(path):
    """N of a path /hopN/... (redirect-slow), else 0."""
    head = path.split("/")[1] if path.count("/") > 1 else ""
    return int(head[3:]) if head.startswith("hop") and head[3:].isdigit() else 0


def relay(a, b):
    """Bytes both ways between two sockets until one side closes."""
    socks = [a, b]
    while True:
        ready, _, _ = select.select(socks, [], [], 60)
        if not ready:
            return
        for s in ready:
            try:
                data = s.recv(65536)
            except OSError:
                return
            if not data:
                return
            (b if s is a else a).sendall(data)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64

    def __init__(self, args, scheme, logfile, loglock):
        super().__init__(("127.0.0.1", 0), Handler)
        self.mode, self.root, self.rate = args.mode, args.root, args.rate
        self.scheme, self.port = scheme, self.server_address[1]
        self.logfile, self.loglock = logfile, loglock
        self.plain_port = None

    def log(self, line):
        with self.loglock:
            with open(self.logfile, "a") as f:
                f.write(line + "\n")

    def handle_error(self, request, client_address):
        # a client that hung up, timed out or refused the certificate is
        # what these tests do; anything else is a bug of this server
        if not isinstance(sys.exc_info()[1], (OSError, ssl.SSLError)):
            super().handle_error(request, client_address)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--mode", required=True, choices=MODES)
    p.add_argument("--root", required=True)
    p.add_argument("--log-dir", required=True)
    p.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    p.add_argument("--rate", type=int, default=1)
    args = p.parse_args()
    if args.mode == "redirect-downgrade" and not args.tls:
        p.error("redirect-downgrade needs --tls")
    if args.rate < 1:
        p.error("--rate must be at least 1")
    lock = threading.Lock()
    servers = []
    main_srv = Server(args, "https" if args.tls else "http", None, lock)
    main_srv.logfile = os.path.join(args.log_dir, "hostile.%d.log" % main_srv.port)
    open(main_srv.logfile, "a").close()
    if args.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls[0], args.tls[1])
        # the handshake happens in the request's thread, not in accept
        main_srv.socket = ctx.wrap_socket(main_srv.socket, server_side=True,
                                          do_handshake_on_connect=False)
    servers.append(main_srv)
    if args.mode == "redirect-downgrade":
        # the plain http side that the redirect points at: a correct server
        plain_args = argparse.Namespace(**vars(args))
        plain_args.mode = "ok"
        plain = Server(plain_args, "http", main_srv.logfile, lock)
        main_srv.plain_port = plain.port
        servers.append(plain)
    for s in servers[1:]:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    print(main_srv.port, flush=True)
    main_srv.serve_forever()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
