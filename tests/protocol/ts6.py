"""TS6 link test harness: a fake TS6 server (Ts6Peer) and a real ircd-hybrid (Hybrid).

A linking test puts evircd on one side of a server link and, on the other,
either a Ts6Peer, which the test drives line by line, or a real ircd-hybrid
8.2 from Debian. Ts6Peer speaks both dialects of ../shared/ts6/dialects.md:
"hybrid" (PASS pw / CAPAB / 5-param SERVER / SVINFO / UID / TBURST / EOB) and
"charybdis" (PASS pw TS 6 :SID / CAPAB with EUID / 3-param SERVER / EUID / TB,
burst end by the PONG). Fixtures (conftest.py): ts6_peer, hybrid; evircd is
make_server's, with the [listen servers] and [link] sections of issue 10.

    # evircd listens for servers on `port`; a peer dials it
    peer = ts6_peer("peer.test", "9PE", password="linkpass", dialect="hybrid")
    bob = peer.user("bob")                     # a User with a UID (9PEAA0001...)
    peer.connect(port).link(users=[bob], channels=[Channel("#c", members={bob: "@"})])
    alice = peer.uid_of("alice")               # evircd's burst, tracked
    c.send("PRIVMSG bob :hi")                  # c: a Client on evircd
    peer.expect("PRIVMSG", source=alice, params=[bob.uid, "hi"])
    peer.send(":%s PRIVMSG %s :hello" % (bob.uid, alice))
    peer.squit("bye")                          # evircd's users see the netsplit

    # or evircd dials the peer: port = peer.listen() goes in its [link]
    # block, then peer.accept().link(...)

link() is handshake + burst + end of burst; it returns once both bursts are
done (the far side answered the PING sent after our burst, so it read it
all). Every received line is kept in peer.lines (parsed: Line); expect() moves
a cursor over them and fails listing what came instead; sync() round-trips a
PING. A reader thread answers PINGs, so an idle peer stays linked. Lines in
either dialect are built by server_line/user_line/channel_lines, anything else
goes through send().

    h = hybrid(name="hybrid.test", sid="1HY",  # a real hybrid for the test
               connect={"name": "irc.test", "port": evircd_link_port},
               service="services.test")
    h.connect_now("irc.test")                  # an oper's CONNECT: hybrid dials
    # ...or evircd dials h.port (hybrid's one listener takes clients and servers)
    c = h.client().register("alice")           # a conftest Client on hybrid
    h.log()                                    # its output and ircd.log

connect {} with "autoconn": True is rendered, but hybrid first tries it 15 s
after start (then every 15 s): tests that need a link at once use
connect_now(). Hybrid is Debian's package, fetched with `apt-get download`
and unpacked with `dpkg -x` into tests/.cache/ (it conflicts with ngircd;
tests-load/.peers is reused when compare unpacked it already). It refuses
root and always resolves client hosts, so it runs as nobody in a private mount
namespace whose /etc/resolv.conf names a loopback NXDOMAIN responder of ours.
Everything stays on 127.0.0.0/8; processes are stopped by PID; waits are bounded.
"""
import itertools
import os
import pwd
import random
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field

TIMEOUT = 5.0  # longest wait for one expected line or event

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CACHE = os.path.join(ROOT, "tests", ".cache")

HYBRID_CAPAB = "MLOCK KNOCK KLN TBURST RESYNC ENCAP UNKLN DLN UNDLN RHOST CLUSTER EOB HOP"
CHARYBDIS_CAPAB = "QS EX IE ENCAP TB EUID SERVICES"


# --------------------------------------------------------------------------
# Lines


class Line:
    """One parsed TS6 line: tags (dict), source, command, params (list)."""

    __slots__ = ("raw", "tags", "source", "command", "params")

    def __init__(self, raw):
        self.raw = raw
        self.tags = {}
        self.source = None
        rest = raw
        if rest.startswith("@"):
            tags, _, rest = rest[1:].partition(" ")
            for item in tags.split(";"):
                k, _, v = item.partition("=")
                if k:
                    self.tags[k] = v
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

    def __repr__(self):
        return "<%s>" % self.raw

    def __str__(self):
        return self.raw


