"""Hostile input and load: each case has a witness that must keep getting service.

The witness is a registered user in #witness with a partner there: at each
check its PING is answered and the partner's numbered channel messages reach
it complete and in order.  Around it one hostile client (or many) sends bad
input or load: overlong lines, NUL, bare CR, invalid UTF-8, half-close,
slowloris, a non-reading member of a flooded channel, 10,000 lines at once,
descriptor exhaustion, TLS garbage and stalled handshakes, malformed CAP and
SASL, kill -9 during account and K-line writes, and connect/quit cycles.

Sizes fit CI (the whole file well under a minute on two busy cores);
EVIRCD_HOSTILE=full runs the full sizes (tests-load/hostile does, against a
plain build), and EVIRCD_HOSTILE_REPORT=FILE appends each figure measured
(one JSON object a line).  The only timing assertions are generous liveness
bounds; the figures themselves go to doc/hardening.md.
"""
import base64
import json
import os
import random
import re
import resource
import signal
import socket
import ssl
import subprocess
import threading
import time

import pytest

from ircclient import BASE_CONFIG, BINARY, MKPASSWD, Client, Server, free_port

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

FULL = os.environ.get("EVIRCD_HOSTILE") == "full"
SIZES = {
    "slowloris": 5000 if FULL else 300,
    "flood_bytes": (10 if FULL else 3) << 20,
    "flood_sendq": 1 << 20 if FULL else 256 << 10,
    "burst_lines": 10000,
    "tls_stalled": 200 if FULL else 50,
    "cycles": 20000 if FULL else 1000,
    "accounts": 20 if FULL else 6,
    "klines": 100 if FULL else 20,
}


def figure(name, value, unit=""):
    """Record a measured figure (printed; appended to EVIRCD_HOSTILE_REPORT)."""
    print("figure: %s = %s %s" % (name, value, unit))
    path = os.environ.get("EVIRCD_HOSTILE_REPORT")
    if path:
        with open(path, "a") as f:
            f.write(json.dumps({"name": name, "value": value, "unit": unit,
                                "full": FULL}) + "\n")


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def sanitized():
    """Whether the server under test is an ASan build (its RSS does not come back)."""
    try:
        out = subprocess.run(["ldd", BINARY], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        return True
    return "libasan" in out


def raise_nofile(want):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def one_of(*commands):
    return lambda m: m.command in commands


def percentile(values, p):
    values = sorted(values)
    if not values:
        return float("nan")
    return values[min(len(values) - 1, int(round(p / 100.0 * (len(values) - 1))))]


class HostileServer(Server):
    """Server with a descriptor limit and ASan's quarantine off (RSS figures)."""

    def __init__(self, directory, extra="", nofile=None, tls_port=None, klass=None, auth=""):
        self.klass = klass or {}  # [class default] keys to change
        self.auth = auth          # blocks to put before [auth everyone]
        super().__init__(directory, extra, tls_port=tls_port)
        self.nofile = nofile

    def write_config(self, extra):
        text = BASE_CONFIG.format(port=self.port)
        for k, v in self.klass.items():
            text = re.sub(r"(?m)^%s = .*$" % k, "%s = %s" % (k, v), text, count=1)
        text = text.replace("[auth everyone]", self.auth + "[auth everyone]")
        with open(self.conf, "w") as f:
            f.write(text)
            f.write(extra)

    def start(self):
        log = os.path.join(self.dir, "stderr.%d.log" % len(self.logs))
        self.logs.append(log)
        self.stderr = open(log, "w")
        env = dict(os.environ)
        env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "detect_leaks=1") + \
            ":quarantine_size_mb=0:thread_local_quarantine_size_kb=0"
        nofile = self.nofile

        def limit():
            if nofile:
                resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))

        self.proc = subprocess.Popen([BINARY, "-c", self.conf], stderr=self.stderr,
                                     stdout=subprocess.DEVNULL, env=env, preexec_fn=limit,
                                     cwd=self.dir)
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("evircd exited: %s" % self.log_text())
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("evircd did not listen: %s" % self.log_text())


