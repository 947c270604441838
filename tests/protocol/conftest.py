"""Black-box protocol tests for evircd: server processes and an IRC client.

Everything here talks to 127.0.0.1 only, and every read has a timeout, so no
test can hang. The server under test is $EVIRCD_BIN (default: the evircd at
the repository root), started with a config written into a pytest tmp dir.

Fixtures:
  server        one evircd per test module (ServerProcess)
  make_server   factory: make_server(sections={...}, motd=..., extra=...) for
                servers with custom config (small timeouts, a password, limits);
                each is stopped, and checked, at the end of the test
  connect       factory: connect() -> Client on the module server, closed at
                the end of the test
  user          factory: user("prefix", **register_kw) -> registered Client
  uniq          uniq("prefix") -> a name unique in the session ("#x" works)
  evircd_bin    path of the binary; write_config / base_sections for -t tests
  hybrid        factory: hybrid(name=, sid=, connect={...}, service=...) -> a
                started ircd-hybrid (ts6.Hybrid), stopped at the end of the
                test; skipped, with the reason, where it cannot run (no root
                or no mount namespaces). ts6.py has the TS6 harness.
  ts6_peer      factory: ts6_peer(name=, sid=, dialect=, ...) -> ts6.Ts6Peer,
                closed at the end of the test

Stopping a server sends SIGTERM to the PID we started, waits up to 10 s
(SIGKILL only as a fallback), and asserts exit code 0 and no
AddressSanitizer / UBSan / LeakSanitizer report on its stderr.
"""
import itertools
import os
import signal
import socket
import subprocess
import time

import pytest

import ts6

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def _default_binary():
    """build-asan/evircd (tools/test's build), else build/evircd (tools/run's)."""
    for d in ("build-asan", "build"):
        if os.path.exists(os.path.join(ROOT, d, "evircd")):
            return os.path.join(ROOT, d, "evircd")
    return os.path.join(ROOT, "build-asan", "evircd")


BINARY = os.environ.get("EVIRCD_BIN") or _default_binary()
MKPASSWD = os.path.join(os.path.dirname(BINARY), "evircd-mkpasswd")

SERVER_NAME = "irc.test"
READ_TIMEOUT = 5.0  # longest wait for one expected line
SANITIZER_MARKS = ("AddressSanitizer", "runtime error:", "LeakSanitizer")

# Limits of the module server; tests read them from here.
LIMITS = {
    "nicklen": 20,
    "channellen": 40,
    "topiclen": 120,
    "kicklen": 90,
    "awaylen": 70,
    "max_channels": 10,
    "max_list": 5,
    "max_targets": 3,
    "whowas_size": 50,
}

MOTD_LINES = ["Welcome to the evircd test server.", "Second line of the MOTD."]

ADMIN = {"name": "Test Admin", "location": "Test Lab", "email": "admin@irc.test"}


# --------------------------------------------------------------------------
# Messages


def _unescape_tag(value):
    out = []
    it = iter(value)
    for ch in it:
        if ch != "\\":
            out.append(ch)
            continue
        nxt = next(it, "")
        out.append({":": ";", "s": " ", "\\": "\\", "r": "\r", "n": "\n"}.get(nxt, nxt))
    return "".join(out)


class Message:
    """One parsed IRC line: tags (dict), source, command, params (list)."""

    def __init__(self, line):
        self.line = line
        self.tags = {}
        self.source = None
        rest = line
        if rest.startswith("@"):
            tags, _, rest = rest[1:].partition(" ")
            for item in tags.split(";"):
                if item:
                    k, _, v = item.partition("=")
                    self.tags[k] = _unescape_tag(v)
            rest = rest.lstrip(" ")
        if rest.startswith(":"):
            self.source, _, rest = rest[1:].partition(" ")
            rest = rest.lstrip(" ")
        self.command, _, rest = rest.partition(" ")
        self.command = self.command.upper()
        self.params = []
        rest = rest.lstrip(" ")
        while rest:
            if rest.startswith(":"):
                self.params.append(rest[1:])
                break
            word, _, rest = rest.partition(" ")
            self.params.append(word)
            rest = rest.lstrip(" ")

    @property
    def nick(self):
        """Nick part of the source (or the whole source for a server)."""
        return (self.source or "").split("!")[0]

    def __repr__(self):
        return "<%s>" % self.line

    def __str__(self):
        return self.line