def matcher(what=None, source=None, params=None):
    """A predicate on Line: what is a command ('EOB', '461'), a tuple of
    them or a callable; params is a prefix of the expected params, None
    standing for any value."""
    if callable(what):
        pred = what
    elif what is None:
        pred = lambda l: True
    else:
        wanted = {what.upper()} if isinstance(what, str) else {w.upper() for w in what}
        pred = lambda l: l.command in wanted

    def match(l):
        if not pred(l) or (source is not None and l.source != source):
            return False
        if params is not None:
            if len(l.params) < len(params):
                return False
            return all(p is None or p == q for p, q in zip(params, l.params))
        return True

    return match


# --------------------------------------------------------------------------
# What a burst is made of


_uids = itertools.count(1)


@dataclass(eq=False)  # hashable by identity: a User may key Channel.members
class User:
    """A user on the peer's side; uid is made from the peer's SID at burst
    time when not given (sid + 'AA' + 4 digits: a letter first, as TS6 asks)."""

    nick: str
    user: str = "peeruser"
    host: str = "peer.example"
    ip: str = "127.0.0.1"
    gecos: str = "Ts6Peer user"
    umodes: str = "+i"
    ts: int = field(default_factory=lambda: int(time.time()))
    account: str = "*"
    realhost: str = None
    uid: str = None
    sid: str = None  # the server the user is on (default: the peer itself)
    hops: int = 1


@dataclass
class Server:
    """A server behind the peer, introduced with SID in the burst."""

    name: str
    sid: str
    description: str = "behind the Ts6Peer"
    hops: int = 2


@dataclass
class Channel:
    """A channel in the burst: members map a UID or a User -> its status
    prefixes ('@', '+', '' for none)."""

    name: str
    ts: int = field(default_factory=lambda: int(time.time()))
    modes: str = "+nt"
    members: dict = field(default_factory=dict)
    bans: list = field(default_factory=list)
    topic: str = None
    topic_setter: str = "peer.test"
    topic_ts: int = None


# --------------------------------------------------------------------------
# The fake server


class LinkError(AssertionError):
    pass