@pytest.fixture
def hostile_server(tmp_path):
    started = []

    def make(extra="", **kw):
        d = tmp_path / ("h%d" % len(started))
        d.mkdir()
        s = HostileServer(d, extra, **kw)
        started.append(s)
        return s.start()

    yield make
    for s in started:
        s.stop()


class Witness:
    """A user in #witness and its partner: service is checked, not assumed."""

    def __init__(self, srv, port=None, tls=False):
        port = port or srv.port
        self.w = Client(port, tls=tls).register("witness")
        self.peer = Client(port, tls=tls).register("wpeer")
        for c in (self.w, self.peer):
            c.send("JOIN #witness")
            c.expect("366")
        self.w.expect(lambda m: m.command == "JOIN" and m.nick == "wpeer")
        self.seq = 0
        self.pings = 0

    def ping(self, timeout=10):
        """One PING round trip of the witness, in seconds."""
        self.pings += 1
        token = "wping%d" % self.pings
        t0 = time.monotonic()
        self.w.send("PING :%s" % token)
        self.w.expect(lambda m: m.command == "PONG" and m.params[-1] == token, timeout=timeout)
        return time.monotonic() - t0

    def check(self, count=3, timeout=10):
        """PING answered; count numbered messages from the partner, in order."""
        self.ping(timeout)
        first = self.seq
        for i in range(count):
            self.peer.send("PRIVMSG #witness :seq %d" % (first + i))
        self.seq += count
        got = []
        while len(got) < count:
            m = self.w.expect(lambda m: m.command == "PRIVMSG" and m.nick == "wpeer",
                              timeout=timeout)
            got.append(int(m.params[-1].split()[1]))
        assert got == list(range(first, first + count)), got

    def drain_peer(self):
        """Discard what reached the partner (it only talks): a member that
        never read would hold the flood in its own sendq."""
        s = self.peer.sock
        s.setblocking(False)
        try:
            while s.recv(1 << 20):
                pass
        except (BlockingIOError, OSError):
            pass
        finally:
            s.settimeout(5)
        self.peer.buf = b""

    def close(self):
        self.w.close()
        self.peer.close()