def _predicate(what):
    """'001', 'PRIVMSG', a tuple/list/set of those, or a callable."""
    if callable(what):
        return what
    if isinstance(what, (tuple, list, set, frozenset)):
        wanted = {w.upper() for w in what}
        return lambda m: m.command in wanted
    wanted = what.upper()
    return lambda m: m.command == wanted


# --------------------------------------------------------------------------
# Client

_sync_counter = itertools.count(1)


class Client:
    """A line-oriented IRC client for tests.

    PINGs from the server are answered automatically (set auto_pong = False
    to stop that). Every read is bounded by a timeout.
    """

    def __init__(self, port, host="127.0.0.1", name=None):
        self.port = port
        self.host = host
        self.sock = None
        self.buf = b""
        self.nick = name
        self.auto_pong = True
        self.seen = []  # every line received, for failure messages
        self.welcome = []
        self.closed = False

    # -- transport

    def connect(self, timeout=READ_TIMEOUT):
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect((self.host, self.port))
        return self

    def send_raw(self, data):
        if isinstance(data, str):
            data = data.encode("utf-8")
        self.sock.sendall(data)

    def send(self, line):
        """Send one line; CRLF is added."""
        if isinstance(line, str):
            line = line.encode("utf-8")
        self.sock.sendall(line + b"\r\n")

    def close(self):
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass
        self.closed = True

    def _fill(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("no complete line within the timeout")
        self.sock.settimeout(min(left, READ_TIMEOUT))
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            raise TimeoutError("no complete line within the timeout") from None
        if not data:
            raise ConnectionError("connection closed by the server")
        self.buf += data

    def recv_raw_line(self, timeout=READ_TIMEOUT):
        """The next line as bytes (without CRLF); no PING handling."""
        deadline = time.monotonic() + min(timeout, READ_TIMEOUT)
        while b"\n" not in self.buf:
            self._fill(deadline)
        line, _, self.buf = self.buf.partition(b"\n")
        if line.endswith(b"\r"):
            line = line[:-1]
        return line

    def recv_line(self, timeout=READ_TIMEOUT):
        """The next line as str, answering server PINGs on the way."""
        deadline = time.monotonic() + min(timeout, READ_TIMEOUT)
        while True:
            raw = self.recv_raw_line(max(0.001, deadline - time.monotonic()))
            line = raw.decode("utf-8", "replace")
            self.seen.append(line)
            if self.auto_pong:
                msg = Message(line)
                if msg.command == "PING" and (msg.source in (None, SERVER_NAME)):
                    token = msg.params[-1] if msg.params else SERVER_NAME
                    self.send("PONG :%s" % token)
                    continue
            return line

    def recv(self, timeout=READ_TIMEOUT):
        """The next line, parsed."""
        return Message(self.recv_line(timeout))

    # -- expectations

    def expect(self, what, timeout=READ_TIMEOUT):
        """Skip lines until one matches what; return it parsed.

        what: a command or numeric ('001', 'JOIN'), a collection of them, or
        a predicate on Message. Fails with the skipped lines listed.
        """
        pred = _predicate(what)
        skipped = []
        deadline = time.monotonic() + min(timeout, READ_TIMEOUT)
        while True:
            left = deadline - time.monotonic()
            try:
                msg = self.recv(max(0.001, left))
            except TimeoutError:
                raise AssertionError(
                    "%s: timed out waiting for %s; got instead:\n  %s"
                    % (self.nick, _describe(what), "\n  ".join(str(m) for m in skipped) or "(nothing)")
                ) from None
            except ConnectionError:
                raise AssertionError(
                    "%s: connection closed while waiting for %s; got before:\n  %s"
                    % (self.nick, _describe(what), "\n  ".join(str(m) for m in skipped) or "(nothing)")
                ) from None
            if pred(msg):
                return msg
            skipped.append(msg)

    def collect_until(self, what, timeout=READ_TIMEOUT):
        """All lines up to and including the first that matches what."""
        pred = _predicate(what)
        out = []
        deadline = time.monotonic() + min(timeout, READ_TIMEOUT)
        while True:
            left = deadline - time.monotonic()
            try:
                msg = self.recv(max(0.001, left))
            except (TimeoutError, ConnectionError) as e:
                raise AssertionError(
                    "%s: %s waiting for %s; got:\n  %s"
                    % (self.nick, e, _describe(what), "\n  ".join(str(m) for m in out) or "(nothing)")
                ) from None
            out.append(msg)
            if pred(msg):
                return out

    def sync(self, timeout=READ_TIMEOUT):
        """Round-trip a PING; return the lines that arrived before its PONG.

        The server handles one connection's lines in order and queues output
        in order, so everything an earlier event sent to this client is
        among the returned lines.
        """
        token = "sync%d" % next(_sync_counter)
        self.send("PING :%s" % token)
        lines = self.collect_until(
            lambda m: m.command == "PONG" and m.params and m.params[-1] == token, timeout
        )
        return lines[:-1]

    def quiet(self, duration=0.5):
        """Lines that arrive within duration seconds (for pre-registration)."""
        out = []
        deadline = time.monotonic() + duration
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return out
            try:
                out.append(self.recv(left))
            except (TimeoutError, ConnectionError):
                return out

    def expect_closed(self, timeout=READ_TIMEOUT):
        """Read until the server closes the connection; return the lines."""
        out = []
        deadline = time.monotonic() + min(timeout, READ_TIMEOUT)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("%s: connection still open; got:\n  %s"
                                     % (self.nick, "\n  ".join(str(m) for m in out)))
            try:
                out.append(self.recv(left))
            except ConnectionError:  # EOF or reset: closed, as expected
                return out
            except TimeoutError:
                raise AssertionError("%s: connection still open; got:\n  %s"
                                     % (self.nick, "\n  ".join(str(m) for m in out))) from None

    def assert_alive(self):
        """The connection still works: a PING is answered."""
        token = "alive%d" % next(_sync_counter)
        self.send("PING :%s" % token)
        pong = self.expect(lambda m: m.command == "PONG" and m.params and m.params[-1] == token)
        assert pong.source == SERVER_NAME
        return pong

    # -- registration

    def register(self, nick, user="u", realname="Real", password=None):
        """NICK/USER (PASS first when given); wait for 001 and end of MOTD."""
        self.nick = nick
        if password is not None:
            self.send("PASS %s" % password)
        self.send("NICK %s" % nick)
        self.send("USER %s 0 * :%s" % (user, realname))
        lines = self.collect_until("001")
        lines += self.collect_until(("376", "422"))
        self.welcome = lines
        return self

    def isupport(self, lines=None):
        """ISUPPORT tokens from the 005 lines of lines (default: the welcome burst)."""
        tokens = {}
        for m in (self.welcome if lines is None else lines):
            if m.command == "005":
                for tok in m.params[1:-1]:
                    k, _, v = tok.partition("=")
                    tokens[k] = v
        return tokens

    def join(self, *channels):
        """JOIN each channel and wait for its 366."""
        for ch in channels:
            self.send("JOIN %s" % ch)
            self.expect(lambda m, ch=ch: m.command == "366" and m.params[1].lower() == ch.lower())
        return self


def _describe(what):
    if callable(what):
        return getattr(what, "__name__", "predicate")
    return repr(what)


# --------------------------------------------------------------------------
# Servers


def free_port():
    return ts6.free_port()  # one allocator for the whole run


def base_sections(port):
    """The default config as {section: {key: value}} (insertion-ordered)."""
    return {
        "server": {
            "name": SERVER_NAME,
            "sid": "0TS",
            "description": "evircd protocol test server",
            "network": "TestNet",
            "motd": "ircd.motd",
            "database": "evircd.db",
        },
        "admin": dict(ADMIN),
        "listen v4": {"host": "127.0.0.1", "port": str(port)},
        "dns": {"enabled": "no"},
        "history": {"enabled": "no"},
        "class default": {
            "sendq": "1048576",
            "recvq": "16384",
            "ping_frequency": "120",
            "connection_timeout": "30",
            "max_per_ip": "0",
            "throttle_count": "0",
            "flood_rate": "0",
        },
        "auth everyone": {"mask": "*@*", "class": "default"},
        "limits": {k: str(v) for k, v in LIMITS.items()},
    }


def render_config(sections, extra=""):
    out = []
    for name, keys in sections.items():
        if keys is None:
            continue
        out.append("[%s]" % name)
        for k, v in keys.items():
            if v is not None:
                out.append("%s = %s" % (k, v))
        out.append("")
    return "\n".join(out) + "\n" + extra


def write_config(directory, port, sections=None, extra="", motd=MOTD_LINES):
    """Write ircd.conf (and ircd.motd unless motd is None) into directory.

    sections: {section: {key: value or None to drop}} merged into the base;
    a section mapped to None is dropped.
    """
    conf = base_sections(port)
    for name, keys in (sections or {}).items():
        if keys is None:
            conf[name] = None
        else:
            conf.setdefault(name, {})
            if conf[name] is None:
                conf[name] = {}
            conf[name].update(keys)
    path = os.path.join(str(directory), "ircd.conf")
    with open(path, "w") as f:
        f.write(render_config(conf, extra))
    motd_path = os.path.join(str(directory), "ircd.motd")
    if motd is not None:
        with open(motd_path, "w") as f:
            f.write("\n".join(motd) + "\n")
    elif os.path.exists(motd_path):
        os.unlink(motd_path)
    return path


def _sanitizer_env():
    env = dict(os.environ)
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0:halt_on_error=1")
    env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
    return env


class ServerProcess:
    """An evircd we started, on a free loopback port."""

    def __init__(self, directory, sections=None, extra="", motd=MOTD_LINES):
        self.dir = str(directory)
        self.port = free_port()
        self.config = write_config(self.dir, self.port, sections, extra, motd)
        self.stderr_path = os.path.join(self.dir, "stderr.log")
        self.cwd = os.path.join(self.dir, "cwd")  # not the config folder
        os.makedirs(self.cwd, exist_ok=True)
        self.proc = None
        self.clients = []
        self.exit_code = None
        self.terminated = False
        self.crashed = False

    def start(self):
        if not os.path.exists(BINARY):
            pytest.fail("no evircd binary at %s (build it, or set EVIRCD_BIN)" % BINARY)
        self._stderr = open(self.stderr_path, "ab")
        self.proc = subprocess.Popen(
            [BINARY, "-c", self.config],
            stdin=subprocess.DEVNULL,
            stdout=self._stderr,
            stderr=self._stderr,
            cwd=self.cwd,
            env=_sanitizer_env(),
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail("evircd exited with %s at start:\n%s" % (self.proc.returncode, self.stderr_text()))
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return self
            except OSError:
                time.sleep(0.05)
        self.kill()
        pytest.fail("evircd did not listen on port %d within 10 s:\n%s" % (self.port, self.stderr_text()))

    def stderr_text(self):
        try:
            with open(self.stderr_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def client(self):
        """A new connected (unregistered) Client; closed when the server stops."""
        c = Client(self.port).connect()
        self.clients.append(c)
        return c

    def sigterm(self):
        """Send SIGTERM now (the test then reads what clients get)."""
        self.terminated = True
        self.proc.send_signal(signal.SIGTERM)

    def wait_exit(self, timeout=10):
        """Wait for the process to end; its exit code."""
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            pytest.fail("evircd did not exit within %s s of SIGTERM (killed):\n%s" % (timeout, self.stderr_text()))

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)

    def crash(self):
        """SIGKILL now, as a test's deliberate failure: stop() then only checks sanitizers."""
        self.kill()
        self.crashed = True

    def stop(self):
        """SIGTERM, wait up to 10 s, then check exit code and sanitizers."""
        for c in self.clients:
            c.close()
        if self.proc is None:
            return
        already = self.proc.poll()
        if already is None:
            self.terminated = True
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
                self._stderr.close()
                pytest.fail("evircd did not exit within 10 s of SIGTERM (killed):\n%s" % self.stderr_text())
        self._stderr.close()
        self.exit_code = self.proc.returncode
        text = self.stderr_text()
        bad = [m for m in SANITIZER_MARKS if m in text]
        assert not bad, "sanitizer report (%s) from evircd:\n%s" % (", ".join(bad), text)
        if self.crashed:
            return
        if already is not None and not self.terminated:
            pytest.fail("evircd died during the tests (exit %s):\n%s" % (already, text))
        assert self.exit_code == 0, "evircd exit code %s after SIGTERM:\n%s" % (self.exit_code, text)


# --------------------------------------------------------------------------
# Fixtures


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = ServerProcess(tmp_path_factory.mktemp("evircd"))
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def make_server(tmp_path_factory):
    """make_server(sections=None, extra='', motd=MOTD_LINES) -> started server."""
    started = []

    def make(sections=None, extra="", motd=MOTD_LINES):
        srv = ServerProcess(tmp_path_factory.mktemp("evircd-custom"), sections, extra, motd)
        started.append(srv)
        return srv.start()

    yield make
    errors = []
    for srv in started:
        try:
            srv.stop()
        except BaseException as e:  # report every server, not just the first
            errors.append(str(e))
    if errors:
        pytest.fail("\n\n".join(errors))


_names = itertools.count(1)


@pytest.fixture
def uniq():
    """uniq('nick') -> 'nick17'; short enough for NICKLEN."""

    def make(prefix="n"):
        return "%s%d" % (prefix, next(_names))

    return make


@pytest.fixture
def connect(server):
    """connect() -> a new unregistered Client on the module server."""
    opened = []

    def make(host="127.0.0.1"):
        c = Client(server.port, host=host).connect()
        opened.append(c)
        return c

    yield make
    for c in opened:
        c.close()


@pytest.fixture
def user(connect, uniq):
    """user('prefix', realname=..., user=...) -> a registered Client."""

    def make(prefix="u", **kw):
        c = connect()
        return c.register(uniq(prefix), **kw)

    return make


@pytest.fixture
def channel(uniq):
    """channel('prefix') -> a fresh channel name."""

    def make(prefix="c"):
        return "#" + uniq(prefix)

    return make


@pytest.fixture
def limits():
    """The [limits] of the module server (and of make_server by default)."""
    return dict(LIMITS)


class _ConfigTools:
    binary = BINARY
    server_name = SERVER_NAME
    motd_lines = MOTD_LINES
    admin = ADMIN
    free_port = staticmethod(free_port)
    base_sections = staticmethod(base_sections)
    render_config = staticmethod(render_config)
    write_config = staticmethod(write_config)
    Client = Client
    Message = Message


@pytest.fixture
def conf_tools():
    """Helpers for tests that write configs or parse lines themselves."""
    return _ConfigTools


@pytest.fixture
def evircd_bin():
    if not os.path.exists(BINARY):
        pytest.fail("no evircd binary at %s" % BINARY)
    return BINARY


@pytest.fixture(autouse=True)
def _server_still_running(request):
    """After each test of this folder that used the module server: it is alive."""
    yield
    path = getattr(request.node, "path", None) or request.node.fspath
    if os.path.dirname(str(path)) != HERE:
        return
    if "server" not in request.fixturenames:
        return
    srv = request.getfixturevalue("server")
    if srv.proc is not None and srv.proc.poll() is not None:
        pytest.fail("evircd died during this test (exit %s):\n%s" % (srv.proc.returncode, srv.stderr_text()))


# --------------------------------------------------------------------------
# TS6 linking: ircd-hybrid (see ts6.py)


@pytest.fixture(scope="session")
def _hybrid_dns():
    """The loopback NXDOMAIN responder every hybrid of the session resolves with."""
    problem = ts6.namespace_problem()
    if problem:
        pytest.skip("ircd-hybrid cannot run here: " + problem)
    dns = ts6.DnsResponder()
    yield dns
    dns.stop()


@pytest.fixture
def hybrid(_hybrid_dns, tmp_path):
    """hybrid(name="hybrid.test", sid="1HY", connect=None, service=None) -> started Hybrid.

    Each is stopped by its PID at the end of the test (its log is kept in the
    test's tmp_path); one that died during the test fails it.
    """
    started = []

    def make(**kw):
        h = ts6.Hybrid(_hybrid_dns.addr, client_class=Client, keep_dir=tmp_path, **kw)
        started.append(h)
        return h.start()

    yield make
    died = []
    for h in started:
        h.stop()
        if h.died:
            died.append("ircd-hybrid %s died during the test (exit %s):\n%s"
                        % (h.name, h.proc.returncode, h.log()))
    if died:
        pytest.fail("\n\n".join(died))


@pytest.fixture
def ts6_peer():
    """ts6_peer(name="peer.test", sid="9PE", dialect="hybrid", ...) -> Ts6Peer, closed at teardown."""
    made = []

    def make(*args, **kw):
        peer = ts6.Ts6Peer(*args, **kw)
        made.append(peer)
        return peer

    yield make
    for peer in made:
        peer.close()