class Ts6Peer:
    """A fake TS6 server on loopback, speaking dialect 'hybrid' or 'charybdis'.

    After connect() or accept(), a reader thread parses every line into
    self.lines, answers PINGs addressed to us and tracks the far side's
    users and servers (self.users: uid -> nick, self.servers: sid -> name).
    Tag values in Line.tags are kept as sent (escaped).
    """

    def __init__(self, name="peer.test", sid="9PE", password="linkpass", dialect="hybrid",
                 accept_password=None, description="evircd test peer", capab=None):
        if dialect not in ("hybrid", "charybdis"):
            raise ValueError("dialect: hybrid or charybdis, not %r" % dialect)
        self.name, self.sid, self.dialect = name, sid, dialect
        self.password = password
        self.accept_password = password if accept_password is None else accept_password
        self.description = description
        self.capab = capab or (HYBRID_CAPAB if dialect == "hybrid" else CHARYBDIS_CAPAB)
        self.sock = None
        self.listener = None
        self.lines = []      # every Line received, in order
        self.sent = []       # every line sent, for failure messages
        self.cursor = 0      # expect() looks from here on
        self.closed = False  # the far side closed (or we did)
        self.remote = {}     # what the far side said in PASS/CAPAB/SERVER/SVINFO
        self.users = {}      # far side's users: uid -> nick
        self.servers = {}    # far side's servers: sid -> name
        self.uplinks = {}    # sid -> the sid that introduced it (for SQUIT)
        self.auto_pong = True
        self._cond = threading.Condition()
        self._send_lock = threading.Lock()  # the reader thread PONGs too
        self._reader = None
        self.initiator = None  # True: we dialled; False: we accepted

    # -- transport

    def connect(self, port, host="127.0.0.1", timeout=TIMEOUT):
        """Dial a server listener; the connecting side speaks first."""
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self._start_reader()
        self.initiator = True
        return self

    def listen(self, host="127.0.0.1"):
        """Open a listener on a free loopback port; returns the port."""
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind((host, 0))
        self.listener.listen(4)
        return self.listener.getsockname()[1]

    def accept(self, timeout=TIMEOUT):
        """Wait for the far side to dial our listener (one connection)."""
        self.listener.settimeout(timeout)
        try:
            self.sock, _ = self.listener.accept()
        except socket.timeout:
            raise LinkError("%s: no connection to our listener within %s s" % (self.name, timeout)) from None
        self._start_reader()
        self.initiator = False
        return self

    def _start_reader(self):
        self.sock.settimeout(None)
        self._reader = threading.Thread(target=self._read_loop, name="ts6-" + self.name, daemon=True)
        self._reader.start()

    def _read_loop(self):
        buf = b""
        while True:
            try:
                data = self.sock.recv(65536)
            except OSError:
                data = b""
            if not data:
                with self._cond:
                    self.closed = True
                    self._cond.notify_all()
                return
            buf += data
            while b"\n" in buf:
                raw, _, buf = buf.partition(b"\n")
                line = Line(raw.rstrip(b"\r").decode("utf-8", "replace"))
                self._track(line)
                with self._cond:
                    self.lines.append(line)
                    self._cond.notify_all()

    def _track(self, l):
        """Keep what tests ask about: who the far side is, its users, PINGs."""
        c, p = l.command, l.params
        if c == "PING" and self.auto_pong and p:
            # PING :origin, or :src PING origin :dest -- answer those for us
            if len(p) < 2 or p[1] in (self.sid, self.name):
                self.send(":%s PONG %s :%s" % (self.sid, self.name, l.source or p[0]))
        elif c == "PASS" and not self.remote.get("server"):
            self.remote["password"] = p[0] if p else None
            if len(p) >= 4 and p[1] == "TS":
                self.remote["sid"] = p[3]
        elif c == "CAPAB" and p:
            self.remote["capab"] = p[-1].split()
        elif c == "SERVER" and not self.remote.get("server"):
            self.remote["server"] = p[0] if p else None
            if len(p) >= 5:  # hybrid: name hops sid +flags :desc
                self.remote["sid"] = p[2]
            if self.remote.get("sid"):
                self.servers[self.remote["sid"]] = p[0]
        elif c == "SVINFO":
            self.remote["svinfo"] = p
        elif c == "SID" and len(p) >= 3:
            self.servers[p[2]] = p[0]
            self.uplinks[p[2]] = l.source
        elif c == "SQUIT" and p:
            self._forget_server(p[0])
        elif c == "UID" and len(p) >= 8:
            self.users[p[7] if len(p) < 11 else p[8]] = p[0]
        elif c == "EUID" and len(p) >= 8:
            self.users[p[7]] = p[0]
        elif c == "NICK" and l.source in self.users and p:
            self.users[l.source] = p[0]
        elif c == "SAVE" and p and p[0] in self.users:  # charybdis: the nick becomes the UID
            self.users[p[0]] = p[0]
        elif c == "QUIT" and l.source in self.users:
            del self.users[l.source]
        elif c == "KILL" and p:
            self.users.pop(p[0], None)

    def _forget_server(self, sid):
        """A split: the server, the servers behind it and all their users."""
        for behind in [s for s, up in self.uplinks.items() if up == sid]:
            self._forget_server(behind)
        self.servers.pop(sid, None)
        self.uplinks.pop(sid, None)
        for uid in [u for u in self.users if u.startswith(sid)]:
            del self.users[uid]

    def send(self, line):
        """Send one line (CRLF added)."""
        try:
            with self._send_lock:
                self.sent.append(line)
                self.sock.sendall(line.encode("utf-8") + b"\r\n")
        except OSError as e:
            raise LinkError("%s: send failed (%s): %s" % (self.name, e, line)) from None

    def close(self):
        """Close the link and the listener (idempotent)."""
        for s in (self.sock, self.listener):
            if s is not None:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()
        if self._reader is not None:
            self._reader.join(TIMEOUT)
        self.closed = True

    # -- waiting

    def _wait(self, pred, timeout, start, what):
        """(index, line) of the first line from start on that matches."""
        deadline = time.monotonic() + timeout
        with self._cond:
            i = start
            while True:
                while i < len(self.lines):
                    if pred(self.lines[i]):
                        return i, self.lines[i]
                    i += 1
                left = deadline - time.monotonic()
                if self.closed or left <= 0:
                    raise LinkError("%s: %s waiting for %s; received:\n  %s" % (
                        self.name, "link closed" if self.closed else "timed out", what,
                        self.transcript(start)))
                self._cond.wait(left)

    def expect(self, what=None, timeout=TIMEOUT, source=None, params=None):
        """The first line from the cursor on that matches; the cursor moves past it.

        what/source/params as in matcher(). Fails with the lines seen instead.
        """
        i, line = self._wait(matcher(what, source, params), timeout, self.cursor,
                             _describe(what, source, params))
        self.cursor = i + 1
        return line

    def wait_closed(self, timeout=TIMEOUT):
        """Wait until the far side closes the link; the lines that came."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not self.closed:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise LinkError("%s: link still open after %s s; received:\n  %s"
                                    % (self.name, timeout, self.transcript()))
                self._cond.wait(left)
            return self.lines[self.cursor:]

    def transcript(self, start=0, last=40):
        """Lines received from start on (at most the last 40), for failure messages."""
        lines = self.lines[start:]
        cut = ["... %d lines ..." % (len(lines) - last)] if len(lines) > last else []
        return "\n  ".join(cut + [l.raw for l in lines[-last:]]) or "(nothing)"

    def uid_of(self, nick):
        """The far side's UID for nick (from its burst or later UIDs)."""
        for uid, n in self.users.items():
            if n.lower() == nick.lower():
                return uid
        raise LinkError("%s: no user %s on the far side; known: %s" % (self.name, nick, self.users))

    # -- handshake

    def intro(self):
        """PASS, CAPAB and SERVER in our dialect."""
        if self.dialect == "hybrid":
            self.send("PASS %s" % self.password)
            self.send("CAPAB :%s" % self.capab)
            self.send("SERVER %s 1 %s + :%s" % (self.name, self.sid, self.description))
        else:
            self.send("PASS %s TS 6 :%s" % (self.password, self.sid))
            self.send("CAPAB :%s" % self.capab)
            self.send("SERVER %s 1 :%s" % (self.name, self.description))

    def svinfo(self):
        if self.dialect == "hybrid":
            self.send(":%s SVINFO 6 6 0 :%d" % (self.sid, time.time()))
        else:
            self.send("SVINFO 6 6 0 :%d" % time.time())

    def handshake(self, timeout=TIMEOUT):
        """Exchange PASS/CAPAB/SERVER and SVINFO, in the order hybrid uses:
        the connecting side sends its intro and waits for the far side's
        SERVER; the accepting side waits for the far side's SERVER, then
        answers with its intro. Both then send SVINFO."""
        if self.initiator:
            self.intro()
        server = self.expect("SERVER", timeout)
        if self.remote.get("password") != self.accept_password:
            raise LinkError("%s: far side sent password %r, expected %r" % (
                self.name, self.remote.get("password"), self.accept_password))
        if not self.initiator:
            self.intro()
        self.svinfo()
        self.expect("SVINFO", timeout)
        return server

    # -- burst

    def _uid(self, u):
        if u.uid is None:
            u.uid = "%sAA%04d" % (self.sid, next(_uids) % 10000)
        return u.uid

    def server_line(self, s):
        if self.dialect == "hybrid":
            return ":%s SID %s %d %s + :%s" % (self.sid, s.name, s.hops, s.sid, s.description)
        return ":%s SID %s %d %s :%s" % (self.sid, s.name, s.hops, s.sid, s.description)

    def user_line(self, u):
        uid, sid, real = self._uid(u), u.sid or self.sid, u.realhost or u.host
        if self.dialect == "hybrid":
            return ":%s UID %s %d %d %s %s %s %s %s %s %s :%s" % (
                sid, u.nick, u.hops, u.ts, u.umodes, u.user, u.host, real, u.ip, uid, u.account, u.gecos)
        return ":%s EUID %s %d %d %s %s %s %s %s %s %s :%s" % (  # realhost * = same as host
            sid, u.nick, u.hops, u.ts, u.umodes, u.user, u.host, u.ip, uid, u.realhost or "*", u.account, u.gecos)

    def user(self, nick, **kw):
        """A User on this peer, its UID assigned now (for Channel members)."""
        u = User(nick, **kw)
        self._uid(u)
        return u

    def channel_lines(self, c):
        members = " ".join(prefix + (m if isinstance(m, str) else self._uid(m))
                           for m, prefix in c.members.items())
        out = [":%s SJOIN %d %s %s :%s" % (self.sid, c.ts, c.name, c.modes, members)]
        if c.bans:
            out.append(":%s BMASK %d %s b :%s" % (self.sid, c.ts, c.name, " ".join(c.bans)))
        if c.topic is not None:
            topic_ts = c.topic_ts or c.ts
            if self.dialect == "hybrid":
                out.append(":%s TBURST %d %s %d %s :%s" % (self.sid, c.ts, c.name, topic_ts, c.topic_setter, c.topic))
            else:
                out.append(":%s TB %s %d %s :%s" % (self.sid, c.name, topic_ts, c.topic_setter, c.topic))
        return out

    def burst(self, servers=(), users=(), channels=()):
        """Send servers, users and channels, then end the burst: EOB (hybrid)
        and a PING whose PONG tells that the far side has read it all."""
        for s in servers:
            self.send(self.server_line(s))
        for u in users:
            self.send(self.user_line(u))
        for c in channels:
            for line in self.channel_lines(c):
                self.send(line)
        self.send("PING :%s" % self.sid)
        if self.dialect == "hybrid":
            self.send(":%s EOB" % self.sid)
            for s in servers:
                self.send(":%s EOB" % s.sid)
        return self

    def _pong_to_us(self, l):
        return l.command == "PONG" and bool(l.params) and l.params[-1] in (self.sid, self.name)

    def wait_synced(self, timeout=TIMEOUT):
        """Wait for the PONG to our end-of-burst PING (and, from a hybrid-
        dialect far side, its EOB, which it sends before reading our PING)."""
        if self.dialect == "hybrid":
            self.expect("EOB", timeout, source=self.remote.get("sid"))
        return self.expect(self._pong_to_us, timeout)

    def link(self, servers=(), users=(), channels=(), timeout=TIMEOUT):
        """Handshake, burst, and wait until both bursts are done."""
        self.handshake(timeout)
        self.burst(servers, users, channels)
        self.wait_synced(timeout)
        return self

    def sync(self, timeout=TIMEOUT):
        """Round-trip a PING: the far side has processed all we sent before.
        The cursor does not move (lines that came meanwhile stay to expect)."""
        mark = len(self.lines)
        self.send("PING :%s" % self.sid)
        return self._wait(self._pong_to_us, timeout, mark, "PONG to our PING")[1]

    # -- after the burst

    def introduce(self, user):
        """A new user after the burst (same line as in the burst)."""
        self.send(self.user_line(user))
        return user

    def squit(self, reason="Ts6Peer leaving"):
        """Leave the network: SQUIT naming the far side, ERROR, close."""
        self.send(":%s SQUIT %s :%s" % (self.sid, self.remote.get("sid") or self.remote.get("server"), reason))
        self.send("ERROR :Closing Link: %s (%s)" % (self.name, reason))
        self.close()