def closed_within(sock, timeout):
    """Read until EOF/reset; True when the server closed within timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            data = sock.recv(65536)
        except socket.timeout:
            return False
        except (ConnectionError, OSError):
            return True
        if not data:
            return True
    return False


# --------------------------------------------------------------------------
# Bad lines


def test_overlong_lines_with_and_without_newline(make_server):
    srv = make_server()
    wit = Witness(srv)
    h = srv.client().register("longline")
    for n in (600, 4000, 12000):  # within recvq: 417 each, the connection goes on
        h.sock.sendall(b"PRIVMSG #witness :" + b"x" * n + b"\r\n")
        assert h.expect(one_of("417", "PRIVMSG")).command == "417"
        wit.check()
    h.send("PING :still here")
    assert h.expect("PONG").params[-1] == "still here"
    # over the recvq (16 KB) with a newline at the end, then without any
    for tail in (b"\r\n", b""):
        h2 = srv.client().register("longline%d" % len(tail))
        try:
            h2.sock.sendall(b"PRIVMSG #witness :" + b"y" * 40000 + tail)
        except OSError:
            pass
        lines = []
        try:
            while True:
                lines.append(h2.recv(5))
        except (ConnectionError, TimeoutError, OSError):
            pass
        assert any(m.command == "ERROR" for m in lines), lines
        wit.check()
    # nothing of it reached the channel
    assert not any("xxxx" in m.line or "yyyy" in m.line for m in wit.w.quiet(0.2))


def test_nul_byte_never_relayed(make_server):
    srv = make_server()
    wit = Witness(srv)
    h = srv.client().register("nul")
    h.send("JOIN #witness")
    h.expect("366")
    h.sock.sendall(b"PRIVMSG #witness :before\x00after\r\n")
    wit.check()
    h.sock.sendall(b"PRIVMSG #witness :clean\r\n")
    m = wit.w.expect(lambda m: m.command == "PRIVMSG" and m.nick == "nul")
    assert m.params[-1] == "clean"  # the NUL line was not relayed, in part or whole


def test_bare_cr_never_reaches_a_member(make_server):
    """A member never receives a CR that is not the end of a line (nethard fix)."""
    srv = make_server()
    wit = Witness(srv)
    h = srv.client().register("barecr")
    h.send("JOIN #witness")
    h.expect("366")
    wit.w.expect(lambda m: m.command == "JOIN" and m.nick == "barecr")
    h.sock.sendall(b"PRIVMSG #witness :bare\rPRIVMSG #witness :second\r\n")
    h.sock.sendall(b"PRIVMSG #witness :trailing cr\r\r\n")
    h.sock.sendall(b"PRIVMSG #witness :\rleading cr\r\n")
    h.sock.sendall(b"NICK bare\rcr\r\n")
    h.sock.sendall(b"PRIVMSG #witness :endmarker\r\n")
    raw = wit.w.buf
    wit.w.buf = b""
    deadline = time.monotonic() + 10
    while b"endmarker" not in raw and time.monotonic() < deadline:
        wit.w.sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            data = wit.w.sock.recv(65536)
        except socket.timeout:
            break
        if not data:
            break
        raw += data
    assert b"endmarker" in raw, raw
    cut = raw.index(b"endmarker")
    bad = re.findall(rb"[^\n]*\r(?!\n)[^\n]*", raw[:cut])
    assert not bad, "a CR inside a line reached a member: %r" % bad
    wit.w.buf = raw[raw.index(b"\n", cut) + 1:] if b"\n" in raw[cut:] else b""
    wit.check()


def test_invalid_utf8(make_server):
    srv = make_server()
    wit = Witness(srv)
    h = srv.client().register("badutf")
    h.send("JOIN #witness")
    h.expect("366")
    for payload in (b"\xc3\x28", b"\xff\xfe", b"\xe2\x82", b"\xed\xa0\x80", b"ok\xf4\x90\x80\x80"):
        h.sock.sendall(b"PRIVMSG #witness :" + payload + b"\r\n")
        h.sock.sendall(b"TOPIC #witness :" + payload + b"\r\n")
        h.sock.sendall(b"NICK \xc3\x28" + payload + b"\r\n")
    wit.check()
    h.send("PING :alive")
    assert h.expect("PONG").params[-1] == "alive"


def test_half_close_processes_full_lines_then_closes(make_server):
    srv = make_server()
    wit = Witness(srv)
    # registered: one full line, one partial, then shutdown(SHUT_WR)
    h = srv.client().register("halfclose")
    h.send("JOIN #witness")
    h.expect("366")
    h.sock.sendall(b"PRIVMSG #witness :the full line\r\nPRIVMSG #witness :the partial")
    h.sock.shutdown(socket.SHUT_WR)
    m = wit.w.expect(lambda m: m.command == "PRIVMSG" and m.nick == "halfclose")
    assert m.params[-1] == "the full line"
    q = wit.w.expect(lambda m: m.command == "QUIT" and m.nick == "halfclose")
    assert "partial" not in q.line
    assert closed_within(h.sock, 10), "server kept a half-closed connection open"
    # unregistered: NICK/USER then half-close: registered (or not), then closed
    u = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
    u.sendall(b"NICK halfreg\r\nUSER u 0 * :r\r\nPING :x")
    u.shutdown(socket.SHUT_WR)
    assert closed_within(u, 10)
    u.close()
    # unterminated input alone
    v = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
    v.sendall(b"NICK no_newline_ever")
    v.shutdown(socket.SHUT_WR)
    assert closed_within(v, 10)
    v.close()
    wit.check()
    assert not any("partial" in m.line for m in wit.w.quiet(0.2))


# --------------------------------------------------------------------------
# Load from one or many


def test_slowloris_while_a_new_client_registers(hostile_server):
    n = SIZES["slowloris"]
    timeout = 4
    have = raise_nofile(n + 200)
    if have < n + 100:
        pytest.skip("descriptor limit %d too low for %d sockets" % (have, n))
    srv = hostile_server(klass={"connection_timeout": timeout})
    wit = Witness(srv)
    slow = []
    try:
        for i in range(n):
            s = socket.socket()
            s.setblocking(False)
            try:
                s.connect(("127.0.0.1", srv.port))
            except BlockingIOError:
                pass
            slow.append(s)
        # NICK, then a USER whose realname never ends: a byte every 0.2 s on
        # every socket, no newline after the first, until the server drops it
        text = [b"NICK slowpoke%d\r\nUSER u 0 * :r" % i + b"r" * 400 for i in range(n)]
        t0 = time.monotonic()
        registered = {}

        def newcomer():
            t = time.monotonic()
            c = Client(srv.port).register("newcomer")
            registered["s"] = time.monotonic() - t
            c.close()

        th = threading.Thread(target=newcomer)
        left = set(range(n))
        pos = 0
        deadline = t0 + timeout + 20
        while left and time.monotonic() < deadline:
            for i in list(left):
                try:
                    data = slow[i].recv(4096)
                    if not data:
                        left.discard(i)
                        continue
                except BlockingIOError:
                    pass
                except OSError:
                    left.discard(i)
                    continue
                try:
                    slow[i].send(text[i][pos:pos + 1])
                except (BlockingIOError, OSError):
                    pass
            pos += 1
            if pos == 5:  # every slow socket is mid-line: a newcomer registers
                th.start()
                th.join(15)
                assert "s" in registered, "the newcomer did not register under slowloris"
                wit.check()
            time.sleep(0.2)
        figure("slowloris_register_s_%d" % n, round(registered["s"], 4), "s")
        assert registered["s"] < 10  # generous: the figure is what counts
        figure("slowloris_dropped_%d" % n, n - len(left))
        assert not left, "%d slow sockets still open after the registration timeout" % len(left)
        wit.check()
    finally:
        for s in slow:
            if s is not None:
                s.close()


def test_non_reading_member_of_a_flooded_channel(hostile_server):
    sendq = SIZES["flood_sendq"]
    total = SIZES["flood_bytes"]
    # the witness reads everything: room for the whole flood; the non-reader
    # gets a class of its own with the small sendq
    # history off: its sqlite cache would be in the RSS figure, which is about queues
    srv = hostile_server(
        "\n[history]\nenabled = no\n",
        klass={"sendq": total + (1 << 20)},
        auth="[class slow]\nsendq = %d\nrecvq = 16384\nping_frequency = 120\n"
             "connection_timeout = 10\nflood_rate = 0\nmax_per_ip = 0\nthrottle_count = 0\n\n"
             "[auth slow]\nmask = *sleepy@*\nclass = slow\n\n" % sendq)
    wit = Witness(srv)
    pid = srv.proc.pid
    flooder = Client(srv.port).register("flooder")
    flooder.send("JOIN #witness")
    flooder.expect("366")
    # a small receive window, set before connect(), so the kernel cannot
    # absorb the flood for it
    sleeper = socket.socket()
    sleeper.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sleeper.settimeout(10)
    sleeper.connect(("127.0.0.1", srv.port))
    sleeper.sendall(b"NICK sleeper\r\nUSER sleepy 0 * :r\r\nJOIN #witness\r\n")
    got = b""
    while b" 366 sleeper " not in got:
        data = sleeper.recv(4096)
        assert data, got
        got += data
    wit.w.expect(lambda m: m.command == "JOIN" and m.nick == "sleeper")
    rss_before = rss_kb(pid)
    body = "z" * 400
    per_line = len("PRIVMSG #witness :12345678 ") + len(body) + 2
    lines = total // per_line
    batch = 200
    seen = 0
    quit_reason = None
    for start in range(0, lines, batch):
        chunk = "".join("PRIVMSG #witness :%08d %s\r\n" % (i, body)
                        for i in range(start, min(lines, start + batch)))
        flooder.sock.sendall(chunk.encode())
        wit.drain_peer()
        want = min(lines, start + batch)
        while seen < want:
            m = wit.w.expect(lambda m: (m.command == "PRIVMSG" and m.nick == "flooder")
                             or (m.command == "QUIT" and m.nick == "sleeper"), timeout=20)
            if m.command == "QUIT":
                quit_reason = m.params[-1]
                continue
            n = int(m.params[-1].split()[0])
            assert n == seen, "witness got line %d, expected %d" % (n, seen)
            seen += 1
    wit.check()
    if quit_reason is None:
        m = wit.w.expect(lambda m: m.command == "QUIT" and m.nick == "sleeper", timeout=10)
        quit_reason = m.params[-1]
    assert "SendQ exceeded" in quit_reason, quit_reason
    sleeper.close()
    wit.drain_peer()
    flooder.close()
    time.sleep(2.5)  # the server gives memory back on its once-a-second housekeeping
    rss_after = rss_kb(pid)
    figure("flood_lines_in_order", seen)
    figure("flood_rss_before_kb", rss_before, "KB")
    figure("flood_rss_after_kb", rss_after, "KB")
    if not sanitized():
        # Returns near where it was: not the flood's size, give or take allocator slack.
        assert rss_after - rss_before < max(8192, total // 1024 // 2), (rss_before, rss_after)
    wit.check()


def test_ten_thousand_lines_at_once(make_server):
    srv = make_server()
    wit = Witness(srv)
    h = Client(srv.port).register("burster")
    sink = Client(srv.port).register("sink")
    for c in (h, sink):
        c.send("JOIN #burst")
        c.expect("366")
    n = SIZES["burst_lines"]
    data = "".join("PRIVMSG #burst :burst line %d\r\n" % i for i in range(n)).encode()
    got = {"n": 0}
    done = threading.Event()

    def drain_sink():
        try:
            while got["n"] < n:
                m = sink.recv(20)
                if m.command == "PRIVMSG":
                    got["n"] += 1
        except (TimeoutError, ConnectionError, OSError):
            pass
        done.set()

    reader = threading.Thread(target=drain_sink)
    reader.start()
    sender = threading.Thread(target=lambda: h.sock.sendall(data))
    sender.start()
    rtts = []
    while not done.is_set():
        rtts.append(wit.ping())
    sender.join(30)
    reader.join(30)
    assert got["n"] == n, "sink got %d of %d" % (got["n"], n)
    p50, p99 = percentile(rtts, 50) * 1000, percentile(rtts, 99) * 1000
    figure("burst10k_witness_ping_p50_ms", round(p50, 2), "ms")
    figure("burst10k_witness_ping_p99_ms", round(p99, 2), "ms")
    figure("burst10k_witness_pings", len(rtts))
    assert p99 < 2000  # liveness only; the real figure goes to doc/hardening.md
    wit.check()


def test_descriptor_exhaustion(hostile_server):
    """Under a 64-descriptor limit: clean refusals, no busy loop, service after."""
    srv = hostile_server(nofile=64)
    wit = Witness(srv)
    pid = srv.proc.pid
    held = []
    refused = 0
    try:
        # users who QUIT but never close their end: the server's lingering
        # closes hold descriptors the connection count no longer sees
        for i in range(20):
            s = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
            s.sendall(b"NICK linger%d\r\nUSER u 0 * :r\r\nQUIT :gone\r\n" % i)
            held.append(s)
        for _ in range(120):  # far more than fit
            s = socket.socket()
            s.settimeout(5)
            try:
                s.connect(("127.0.0.1", srv.port))
            except OSError:
                refused += 1
                s.close()
                continue
            held.append(s)
        time.sleep(0.5)
        cpu0, t0 = cpu_seconds(pid), time.monotonic()
        time.sleep(3.0)  # at the limit: the loop should sleep
        busy = (cpu_seconds(pid) - cpu0) / (time.monotonic() - t0)
        figure("fd_exhaustion_cpu_fraction", round(busy, 3))
        assert busy < 0.5, "server busy at the descriptor limit (%.0f%% CPU)" % (busy * 100)
        # those refused were told (ERROR) or closed; none hang open unserved forever
        answered = 0
        for s in held:
            s.settimeout(0.05)
            try:
                data = s.recv(4096)
                if not data or b"ERROR" in data:
                    answered += 1
            except socket.timeout:
                pass
            except OSError:
                answered += 1
        figure("fd_exhaustion_refused", answered + refused)
        assert answered + refused > 0, "nobody was refused at 64 descriptors"
        # the operator is told once the server is full (issue 11)
        said = [l for l in srv.log_text().splitlines()
                if re.search(r"(?i)\bfull\b|out of file descriptors", l)]
        assert said, "no log line when the server became full:\n" + srv.log_text()[-2000:]
        wit.check()
    finally:
        for s in held:
            s.close()
    # accepting again once the sockets are gone
    deadline = time.monotonic() + 15
    while True:
        try:
            c = Client(srv.port).register("afterwards")
            break
        except (AssertionError, OSError, ConnectionError, TimeoutError):
            assert time.monotonic() < deadline, "not accepting after the sockets closed"
            time.sleep(0.5)
    c.send("PING :back")
    assert c.expect("PONG").params[-1] == "back"
    c.close()
    wit.check()


# --------------------------------------------------------------------------
# TLS


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    d = tmp_path_factory.mktemp("hostile-certs")
    subprocess.check_call(["sh", os.path.join(ROOT, "tools", "mkcert"), str(d / "server")],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return str(d)


def test_tls_garbage_and_stalled_handshakes(hostile_server, certs):
    n = SIZES["tls_stalled"]
    raise_nofile(n + 200)
    tls_port = free_port()
    srv = hostile_server("\n[listen tls]\nhost = 127.0.0.1\nport = %d\ntls = yes\n"
                         "[tls]\ncertificate = %s/server/cert.pem\nkey = %s/server/key.pem\n"
                         % (tls_port, certs, certs), tls_port=tls_port,
                         klass={"connection_timeout": 4})
    wit = Witness(srv)
    rng = random.Random(11)
    garbage = []
    for i in range(10):
        s = socket.create_connection(("127.0.0.1", tls_port), timeout=5)
        blob = bytes(rng.randrange(256) for _ in range(rng.choice([1, 5, 300, 5000])))
        if i == 0:  # a plausible record header announcing a huge record
            blob = b"\x16\x03\x01\xff\xff" + blob
        if i == 1:  # plain IRC on the TLS port
            blob = b"NICK plain\r\nUSER u 0 * :r\r\n"
        try:
            s.sendall(blob)
        except OSError:
            pass
        garbage.append(s)
    stalled = []
    for _ in range(n):  # connect and say nothing: the handshake never starts
        stalled.append(socket.create_connection(("127.0.0.1", tls_port), timeout=5))
    # half a ClientHello, then silence
    hello_ctx = ssl.create_default_context()
    hello_ctx.check_hostname = False
    hello_ctx.verify_mode = ssl.CERT_NONE
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = hello_ctx.wrap_bio(inc, out)
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    hello = out.read()
    for _ in range(5):
        s = socket.create_connection(("127.0.0.1", tls_port), timeout=5)
        s.sendall(hello[:len(hello) // 2])
        stalled.append(s)
    t0 = time.monotonic()
    tw = Client(tls_port, tls=True).register("tlswitness")
    reg = time.monotonic() - t0
    figure("tls_register_s_with_%d_stalled" % n, round(reg, 4), "s")
    assert reg < 10
    tw.send("JOIN #witness")
    tw.expect("366")
    wit.check()
    # garbage refused, stalled handshakes dropped by the timeout
    for s in garbage + stalled:
        assert closed_within(s, 15), "a TLS socket was still open after the timeout"
        s.close()
    tw.send("PING :tls alive")
    assert tw.expect("PONG").params[-1] == "tls alive"
    tw.close()
    wit.check()


# --------------------------------------------------------------------------
# CAP and SASL


def numerics(c, until, timeout=5):
    return [m for m in c.collect(until, timeout=timeout)]


def test_malformed_cap_and_sasl(make_server):
    srv = make_server()
    wit = Witness(srv)
    c = srv.client()
    c.send("CAP")
    assert c.expect(one_of("461", "410")).command in ("461", "410")
    c.send("CAP BOGUS")
    assert c.expect("410")
    c.send("CAP LS 302")
    c.expect(lambda m: m.command == "CAP" and m.params[1] == "LS" and m.params[2] != "*")
    many = " ".join("cap%d" % i for i in range(500))
    c.sock.sendall(("CAP REQ :%s\r\n" % many).encode()[:8000])
    m = c.expect(lambda m: m.command in ("CAP", "417") and (m.command == "417" or m.params[1] in ("NAK", "ACK")))
    assert m.command == "417" or m.params[1] == "NAK", m
    c.send("CAP REQ :" + " ".join(["message-tags"] * 60))
    m = c.expect(lambda m: m.command in ("CAP", "417") and (m.command == "417" or m.params[1] in ("NAK", "ACK")))
    c.send("CAP REQ :sasl")
    assert c.expect(lambda m: m.command == "CAP" and m.params[1] in ("ACK", "NAK")).params[1] == "ACK"
    # 400-byte chunks: exactly 400 means more follows; the whole is garbage PLAIN
    c.send("AUTHENTICATE PLAIN")
    assert c.expect("AUTHENTICATE").params == ["+"]
    for _ in range(3):
        c.send("AUTHENTICATE " + "QUFB" * 100)
    c.send("AUTHENTICATE +")
    assert "malformed" in c.expect("904").params[-1]
    # over 400 in one chunk
    c.send("AUTHENTICATE PLAIN")
    c.expect("AUTHENTICATE")
    c.send("AUTHENTICATE " + "A" * 401)
    c.expect("905")
    # more than 8192 in all
    c.send("AUTHENTICATE PLAIN")
    c.expect("AUTHENTICATE")
    for _ in range(21):
        c.send("AUTHENTICATE " + "QUFB" * 100)
    c.expect("905")
    # base64 garbage
    c.send("AUTHENTICATE PLAIN")
    c.expect("AUTHENTICATE")
    c.send("AUTHENTICATE !!!not*base64===")
    assert "base64" in c.expect("904").params[-1]
    # abort mid-way
    c.send("AUTHENTICATE SCRAM-SHA-256")
    c.expect("AUTHENTICATE")
    c.send("AUTHENTICATE *")
    c.expect("906")
    c.send("AUTHENTICATE *")
    c.expect("904")
    # unknown mechanism
    c.send("AUTHENTICATE DIGEST-MD5")
    c.expect("908")
    c.expect("904")
    wit.check()
    # after all that the client can still register
    c.send("CAP END")
    c.send("NICK capsasl")
    c.send("USER u 0 * :r")
    c.expect("001")
    # AUTHENTICATE before CAP on another connection
    d = srv.client()
    d.send("AUTHENTICATE PLAIN")
    m = d.expect(one_of("904", "AUTHENTICATE", "451", "421"))
    assert m.command != "AUTHENTICATE", "SASL started without the sasl capability"
    d.send("AUTHENTICATE " + base64.b64encode(b"\0x\0y").decode())
    d.send("NICK beforecap")
    d.send("USER u 0 * :r")
    d.expect("001")
    wit.check()


# --------------------------------------------------------------------------
# Crash consistency


def oper_config(pw_hash):
    return ("\n[oper admin]\npassword = %s\nmask = *@127.0.0.1\nprivileges = all\n" % pw_hash)


def test_kill_9_during_account_and_kline_writes(hostile_server):
    pw_hash = subprocess.check_output([MKPASSWD, "sekrit"]).decode().strip()
    srv = hostile_server(oper_config(pw_hash))
    nacc, nk = SIZES["accounts"], SIZES["klines"]
    op = Client(srv.port).register("killop")
    op.send("OPER admin sekrit")
    op.expect("381")
    # one address may hold only a few places in the password lane: one each
    users = [Client(srv.port, source_ip="127.0.1.%d" % (i + 1)).register("acct%d" % i)
             for i in range(nacc)]
    acked_accounts, acked_klines = [], []
    # everything in flight at once; kill -9 right after the middle acknowledgement
    for i in range(nk):
        op.send("KLINE killme%d@192.0.2.%d :kill -9 test %d" % (i, i % 250 + 1, i))
    for i, u in enumerate(users):
        u.send("REGISTER * * :password-%d-long" % i)
    kill_after = nk // 2
    while len(acked_klines) < kill_after:
        m = op.expect(lambda m: m.command == "NOTICE" and "K-line" in m.params[-1], timeout=20)
        found = re.search(r"killme(\d+)@", m.params[-1])
        if found:
            acked_klines.append(int(found.group(1)))
    for i, u in enumerate(users[:nacc // 2]):
        m = u.expect(lambda m: m.command in ("REGISTER", "FAIL"), timeout=60)
        assert m.params[0] == "SUCCESS", m
        acked_accounts.append(i)
    srv.proc.send_signal(signal.SIGKILL)
    srv.proc.wait(10)
    # what else was acknowledged before the kill counts too
    for i, u in enumerate(users[nacc // 2:], nacc // 2):
        try:
            m = u.expect(lambda m: m.command in ("REGISTER", "FAIL"), timeout=0.5)
            if m.params[0] == "SUCCESS":
                acked_accounts.append(i)
        except (AssertionError, ConnectionError, OSError):
            pass
    try:
        while True:
            m = op.expect(lambda m: m.command == "NOTICE" and "K-line" in m.params[-1], timeout=0.5)
            found = re.search(r"killme(\d+)@", m.params[-1])
            if found:
                acked_klines.append(int(found.group(1)))
    except (AssertionError, ConnectionError, OSError):
        pass
    for c in users + [op]:
        c.close()
    srv.proc = None
    srv.start()
    op = Client(srv.port).register("killop2")
    op.send("OPER admin sekrit")
    op.expect("381")
    op.send("STATS k")
    present = set()
    for m in op.collect("219", timeout=10):
        if m.command == "216":
            found = re.search(r"killme(\d+)", " ".join(m.params))
            if found:
                present.add(int(found.group(1)))
    lost = sorted(set(acked_klines) - present)
    assert not lost, "acknowledged K-lines lost by kill -9: %s" % lost
    for i in acked_accounts:
        c = Client(srv.port, source_ip="127.0.1.%d" % (i + 1))
        c.send("CAP LS 302")
        c.send("CAP REQ :sasl")
        c.expect(lambda m: m.command == "CAP" and m.params[1] == "ACK")
        c.send("AUTHENTICATE PLAIN")
        c.expect("AUTHENTICATE")
        blob = base64.b64encode(("\0acct%d\0password-%d-long" % (i, i)).encode()).decode()
        c.send("AUTHENTICATE " + blob)
        m = c.expect(one_of("903", "904"), timeout=30)
        assert m.command == "903", "acknowledged account acct%d lost by kill -9: %s" % (i, m)
        c.close()
    figure("kill9_acked_klines", len(set(acked_klines)))
    figure("kill9_acked_accounts", len(acked_accounts))
    op.close()


# --------------------------------------------------------------------------
# Churn


def test_connect_register_quit_cycles_flat_rss(hostile_server):
    n = SIZES["cycles"]
    srv = hostile_server()
    wit = Witness(srv)
    pid = srv.proc.pid
    tenth = max(1, n // 10)
    marks = {}
    batch = 20
    done = 0
    while done < n:
        socks = []
        for i in range(min(batch, n - done)):
            s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
            s.sendall(b"NICK cyc%d\r\nUSER u 0 * :r\r\nQUIT :bye\r\n" % (done + i))
            socks.append(s)
        for s in socks:
            closed_within(s, 10)
            s.close()
        done += len(socks)
        if done >= tenth and "first" not in marks:
            marks["first"] = rss_kb(pid)
        if done % (tenth * 3) < batch:
            wit.check(1)
    time.sleep(0.5)
    marks["last"] = rss_kb(pid)
    growth = marks["last"] - marks["first"]
    figure("cycles_%d_rss_first10pct_kb" % n, marks["first"], "KB")
    figure("cycles_%d_rss_last_kb" % n, marks["last"], "KB")
    assert growth < max(4096, marks["first"] // 5), \
        "RSS grew %d KB over %d cycles (%d -> %d)" % (growth, n, marks["first"], marks["last"])
    wit.check()
