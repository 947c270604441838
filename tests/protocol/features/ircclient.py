"""A small IRC test client and an evircd process manager, loopback only."""
import os
import re
import signal
import socket
import ssl
import subprocess
import time

TIMEOUT = 5.0
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

def _default_binary():
    """build-asan/evircd (tools/test's build), else build/evircd (tools/run's)."""
    for d in ("build-asan", "build"):
        if os.path.exists(os.path.join(ROOT, d, "evircd")):
            return os.path.join(ROOT, d, "evircd")
    return os.path.join(ROOT, "build-asan", "evircd")


BINARY = os.environ.get("EVIRCD_BIN") or _default_binary()
# The password tool is built next to the server.
MKPASSWD = os.path.join(os.path.dirname(BINARY), "evircd-mkpasswd")

TAG_RE = re.compile(r"^(?:@(\S+) )?(?::(\S+) )?(\S+)(.*)$")


class Message:
    """One parsed line: tags (dict), source, command, params."""

    def __init__(self, line):
        self.line = line
        m = TAG_RE.match(line)
        tags, self.source, self.command, rest = m.groups()
        self.tags = {}
        for item in (tags or "").split(";"):
            if item:
                k, _, v = item.partition("=")
                self.tags[k] = v
        self.params = []
        rest = rest.lstrip(" ")
        while rest:
            if rest.startswith(":"):
                self.params.append(rest[1:])
                break
            word, _, rest = rest.partition(" ")
            self.params.append(word)
            rest = rest.lstrip(" ")
        self.nick = (self.source or "").split("!")[0]

    def __repr__(self):
        return "<%s>" % self.line


def free_port():
    try:
        import ts6  # one allocator for the whole run: never the same port twice
        return ts6.free_port()
    except ImportError:
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        return port


class Client:
    def __init__(self, port, tls=False, certfile=None, keyfile=None, source_ip=None):
        raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        raw.settimeout(TIMEOUT)
        if source_ip:
            raw.bind((source_ip, 0))
        raw.connect(("127.0.0.1", port))
        if tls:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            if certfile:
                ctx.load_cert_chain(certfile, keyfile)
            raw = ctx.wrap_socket(raw)
        self.sock = raw
        self.buf = b""
        self.backlog = []
        self.nick = None

    def send(self, line):
        self.sock.sendall(line.encode() + b"\r\n")

    def _read_line(self, deadline):
        while b"\n" not in self.buf:
            left = deadline - time.time()
            if left <= 0:
                raise TimeoutError("no line in time")
            self.sock.settimeout(left)
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("closed by server")
            self.buf += data
        line, _, self.buf = self.buf.partition(b"\n")
        return line.rstrip(b"\r").decode("utf-8", "replace")

    def recv(self, timeout=TIMEOUT):
        if self.backlog:
            return self.backlog.pop(0)
        deadline = time.time() + timeout
        while True:
            msg = Message(self._read_line(deadline))
            if msg.command == "PING":
                self.send("PONG :%s" % (msg.params[-1] if msg.params else ""))
                continue
            return msg

    def expect(self, what, timeout=TIMEOUT):
        """Skip lines until one matches: a command/numeric string or a predicate."""
        pred = what if callable(what) else (lambda m: m.command == what)
        seen = []
        deadline = time.time() + timeout
        while True:
            try:
                msg = self.recv(max(0.01, deadline - time.time()))
            except TimeoutError:
                raise AssertionError("expected %r, got %r" % (what, seen)) from None
            if pred(msg):
                return msg
            seen.append(msg)

    def collect(self, until, timeout=TIMEOUT):
        """All lines up to and including the first matching until."""
        pred = until if callable(until) else (lambda m: m.command == until)
        out = []
        deadline = time.time() + timeout
        while True:
            msg = self.recv(max(0.01, deadline - time.time()))
            out.append(msg)
            if pred(msg):
                return out

    def quiet(self, timeout=0.3):
        """Lines arriving within timeout (none expected, usually)."""
        out = []
        try:
            while True:
                out.append(self.recv(timeout))
        except (TimeoutError, socket.timeout):
            return out

    def cap_req(self, caps):
        """CAP LS 302 and REQ caps (a list or a space-separated string); must be ACKed."""
        self.send("CAP LS 302")
        self.send("CAP REQ :%s" % (caps if isinstance(caps, str) else " ".join(caps)))
        ack = self.expect(lambda m: m.command == "CAP" and m.params[1] in ("ACK", "NAK"))
        assert ack.params[1] == "ACK", ack

    def register(self, nick, caps=None, user="u", realname="Real Name"):
        self.nick = nick
        if caps:
            self.cap_req(caps)
            self.send("CAP END")
        self.send("NICK %s" % nick)
        self.send("USER %s 0 * :%s" % (user, realname))
        self.expect("001")
        self.expect(lambda m: m.command in ("376", "422"))
        return self

    def quit(self):
        """QUIT and wait for the server's ERROR: its nick is free once this returns."""
        self.send("QUIT")
        self.expect("ERROR")
        self.close()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


BASE_CONFIG = """
[server]
name = irc.test
sid = 0TS
description = evircd test server
network = TestNet
database = evircd.db

[listen v4]
host = 127.0.0.1
port = {port}

[class default]
sendq = 1048576
recvq = 16384
ping_frequency = 120
connection_timeout = 10
flood_rate = 0
max_per_ip = 0
throttle_count = 0

[auth everyone]
mask = *@*
class = default

[dns]
enabled = no

[log]
level = info
"""


class Server:
    """evircd started on a free loopback port with BASE_CONFIG plus extra."""

    def __init__(self, directory, extra="", port=None, tls_port=None, preexec=None):
        self.dir = str(directory)
        self.port = port or free_port()
        self.tls_port = tls_port
        self.conf = os.path.join(self.dir, "ircd.conf")
        self.extra = extra
        self.proc = None
        self.logs = []
        self.preexec = preexec  # run in the child before exec (resource limits)
        self.write_config(extra)

    def write_config(self, extra):
        with open(self.conf, "w") as f:
            f.write(BASE_CONFIG.format(port=self.port))
            f.write(extra.format(port=self.port, tls_port=self.tls_port, dir=self.dir))

    def start(self):
        log = os.path.join(self.dir, "stderr.%d.log" % len(self.logs))
        self.logs.append(log)
        self.stderr = open(log, "w")
        self.proc = subprocess.Popen([BINARY, "-c", self.conf], stderr=self.stderr,
                                     stdout=subprocess.DEVNULL, preexec_fn=self.preexec)
        deadline = time.time() + 10
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("evircd exited: %s" % self.log_text())
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("evircd did not listen: %s" % self.log_text())

    def log_text(self):
        self.stderr.flush()
        return "".join(open(p, errors="replace").read() for p in self.logs)

    def client(self, **kw):
        return Client(self.port, **kw)

    def stop(self, kill=False):
        """SIGTERM (or SIGKILL) the process we started; check a clean exit."""
        if self.proc is None:
            return
        if kill:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
            self.proc = None
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
            raise AssertionError("evircd did not exit on SIGTERM")
        self.proc = None
        text = self.log_text()
        assert code == 0, "exit code %s\n%s" % (code, text)
        for bad in ("AddressSanitizer", "runtime error:", "LeakSanitizer"):
            assert bad not in text, text

    def signal(self, sig):
        self.proc.send_signal(sig)

    def restart_with(self, old, new):
        """Stop, replace old with new in the config file, start again."""
        self.stop()
        with open(self.conf) as f:
            text = f.read()
        assert old in text, old
        with open(self.conf, "w") as f:
            f.write(text.replace(old, new, 1))
        return self.start()