def _describe(what, source, params):
    if callable(what):
        what = getattr(what, "__name__", "a predicate")
    out = repr(what) if what is not None else "any line"
    if source is not None:
        out += " from %s" % source
    if params is not None:
        out += " with params %r" % (params,)
    return out


# --------------------------------------------------------------------------
# A loopback DNS responder: NXDOMAIN to every query, at once (as compare's).
# resolv.conf cannot name a port, so it takes port 53 on a loopback address
# of its own, picked at random so that parallel runs do not collide.


class DnsResponder:
    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for _ in range(50):
            addr = "127.53.%d.%d" % (random.randint(0, 255), random.randint(1, 254))
            try:
                self.sock.bind((addr, 53))
                break
            except OSError:
                continue
        else:
            raise RuntimeError("no free loopback address for a DNS responder on port 53")
        self.addr = addr
        self.sock.settimeout(0.2)  # so stop() is seen within 0.2 s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="dns-nxdomain", daemon=True)
        self._thread.start()

    def _serve(self):
        while not self._stop.is_set():
            try:
                data, peer = self.sock.recvfrom(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            if len(data) < 12:
                continue
            qid, flags, qd = struct.unpack("!HHH", data[:6])
            if flags & 0x8000:
                continue
            # echo the question, QR=1, opcode and RD kept, RA=1, RCODE=3
            i, ok = 12, qd == 1
            while ok and i < len(data) and data[i] != 0:
                i += 1 + data[i]
            question = data[12:i + 5] if ok and i + 5 <= len(data) else b""
            rflags = 0x8000 | (flags & 0x7900) | 0x0080 | 3
            try:
                self.sock.sendto(struct.pack("!HHHHHH", qid, rflags, 1 if question else 0, 0, 0, 0)
                                 + question, peer)
            except OSError:
                pass

    def stop(self):
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


# --------------------------------------------------------------------------
# ircd-hybrid from Debian, unpacked privately


def _run(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          stdin=subprocess.DEVNULL, timeout=300, **kw)


def namespace_problem():
    """Why hybrid cannot run here (no root, no mount namespaces), or None."""
    if os.geteuid() != 0:
        return "ircd-hybrid needs root (a private mount namespace, then setpriv to nobody)"
    for tool in ("unshare", "setpriv", "mount"):
        if not shutil.which(tool):
            return "%s not found (util-linux)" % tool
    try:
        r = _run(["unshare", "--mount", "--propagation", "private", "true"])
    except (OSError, subprocess.SubprocessError) as e:
        return "unshare --mount failed: %s" % e
    if r.returncode != 0:
        return "unshare --mount is not available here: %s" % r.stdout.strip()
    return None


def hybrid_root():
    """The unpacked ircd-hybrid package; fetched once with apt-get download.

    Reuses tests-load/.peers (compare's) when it has one. Raises RuntimeError
    with the reason when it cannot be had: that is a failure, not a skip.
    """
    for root in (os.path.join(ROOT, "tests-load", ".peers", "ircd-hybrid", "root"),
                 os.path.join(CACHE, "ircd-hybrid", "root")):
        if os.access(os.path.join(root, "usr", "sbin", "ircd-hybrid"), os.X_OK):
            break
    else:
        d = os.path.join(CACHE, "ircd-hybrid")
        os.makedirs(d, exist_ok=True)
        for f in os.listdir(d):
            if f.endswith(".deb"):
                os.unlink(os.path.join(d, f))
        r = _run(["apt-get", "download", "ircd-hybrid"], cwd=d)
        if r.returncode != 0:  # a fresh machine may have no package lists yet
            _run(["apt-get", "update"])
            r = _run(["apt-get", "download", "ircd-hybrid"], cwd=d)
        debs = [f for f in os.listdir(d) if f.endswith(".deb")]
        if r.returncode != 0 or not debs:
            raise RuntimeError("apt-get download ircd-hybrid failed:\n" + r.stdout[-2000:])
        shutil.rmtree(root, ignore_errors=True)
        r = _run(["dpkg", "-x", os.path.join(d, debs[0]), root])
        if r.returncode != 0:
            raise RuntimeError("dpkg -x %s failed:\n%s" % (debs[0], r.stdout[-2000:]))
    binary = os.path.join(root, "usr", "sbin", "ircd-hybrid")
    missing = [l.split()[0] for l in _run(["ldd", binary]).stdout.splitlines() if "not found" in l]
    if missing:  # tools/deps.sh test installs them; say so if it did not
        raise RuntimeError("ircd-hybrid's libraries are missing (%s): run tools/deps.sh test"
                           % ", ".join(missing))
    return root


def _listening(port):
    """Is something listening on 127.0.0.1:port? Read from /proc, so that
    waiting for hybrid makes no connection it would log or throttle."""
    want = "0100007F:%04X" % port
    with open("/proc/net/tcp") as f:
        return any(l.split()[1] == want and l.split()[3] == "0A" for l in f.readlines()[1:])


HYBRID_CONF = """\
/* written by tests/protocol/ts6.py for one test */
serverinfo {{
	name = "{name}";
	sid = "{sid}";
	description = "ircd-hybrid for evircd tests";
	network_name = "TestNet";
	network_description = "evircd linking tests";
	hub = yes;
	default_max_clients = 512;
	max_nick_length = 30;
	max_topic_length = 300;
}};
admin {{ name = "test"; description = "test"; email = "<test@localhost>"; }};
class {{ name = "users"; ping_time = 2 minutes; max_number = 1000; sendq = 4 megabytes; recvq = 8000 bytes; }};
class {{ name = "server"; ping_time = 2 minutes; connectfreq = {connectfreq} seconds; max_number = 10; sendq = 16 megabytes; }};
listen {{ host = "127.0.0.1"; port = {port}; }};
auth {{ user = "*@127.0.0.0/8"; class = "users"; flags = exceed_limit, can_flood; }};
operator {{
	name = "{oper_name}";
	user = "*@127.0.0.0/8";
	password = "{oper_password}";
	encrypted = no;
	class = "users";
	flags = admin, connect, connect:remote, squit, squit:remote, kill, kill:remote, globops, rehash, kline, unkline, dline, undline, remoteban;
}};
{connect}{service}{shared}general {{
	disable_auth = yes;
	throttle_count = 0;
	throttle_time = 0;
	default_floodcount = 0;
	anti_nick_flood = no;
	anti_spam_exit_message_time = 0;
	invisible_on_connect = no;
	ping_cookie = no;
	pace_wait = 0;
	pace_wait_simple = 0;
	ts_max_delta = 15 seconds;
}};
serverhide {{ flatten_links_file = "{rundir}/links.txt"; }};
modules {{
	path = "{root}/usr/lib/ircd-hybrid/modules";
	path = "{root}/usr/lib/ircd-hybrid/modules/autoload";
}};
log {{ use_logging = yes; }};
"""

CONNECT_CONF = """\
connect {{
	name = "{name}";
	host = "{host}";
	port = {port};
	send_password = "{send_password}";
	accept_password = "{accept_password}";
	encrypted = no;
	hub_mask = "*";
	class = "server";
{flags}}};
"""


class Hybrid:
    """One ircd-hybrid: config rendered for one test, run as nobody.

    connect: a connect {} block, or a list of them: {"name", "port", and
    optionally "host" (127.0.0.1), "send_password"/"accept_password"
    ("linkpass"), "autoconn" (False)}. A server dialling hybrid needs one too.
    Hybrid tries autoconn links only every 15 s (its try_connections event,
    first 15 s after start): connect_now() has an operator CONNECT at once.
    service: a name or list of names for a service {} block (SVS* rights).
    shared: a name or list of names for shared {} blocks (their operators' bans apply).
    """

    def __init__(self, dns_addr, name="hybrid.test", sid="1HY", connect=None, service=None,
                 client_class=None, oper=("oper", "operpass"), connectfreq=1, keep_dir=None,
                 shared=None):
        self.name, self.sid = name, sid
        # servers whose operators' KLINE/UNKLINE/DLINE/UNDLINE hybrid applies (shared {})
        self.shared = [shared] if isinstance(shared, str) else list(shared or ())
        self.dns_addr = dns_addr
        self.connect_blocks = [connect] if isinstance(connect, dict) else list(connect or ())
        self.services = [service] if isinstance(service, str) else list(service or ())
        self.client_class = client_class
        self.oper_name, self.oper_password = oper
        self.connectfreq = connectfreq
        self.keep_dir = keep_dir  # where the log is copied at stop
        self.port = None
        self.proc = None
        self.rundir = None
        self.final_log = ""
        self.ready = False  # it listened: from then on, exiting is dying
        self.died = False
        self.clients = []

    def config_text(self):
        connect = ""
        for block in self.connect_blocks:
            c = dict({"host": "127.0.0.1", "send_password": "linkpass"}, **block)
            c.setdefault("accept_password", c["send_password"])
            c["flags"] = "\tflags = autoconn;\n" if c.pop("autoconn", False) else ""
            connect += CONNECT_CONF.format(**c)
        service = ""
        if self.services:
            service = "service {\n%s};\n" % "".join('\tname = "%s";\n' % n for n in self.services)
        shared = "".join('shared {\n\tname = "%s";\n\tuser = "*@*";\n'
                         '\ttype = kline, unkline, dline, undline;\n};\n' % n for n in self.shared)
        return HYBRID_CONF.format(name=self.name, sid=self.sid, port=self.port, root=self.root,
                                  rundir=self.rundir, connect=connect, service=service, shared=shared,
                                  connectfreq=self.connectfreq, oper_name=self.oper_name,
                                  oper_password=self.oper_password)

    def start(self, timeout=10):
        """Render the config and start hybrid; returns once it listens."""
        self.root = hybrid_root()
        self.port = free_port()
        # nobody must read the config and write its log and databases: not
        # under pytest's tmp dirs (0700, root's), so a folder of its own
        self.rundir = tempfile.mkdtemp(prefix="evircd-hybrid-")
        nobody = pwd.getpwnam("nobody")
        os.chown(self.rundir, nobody.pw_uid, nobody.pw_gid)
        self.config = os.path.join(self.rundir, "ircd.conf")
        with open(self.config, "w") as f:
            f.write(self.config_text())
        self.resolv = os.path.join(self.rundir, "resolv.conf")
        with open(self.resolv, "w") as f:
            f.write("nameserver %s\n" % self.dns_addr)
        # In a private mount namespace: /etc/resolv.conf names our responder,
        # /usr/lib shows the unpacked modules (their path is compiled in);
        # then drop to nobody (hybrid refuses root) and exec: the PID we get
        # from Popen is hybrid's own, since unshare, sh and setpriv all exec.
        script = ('set -e\n'
                  'mount --bind "$1" /etc/resolv.conf\n'
                  'mount -t overlay overlay -o "lowerdir=$2/usr/lib:/usr/lib" /usr/lib\n'
                  'shift 2\n'
                  'exec setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"\n')
        d = self.rundir
        cmd = ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "hybrid",
               self.resolv, self.root, os.path.join(self.root, "usr", "sbin", "ircd-hybrid"),
               "-foreground", "-configfile", self.config, "-pidfile", os.path.join(d, "ircd.pid"),
               "-logfile", os.path.join(d, "ircd.log"), "-klinefile", os.path.join(d, "kline.db"),
               "-dlinefile", os.path.join(d, "dline.db"), "-xlinefile", os.path.join(d, "xline.db"),
               "-resvfile", os.path.join(d, "resv.db")]
        self.output = open(os.path.join(d, "output.log"), "w")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self.output,
                                     stderr=subprocess.STDOUT, cwd=d)
        deadline = time.monotonic() + timeout
        while not _listening(self.port):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                why = ("exited with %s" % self.proc.returncode if self.proc.poll() is not None
                       else "no listener after %s s" % timeout)
                text = self.log()
                self.stop()
                raise RuntimeError("ircd-hybrid %s:\n%s" % (why, text))
            time.sleep(0.02)
        self.ready = True
        return self

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def log(self):
        """hybrid's own output and ircd.log (link events are logged there)."""
        if self.rundir is None:
            return self.final_log
        out = []
        for f in ("output.log", "ircd.log"):
            try:
                with open(os.path.join(self.rundir, f), errors="replace") as fh:
                    # the ~90 "Module ... loaded." lines at start tell nothing
                    out.append("".join(l for l in fh if "] Module " not in l))
            except (OSError, TypeError):
                pass
        return "\n".join(t for t in out if t)

    def client(self):
        """A connected, unregistered client (the conftest Client class)."""
        c = self.client_class(self.port).connect()
        self.clients.append(c)
        return c

    def oper(self, client):
        """OPER the client with the operator {} block (CONNECT, SQUIT, KILL...)."""
        client.send("OPER %s %s" % (self.oper_name, self.oper_password))
        client.expect("381")
        return client

    def connect_now(self, name):
        """Link to connect {} block `name` now: an operator's CONNECT."""
        c = self.client().register("connoper%d" % len(self.clients))
        self.oper(c)
        c.send("CONNECT %s" % name)
        return c

    def terminate(self):
        """SIGTERM now, its clients left open: the server going away as a test's event
        (its own users' connections must not close first). stop() still cleans up."""
        stop_process(self.proc)
        self.ready = False  # ended by our hand: not a death

    def stop(self):
        """SIGTERM by PID, wait up to 10 s (then SIGKILL); keep the log.
        died: it had exited before (not by our hand)."""
        for c in self.clients:
            c.close()
        if self.ready and self.rundir is not None and self.proc.poll() is not None:
            self.died = True
        stop_process(self.proc)
        if self.proc is not None:
            self.output.close()
        if self.rundir and os.path.isdir(self.rundir):
            self.final_log = self.log()
            if self.keep_dir:
                with open(os.path.join(str(self.keep_dir), "hybrid-%s.log" % self.name), "w") as f:
                    f.write(self.final_log)
            shutil.rmtree(self.rundir, ignore_errors=True)
        self.rundir = None


