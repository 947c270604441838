"""IRC over WebSocket (IRCv3 websocket, RFC 6455): handshake, subprotocols,
Origin allow-list, framing, ping/pong, close, limits, X-Forwarded-For."""
import os
import socket
import struct
import subprocess

import pytest

from ircclient import ROOT, Server, free_port
from wsclient import (OP_BINARY, OP_CLOSE, OP_CONT, OP_PING, OP_PONG, OP_TEXT,
                      HandshakeRefused, WsClient, frame, http_upgrade)


def ws_config(port, extra_keys="", tls=False):
    return ("\n[listen ws]\nhost = 127.0.0.1\nport = %d\ntype = websocket\n%s%s"
            % (port, "tls = yes\n" if tls else "", extra_keys))


@pytest.fixture
def ws(make_server):
    """A server with a TCP and a WebSocket listener: (server, ws_port).

    utf8only is off, so lines that are not UTF-8 travel (UTF8ONLY would refuse
    them with FAIL before any WebSocket framing is reached)."""
    port = free_port()
    srv = make_server(ws_config(port, "origins = https://chat.example.org, http://localhost:*\n")
                      + "\n[server]\nutf8only = no\n")
    return srv, port


def whois_ip(asker, nick):
    asker.send("WHOIS %s" % nick)
    return asker.expect("378").params[-1].split()[-1]


def test_text_user_chats_with_tcp_user(ws):
    srv, port = ws
    a = WsClient(port).register("webby")
    assert a.protocol == "text.ircv3.net"
    b = srv.client().register("tcpuser")
    a.send("JOIN #web")
    a.expect("366")
    b.send("JOIN #web")
    assert a.expect("JOIN").nick == "tcpuser"
    b.send("PRIVMSG #web :hello from tcp \u00e9")
    assert a.expect("PRIVMSG").params == ["#web", "hello from tcp \u00e9"]
    a.send("PRIVMSG #web :hello from the web")
    assert b.expect("PRIVMSG").params == ["#web", "hello from the web"]
    assert a.opcodes == {OP_TEXT}


def test_binary_subprotocol_and_client_preference(ws):
    srv, port = ws
    a = WsClient(port, protocols=["binary.ircv3.net", "text.ircv3.net"]).register("binuser")
    assert a.protocol == "binary.ircv3.net" and a.opcodes == {OP_BINARY}
    c = WsClient(port, protocols=["text.ircv3.net", "binary.ircv3.net"]).register("txtuser")
    assert c.protocol == "text.ircv3.net" and c.opcodes == {OP_TEXT}
    # Binary carries any bytes: a Latin-1 line reaches a TCP user unchanged.
    b = srv.client().register("plainb")
    a.send_frame(OP_BINARY, b"PRIVMSG plainb :caf\xe9")
    assert b.expect("PRIVMSG").params == ["plainb", "caf\ufffd"]  # the raw byte, undecodable


def test_no_subprotocol_means_text(ws):
    srv, port = ws
    a = WsClient(port, protocols=None).register("noproto")
    assert a.protocol is None
    assert "Sec-WebSocket-Protocol" not in a.head
    assert a.opcodes == {OP_TEXT}


def test_text_frames_carry_only_utf8(ws):
    srv, port = ws
    a = WsClient(port).register("utfweb")
    b = srv.client().register("latin")
    b.sock.sendall(b"PRIVMSG utfweb :caf\xe9 ok\r\n")
    msg = a.expect("PRIVMSG")
    assert msg.params == ["utfweb", "caf\ufffd ok"]


def test_origin_allow_list(ws):
    srv, port = ws
    with pytest.raises(HandshakeRefused) as e:
        WsClient(port, origin="https://evil.example.com")
    assert e.value.status == 403
    WsClient(port, origin="https://chat.example.org").register("goodorigin")
    WsClient(port, origin="http://localhost:8080").register("localorigin")
    # No Origin: not a browser, nothing to protect.
    WsClient(port).register("noorigin")


def test_plain_http_and_bad_requests(ws):
    srv, port = ws
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert s.recv(4096).startswith(b"HTTP/1.1 426 ")
    s.close()
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    status, head = http_upgrade(s, key="not a key", check_accept=False)
    assert status == 400
    s.close()
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              b"Sec-WebSocket-Version: 8\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
    answer = s.recv(4096)
    assert answer.startswith(b"HTTP/1.1 426 ") and b"Sec-WebSocket-Version: 13" in answer
    s.close()
    # A request that never ends is cut at the bound.
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(b"GET / HTTP/1.1\r\n" + b"X-Junk: " + b"a" * 9000)
    assert s.recv(4096).startswith(b"HTTP/1.1 431 ")
    s.close()
    srv.client().register("stillfine")


