"""PROXY protocol v1 and v2 on [listen] blocks with proxy = yes."""
import os
import socket
import ssl
import struct
import subprocess
import time

import pytest

from ircclient import ROOT, Client, Server, free_port

V2_SIG = b"\r\n\r\n\x00\r\nQUIT\n"


def proxy_config(port, extra=""):
    return "\n[listen proxied]\nhost = 127.0.0.1\nport = %d\nproxy = yes\n%s" % (port, extra)


def v2(command=1, family=0x11, body=b""):
    return V2_SIG + bytes([0x20 | command, family]) + struct.pack("!H", len(body)) + body


def v2_tcp4(src, dst="127.0.0.1", sport=40000, dport=6667, tlv=b""):
    return v2(body=socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!HH", sport, dport) + tlv)


def v2_tcp6(src, dst="::1", sport=40000, dport=6667):
    return v2(family=0x21, body=socket.inet_pton(socket.AF_INET6, src)
              + socket.inet_pton(socket.AF_INET6, dst) + struct.pack("!HH", sport, dport))


class ProxiedClient(Client):
    """A client whose connection starts with header (bytes) before IRC."""

    def __init__(self, port, header, tls=False, split=False):
        raw = socket.create_connection(("127.0.0.1", port), timeout=5)
        if split:  # byte by byte: the server must wait for the rest
            for i in range(len(header)):
                raw.sendall(header[i:i + 1])
                time.sleep(0.002)
        else:
            raw.sendall(header)
        if tls:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            raw = ctx.wrap_socket(raw)
        self.sock = raw
        self.buf = b""
        self.backlog = []
        self.nick = None


def own_ip(c):
    c.send("WHOIS %s" % c.nick)
    return c.expect("378").params[-1].split()[-1]


def closed_without_registering(sock, timeout=10):
    """Everything the server sent before closing (no 001 expected)."""
    sock.settimeout(timeout)
    data = b""
    deadline = time.time() + timeout
    while time.time() < deadline:
        chunk = sock.recv(4096)
        if not chunk:
            return data
        data += chunk
    raise AssertionError("still open: %r" % data)


@pytest.fixture
def proxied(make_server):
    port = free_port()
    return make_server(proxy_config(port)), port


@pytest.mark.parametrize("header,ip", [
    (b"PROXY TCP4 192.0.2.5 127.0.0.1 5555 6667\r\n", "192.0.2.5"),
    (b"PROXY TCP6 2001:db8::5 ::1 5555 6667\r\n", "2001:db8::5"),
    (b"PROXY TCP6 ::ffff:192.0.2.7 ::1 5555 6667\r\n", "192.0.2.7"),
    (b"PROXY UNKNOWN\r\n", "127.0.0.1"),
    (b"PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n", "127.0.0.1"),
    (v2_tcp4("198.51.100.20"), "198.51.100.20"),
    (v2_tcp4("198.51.100.21", tlv=b"\x04\x00\x03abc"), "198.51.100.21"),
    (v2_tcp6("2001:db8::20"), "2001:db8::20"),
    (v2(command=0, family=0), "127.0.0.1"),  # LOCAL: the proxy's own health check
    (v2(family=0x31, body=b"\0" * 216), "127.0.0.1"),  # UNIX: keep the peer's
])
def test_header_gives_the_address(proxied, header, ip):
    srv, port = proxied
    c = ProxiedClient(port, header + b"NICK early\r\n").register("proxied")  # IRC right behind it
    assert own_ip(c) == ip


def test_header_in_pieces(proxied):
    srv, port = proxied
    c = ProxiedClient(port, b"PROXY TCP4 192.0.2.9 127.0.0.1 1 2\r\n", split=True).register("v1slow")
    assert own_ip(c) == "192.0.2.9"
    d = ProxiedClient(port, v2_tcp4("192.0.2.10"), split=True).register("v2slow")
    assert own_ip(d) == "192.0.2.10"


@pytest.mark.parametrize("garbage", [
    b"NICK nobody\r\nUSER u 0 * :x\r\n",                   # no header at all
    b"PROXY TCP4 192.0.2.300 127.0.0.1 1 2\r\n",            # not an address
    b"PROXY TCP4 2001:db8::1 127.0.0.1 1 2\r\n",            # wrong family
    b"PROXY TCP4 192.0.2.1 127.0.0.1 1 99999\r\n",          # not a port
    b"PROXY TCP4 192.0.2.1 127.0.0.1 1\r\n",                # a field short
    b"PROXY TCP4 192.0.2.1 127.0.0.1 1 2\n",                # no CR
    b"PROXY SCTP 192.0.2.1 127.0.0.1 1 2\r\n",              # unknown protocol
    b"PROXY " + b"A" * 120,                                 # longer than 107, no end
    V2_SIG + b"\x31\x11\x00\x0c" + b"\0" * 12,              # version 3
    V2_SIG + b"\x22\x11\x00\x0c" + b"\0" * 12,              # command 2
    V2_SIG + b"\x21\x11\x00\x04" + b"\0" * 4,               # TCP4 body too short
    V2_SIG + b"\x21\x11\xff\xff",                           # body over the bound
    V2_SIG + b"\x21\x41\x00\x00",                           # unknown family
    b"\r\n\r\n\x00\r\nQUIX\n" + b"\0" * 8,                  # almost the signature
])
def test_bad_headers_close_the_connection(proxied, garbage):
    srv, port = proxied
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(garbage)
    assert b" 001 " not in closed_without_registering(s)
    srv.client().register("afterwards")


def test_header_timeout(tmp_path):
    port = free_port()
    srv = Server(tmp_path, proxy_config(port))
    with open(srv.conf) as f:
        text = f.read()
    with open(srv.conf, "w") as f:
        f.write(text.replace("connection_timeout = 10", "connection_timeout = 2"))
    srv.start()
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.sendall(b"PROXY TCP4 192.0.2.1")
        closed_without_registering(s, timeout=10)
    finally:
        srv.stop()


def test_only_configured_proxies(make_server):
    port = free_port()
    srv = make_server(proxy_config(port, "proxies = 10.0.0.0/8, ::1\n"))
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    data = closed_without_registering(s)
    assert b"ERROR :Closing Link: 127.0.0.1 (Not a trusted proxy)" in data


def test_header_address_counts_for_limits(tmp_path):
    port = free_port()
    srv = Server(tmp_path, proxy_config(port))
    with open(srv.conf) as f:
        text = f.read()
    with open(srv.conf, "w") as f:
        f.write(text.replace("max_per_ip = 0", "max_per_ip = 1"))
    srv.start()
    try:
        a = ProxiedClient(port, b"PROXY TCP4 192.0.2.1 127.0.0.1 1 2\r\n").register("limita")
        b = ProxiedClient(port, v2_tcp4("192.0.2.2")).register("limitb")
        c = ProxiedClient(port, v2_tcp4("192.0.2.1"))
        data = closed_without_registering(c.sock)
        assert b"ERROR :Closing Link: 192.0.2.1 (Too many connections" in data
        a.send("PING :x")
        a.expect("PONG")
        b.close()
    finally:
        srv.stop()


def test_proxy_then_tls(make_server, tmp_path_factory):
    d = tmp_path_factory.mktemp("proxycerts")
    subprocess.check_call(["sh", os.path.join(ROOT, "tools", "mkcert"), str(d / "server")])
    port = free_port()
    srv = make_server(proxy_config(port, "tls = yes\n") +
                      "\n[tls]\ncertificate = %s/server/cert.pem\nkey = %s/server/key.pem\n" % (d, d))
    c = ProxiedClient(port, v2_tcp6("2001:db8::77"), tls=True).register("proxytls")
    assert own_ip(c) == "2001:db8::77"
    c.send("WHOIS proxytls")
    c.expect("671")
