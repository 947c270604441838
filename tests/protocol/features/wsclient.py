"""A small WebSocket client for the tests (RFC 6455), from the standard library.

WsClient speaks IRC over WebSocket with the same interface as ircclient.Client
(send, recv, expect, register): each IRC line is one message. It also sends
and reads raw frames, for the tests of framing, pings and closes.
"""
import base64
import hashlib
import os
import socket
import ssl
import struct
import time

from ircclient import TIMEOUT, Client

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0, 1, 2, 8, 9, 10


class HandshakeRefused(Exception):
    def __init__(self, status, head):
        super().__init__("HTTP %s" % status)
        self.status = status
        self.head = head


def frame(opcode, payload, fin=True, mask=True, rsv=0):
    """One client frame (masked unless told otherwise)."""
    if isinstance(payload, str):
        payload = payload.encode()
    head = bytes([(0x80 if fin else 0) | rsv << 4 | opcode])
    n = len(payload)
    m = 0x80 if mask else 0
    if n < 126:
        head += bytes([m | n])
    elif n < 65536:
        head += bytes([m | 126]) + struct.pack("!H", n)
    else:
        head += bytes([m | 127]) + struct.pack("!Q", n)
    if not mask:
        return head + payload
    key = os.urandom(4)
    return head + key + bytes(b ^ key[i & 3] for i, b in enumerate(payload))


def http_upgrade(sock, protocols=None, origin=None, headers=None, key=None, check_accept=True):
    """Send the opening request; return (status, head) of the answer."""
    key = key or base64.b64encode(os.urandom(16)).decode()
    lines = ["GET /webirc HTTP/1.1", "Host: 127.0.0.1", "Upgrade: websocket",
             "Connection: Upgrade", "Sec-WebSocket-Key: " + key, "Sec-WebSocket-Version: 13"]
    if protocols:
        lines.append("Sec-WebSocket-Protocol: " + ", ".join(protocols))
    if origin:
        lines.append("Origin: " + origin)
    lines += headers or []
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    data = b""
    deadline = time.time() + TIMEOUT
    while b"\r\n\r\n" not in data:
        sock.settimeout(max(0.01, deadline - time.time()))
        chunk = sock.recv(1)  # byte by byte: frames may follow the head
        if not chunk:
            break
        data += chunk
    head = data.decode("latin-1")
    status = int(head.split(" ", 2)[1]) if head.startswith("HTTP/1.1 ") else 0
    if status == 101 and check_accept:
        want = base64.b64encode(hashlib.sha1(key.encode() + GUID).digest()).decode()
        assert "Sec-WebSocket-Accept: %s\r\n" % want in head, head
    return status, head


class WsClient(Client):
    """IRC over WebSocket. protocols: the subprotocols asked for, in order."""

    def __init__(self, port, protocols=("text.ircv3.net",), origin=None, headers=None,
                 tls=False, binary_send=None):
        raw = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        if tls:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            raw = ctx.wrap_socket(raw)
        self.sock = raw
        self.buf = b""
        self.wsbuf = b""
        self.backlog = []
        self.nick = None
        self.frames = []  # control frames seen: (opcode, payload)
        self.opcodes = set()  # data frame opcodes seen
        status, self.head = http_upgrade(raw, list(protocols or []), origin, headers)
        if status != 101:
            raise HandshakeRefused(status, self.head)
        self.protocol = None
        for line in self.head.split("\r\n"):
            if line.lower().startswith("sec-websocket-protocol:"):
                self.protocol = line.split(":", 1)[1].strip()
        if binary_send is None:
            binary_send = self.protocol == "binary.ircv3.net"
        self.send_opcode = OP_BINARY if binary_send else OP_TEXT

    def send(self, line):
        self.send_frame(self.send_opcode, line.encode())

    def send_frame(self, opcode, payload, **kw):
        self.sock.sendall(frame(opcode, payload, **kw))

    def recv_frame(self, deadline):
        """The next frame: (fin, opcode, payload)."""
        while True:
            if len(self.wsbuf) >= 2:
                b0, b1 = self.wsbuf[0], self.wsbuf[1]
                assert not b1 & 0x80, "server frames are never masked"
                n, at = b1 & 0x7F, 2
                if n == 126 and len(self.wsbuf) >= 4:
                    n, at = struct.unpack("!H", self.wsbuf[2:4])[0], 4
                elif n == 127 and len(self.wsbuf) >= 10:
                    n, at = struct.unpack("!Q", self.wsbuf[2:10])[0], 10
                if n < 126 or at > 2:
                    if len(self.wsbuf) >= at + n:
                        payload = self.wsbuf[at:at + n]
                        self.wsbuf = self.wsbuf[at + n:]
                        return bool(b0 & 0x80), b0 & 0x0F, payload
            left = deadline - time.time()
            if left <= 0:
                raise TimeoutError("no frame in time")
            self.sock.settimeout(left)
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("closed by server")
            self.wsbuf += data

    def _read_line(self, deadline):
        while True:
            fin, opcode, payload = self.recv_frame(deadline)
            if opcode in (OP_TEXT, OP_BINARY):
                assert fin, "one line per unfragmented message"
                assert not payload.endswith(b"\n"), payload
                self.opcodes.add(opcode)
                if opcode == OP_TEXT:
                    payload.decode("utf-8")  # must be valid
                return payload.decode("utf-8", "replace")
            self.frames.append((opcode, payload))
            if opcode == OP_CLOSE:
                raise ConnectionError("close frame %r" % payload)

    def expect_frame(self, opcode, timeout=TIMEOUT):
        """Skip data frames until a control frame with opcode; return its payload."""
        deadline = time.time() + timeout
        while True:
            fin, op, payload = self.recv_frame(deadline)
            if op == opcode:
                return payload

    def close_code(self, timeout=TIMEOUT):
        """Read until the close frame; return its status code."""
        payload = self.expect_frame(OP_CLOSE, timeout)
        return struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