def test_ping_pong_fragments_and_crlf(ws):
    srv, port = ws
    a = WsClient(port).register("pinger")
    a.send_frame(OP_PING, b"are you there")
    assert a.expect_frame(OP_PONG) == b"are you there"
    b = srv.client().register("fragrecv")
    # A message in three fragments, a ping between them, and a trailing CRLF.
    a.send_frame(OP_TEXT, b"PRIVMSG fragrecv :hel", fin=False)
    a.send_frame(OP_PING, b"mid")
    a.send_frame(OP_CONT, b"lo wor", fin=False)
    a.send_frame(OP_CONT, b"ld\r\n", fin=True)
    assert b.expect("PRIVMSG").params == ["fragrecv", "hello world"]
    assert a.expect_frame(OP_PONG) == b"mid"


def test_close_handshake(ws):
    srv, port = ws
    a = WsClient(port).register("closer")
    b = srv.client().register("watcher")
    a.send("JOIN #bye")
    a.expect("366")
    b.send("JOIN #bye")
    b.expect("366")
    a.send_frame(OP_CLOSE, struct.pack("!H", 1000) + b"bye")
    assert a.close_code() == 1000
    assert b.expect("QUIT").nick == "closer"
    a.sock.settimeout(5)
    assert a.sock.recv(100) == b""  # then the server closes the TCP connection


def test_quit_sends_error_then_close(ws):
    srv, port = ws
    a = WsClient(port).register("quitter")
    a.send("QUIT :done")
    assert a.expect("ERROR").params[0].startswith("Closing Link")
    assert a.close_code() == 1000


@pytest.mark.parametrize("bad,code", [
    (frame(OP_TEXT, b"x" * 9000), 1009),                      # oversized
    (frame(OP_TEXT, b"PRIVMSG x :\xff\xfe"), 1007),           # not UTF-8 in text
    (frame(OP_TEXT, b"PING :x", mask=False), 1002),          # unmasked
    (frame(OP_TEXT, b"PING :x", rsv=4), 1002),               # reserved bits
    (frame(OP_CONT, b"PING :x"), 1002),                      # nothing to continue
    (frame(OP_PING, b"x" * 126), 1002),                      # control frame too long
    (frame(0x3, b"x"), 1002),                                # unknown opcode
])
def test_protocol_errors_close_with_a_code(ws, bad, code):
    srv, port = ws
    a = WsClient(port).register("baddie")
    a.sock.sendall(bad)
    assert a.close_code() == code
    srv.client().register("survivor")


def test_huge_length_claim_does_not_wait(ws):
    srv, port = ws
    a = WsClient(port).register("claimer")
    a.sock.sendall(bytes([0x81, 0xFF]) + struct.pack("!Q", 1 << 40) + b"\0\0\0\0")
    assert a.close_code() == 1009


def test_same_flood_limits_as_tcp(tmp_path):
    port = free_port()
    srv = Server(tmp_path, ws_config(port))
    with open(srv.conf) as f:
        text = f.read()
    with open(srv.conf, "w") as f:
        f.write(text.replace("flood_rate = 0", "flood_rate = 1\nflood_burst = 2")
                .replace("recvq = 16384", "recvq = 8704"))
    srv.start()
    try:
        a = WsClient(port).register("flooder")
        a.sock.sendall(b"".join(frame(OP_TEXT, "PRIVMSG flooder :%d %s" % (i, "x" * 300))
                                for i in range(60)))
        assert "Excess Flood" in a.expect("ERROR", timeout=10).params[0]
        assert a.close_code() == 1000
    finally:
        srv.stop()


def test_forwarded_for_only_from_trusted_proxies(make_server):
    trusted, untrusted = free_port(), free_port()
    srv = make_server(ws_config(trusted, "proxies = 127.0.0.0/8, 10.0.0.0/8\n")
                      + "\n[listen ws2]\nhost = 127.0.0.1\nport = %d\ntype = websocket\n" % untrusted)
    a = WsClient(trusted, headers=["X-Forwarded-For: 203.0.113.9, 10.1.2.3"]).register("proxied")
    assert whois_ip(a, "proxied") == "203.0.113.9"
    b = WsClient(untrusted, headers=["X-Forwarded-For: 203.0.113.9"]).register("direct")
    assert whois_ip(b, "direct") == "127.0.0.1"
    c = WsClient(trusted, headers=["X-Forwarded-For: not-an-ip"]).register("garbage")
    assert whois_ip(c, "garbage") == "127.0.0.1"