def stop_process(proc, timeout=10):
    """SIGTERM by PID, wait up to timeout seconds, then SIGKILL (the daemons tests start)."""
    if proc is not None and proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


_handed_out = set()


def _ephemeral_range():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            lo, hi = (int(x) for x in f.read().split())
        return lo, hi
    except (OSError, ValueError):
        return 32768, 60999


# Ports come from below the kernel's ephemeral range: a port the kernel hands
# out (bind to 0) can be taken again at once by any outgoing connection of any
# process (a client of another test, a linked daemon dialling), so a server
# started on it a moment later may find it "already in use".  Below the range
# only a listener of someone else's can hold it, and the bind check sees that.
_PORT_LO = 10000
_PORT_HI = max(_PORT_LO + 1000, _ephemeral_range()[0] - 1)
_port_order = list(range(_PORT_LO, _PORT_HI + 1))
random.Random(os.getpid() ^ int.from_bytes(os.urandom(4), "little")).shuffle(_port_order)
_port_next = itertools.count()


def _bindable(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def free_port():
    """A loopback port nothing listens on, never the same twice in this process:
    a test that takes two (a client and a server listener) must not get one port twice."""
    while True:
        port = _port_order[next(_port_next) % len(_port_order)]
        if port not in _handed_out and _bindable(port):
            _handed_out.add(port)
            return port