def test_forwarded_ip_counts_for_limits(tmp_path):
    port = free_port()
    srv = Server(tmp_path, ws_config(port, "proxies = 127.0.0.1\n"))
    with open(srv.conf) as f:
        text = f.read()
    with open(srv.conf, "w") as f:
        f.write(text.replace("max_per_ip = 0", "max_per_ip = 1"))
    srv.start()
    try:
        one = WsClient(port, headers=["X-Forwarded-For: 198.51.100.1"]).register("one")
        two = WsClient(port, headers=["X-Forwarded-For: 198.51.100.2"]).register("two")
        c = WsClient(port, headers=["X-Forwarded-For: 198.51.100.1"])
        err = c.expect("ERROR")
        assert "198.51.100.1" in err.params[0]
        assert c.close_code() == 1000
        one.send("PING :alive")
        one.expect("PONG")
        two.close()
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    d = tmp_path_factory.mktemp("wscerts")
    subprocess.check_call(["sh", os.path.join(ROOT, "tools", "mkcert"), str(d / "server")])
    return d


def test_websocket_over_tls(make_server, certs):
    port = free_port()
    srv = make_server(ws_config(port, tls=True) +
                      "\n[tls]\ncertificate = %s/server/cert.pem\nkey = %s/server/key.pem\n"
                      % (certs, certs))
    a = WsClient(port, tls=True).register("wss")
    b = srv.client().register("tcpwss")
    a.send("PRIVMSG tcpwss :secure hello")
    assert b.expect("PRIVMSG").params == ["tcpwss", "secure hello"]
    b.send("WHOIS wss")
    b.expect("671")


def test_proxy_header_then_websocket(make_server):
    port = free_port()
    srv = make_server(ws_config(port, "proxy = yes\n"))
    raw = socket.create_connection(("127.0.0.1", port), timeout=5)
    raw.sendall(b"PROXY TCP4 198.51.100.77 127.0.0.1 4000 8097\r\n")

    class Proxied(WsClient):
        def __init__(self):
            self.sock = raw
            self.buf = self.wsbuf = b""
            self.backlog, self.frames, self.opcodes = [], [], set()
            self.nick = None
            status, self.head = http_upgrade(raw, ["text.ircv3.net"])
            assert status == 101
            self.protocol, self.send_opcode = "text.ircv3.net", OP_TEXT

    c = Proxied().register("viaproxy")
    assert whois_ip(c, "viaproxy") == "198.51.100.77"


def test_random_frames_never_hurt_the_server(ws):
    """Seeded garbage after the handshake: closes, never a crash or a hang."""
    import random
    srv, port = ws
    rng = random.Random(1306)
    for _ in range(40):
        a = WsClient(port)
        junk = b""
        for _ in range(rng.randint(1, 6)):
            kind = rng.random()
            if kind < 0.4:
                junk += frame(rng.choice([0, 1, 2, 8, 9, 10, 3, 11]),
                              bytes(rng.randrange(256) for _ in range(rng.choice([0, 5, 125, 126, 300]))),
                              fin=rng.random() < 0.7, mask=rng.random() < 0.9,
                              rsv=rng.choice([0, 0, 0, 1, 4]))
            else:
                junk += bytes(rng.randrange(256) for _ in range(rng.randint(1, 40)))
        cut = rng.randint(1, len(junk))
        try:
            a.sock.sendall(junk[:cut])
            a.sock.sendall(junk[cut:])
        except OSError:
            pass
        a.close()
    b = srv.client().register("stillhere")
    b.send("PING :ok")
    b.expect("PONG")


def test_request_in_pieces_then_frames_right_behind(ws):
    """A request arriving a few bytes at a time, and frames sent with its end."""
    import base64
    import time
    srv, port = ws
    key = base64.b64encode(os.urandom(16)).decode()
    req = ("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
           "Sec-WebSocket-Protocol: binary.ircv3.net\r\n\r\n" % key).encode()
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    for i in range(0, len(req) - 10, 7):
        s.sendall(req[i:i + 7])
        time.sleep(0.002)
    s.sendall(req[i + 7:] + frame(OP_BINARY, b"NICK pieces") + frame(OP_BINARY, b"USER u 0 * :x"))
    data = b""
    while b" 001 pieces " not in data:
        chunk = s.recv(65536)
        assert chunk, data
        data += chunk
    assert data.startswith(b"HTTP/1.1 101 ") and b"Sec-WebSocket-Protocol: binary.ircv3.net" in data
    s.close()
