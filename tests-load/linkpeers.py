"""tests-load/linkpeers.py - linked servers for the benchmark scripts.

Shared by tests-load/link-fanout-hybrid and tests-load/netsplit-hybrid:
evircd and Debian's ircd-hybrid 8.2 started with the fair benchmark configs
of tests-load/peers/ (flood limits off or exempt, 16 MB sendq), plus what a
link needs (evircd: [listen servers] and [link]; hybrid: a server class, an
operator for CONNECT and connect {} blocks as in tests/protocol/ts6.py).
Hybrid is unpacked by ts6.hybrid_root() (apt-get download + dpkg -x) and runs
as nobody in a private mount namespace whose /etc/resolv.conf names
ts6.DnsResponder (so root is needed). Loopback only; every process is
stopped by its PID.
"""
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(TOP, "tests", "protocol"))
import ts6  # noqa: E402  (hybrid_root, DnsResponder, free_port, namespace_problem)

EVIRCD = os.path.join(TOP, "build", "evircd")
EVLOAD = os.path.join(HERE, "evload")
free_port = ts6.free_port


def stop(proc):
    """SIGTERM by PID, then SIGKILL after 10 s."""
    ts6.stop_process(proc)


def kill(proc):
    """SIGKILL by PID: the server dies, its sockets close (a link lost)."""
    if proc is not None and proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)


def wait_listening(port, proc, timeout=20):
    deadline = time.monotonic() + timeout
    while not ts6._listening(port):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("server on port %d did not start (exit %s)" % (port, proc.poll()))
        time.sleep(0.02)


# --------------------------------------------------------------------------
# A minimal client (no line kept, no timeout cap): register, wait, sync


class Irc:
    def __init__(self, port, nick):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.buf = b""
        self.nick = nick
        self.send("NICK %s" % nick)
        self.send("USER %s 0 * :linkpeers" % nick)
        self.wait(lambda l: l.split(b" ", 2)[1:2] in ([b"376"], [b"422"]), 30)

    def send(self, line):
        self.sock.sendall(line.encode() + b"\r\n")

    def wait(self, pred, timeout):
        """Read lines until pred(line) (bytes, no CRLF); PINGs answered.
        Lines after the matching one stay in the buffer."""
        deadline = time.monotonic() + timeout
        while True:
            if b"\n" in self.buf:
                lines = self.buf.split(b"\n")
                self.buf = lines.pop()
                for i, line in enumerate(lines):
                    line = line.rstrip(b"\r")
                    if line.startswith(b"PING"):
                        self.sock.sendall(b"PONG" + line[4:] + b"\r\n")
                    elif pred(line):
                        self.buf = b"\n".join(lines[i + 1:] + [self.buf])
                        return line
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("%s: nothing matching within %s s" % (self.nick, timeout))
            self.sock.settimeout(left)
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("%s: the server closed the connection" % self.nick)
            self.buf += data

    def sync(self, token, timeout=60):
        """Everything the server sent before our PING has been read."""
        self.send("PING :%s" % token)
        self.wait(lambda l: b"PONG" in l.split(b" ", 2)[1:2] and l.endswith(token.encode()), timeout)

    def links(self):
        """Server names in LINKS."""
        self.send("LINKS")
        names = []
        self.wait(lambda l: names.append(l.split(b" ")[3].decode()) if l.split(b" ")[1:2] == [b"364"]
                  else l.split(b" ")[1:2] == [b"365"], 10)
        return names

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def wait_linked(port, name, timeout=30):
    """Until a client on port sees server `name` in LINKS."""
    c = Irc(port, "lw%d" % (port % 100000))
    try:
        deadline = time.monotonic() + timeout
        while name not in c.links():
            if time.monotonic() > deadline:
                raise RuntimeError("no link to %s seen on port %d within %s s" % (name, port, timeout))
            time.sleep(0.1)
    finally:
        c.send("QUIT")
        c.close()


# --------------------------------------------------------------------------
# evircd


def evircd_conf(directory, name, sid, client_port, server_port=None, links=(), max_channels=100,
                level="warn", sections=""):
    """peers/evircd.conf for one server; links: (peer, port or None, send, accept, autoconnect)."""
    with open(os.path.join(HERE, "peers", "evircd.conf")) as f:
        text = f.read()
    text = (text.replace("../.peers/evircd/evircd.db", "evircd.db").replace("level = warn", "level = " + level)
            .replace("evircd.evload.test", name).replace("sid         = 0EV", "sid         = " + sid)
            .replace("port = 16670", "port = %d" % client_port)
            .replace("max_channels = 100", "max_channels = %d" % max(100, max_channels)))
    if server_port:
        text += "\n[listen servers]\nhost = 127.0.0.1\nport = %d\ntype = servers\n" % server_port
    for peer, port, send, accept, auto in links:
        text += "\n[link %s]\nhost = 127.0.0.1\n" % peer
        if port:
            text += "port = %d\n" % port
        text += "send_password = %s\naccept_password = %s\nautoconnect = %s\n" % (send, accept, auto)
    text += sections
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, "ircd.conf")
    with open(path, "w") as f:
        f.write(text)
    return path


def start_evircd(directory, conf, port):
    log = open(os.path.join(directory, "log"), "w")
    p = subprocess.Popen([EVIRCD, "-c", conf], stdout=log, stderr=subprocess.STDOUT,
                         stdin=subprocess.DEVNULL, cwd=directory)
    log.close()
    wait_listening(port, p)
    return p


# --------------------------------------------------------------------------
# ircd-hybrid with the fair config

HYBRID_EXTRA = """
class {
	name = "server";
	ping_time = 2 minutes;
	connectfreq = 5 minutes;
	max_number = 10;
	sendq = 16 megabytes;
};

operator {
	name = "oper";
	user = "*@127.0.0.0/8";
	password = "operpass";
	encrypted = no;
	class = "users";
	flags = admin, connect, connect:remote, squit, squit:remote;
};
"""

CONNECT = """
connect {
	name = "%s";
	host = "127.0.0.1";
	port = %d;
	send_password = "%s";
	accept_password = "%s";
	encrypted = no;
	hub_mask = "*";
	class = "server";
};
"""


def hybrid_problem():
    """Why ircd-hybrid cannot run here, or None (it is fetched when missing)."""
    why = ts6.namespace_problem()
    if why:
        return why
    try:
        ts6.hybrid_root()
    except RuntimeError as e:
        return str(e)
    return None


class Hybrid:
    """One ircd-hybrid: peers/ircd-hybrid.conf renamed, on its own port, with
    connect {} blocks (name, port, send_password, accept_password)."""

    def __init__(self, directory, dns, name, sid, connects=(), max_channels=100, port=None):
        self.dir, self.name, self.port = directory, name, port or free_port()
        self.root = ts6.hybrid_root()
        shutil.rmtree(directory, ignore_errors=True)
        os.makedirs(directory)
        nobody = pwd.getpwnam("nobody")
        os.chown(directory, nobody.pw_uid, nobody.pw_gid)  # its log and databases
        with open(os.path.join(HERE, "peers", "ircd-hybrid.conf")) as f:
            text = f.read()
        text = (text.replace("hybrid.evload.test", name).replace('sid = "0HY"', 'sid = "%s"' % sid)
                .replace("port = 16669", "port = %d" % self.port).replace("@HYBRID_ROOT@", self.root)
                .replace("@RUNDIR@", directory)
                .replace("max_channels = 100", "max_channels = %d" % max(100, max_channels)))
        text += HYBRID_EXTRA + "".join(CONNECT % c for c in connects)
        self.conf = os.path.join(directory, "ircd.conf")
        with open(self.conf, "w") as f:
            f.write(text)
        resolv = os.path.join(directory, "resolv.conf")
        with open(resolv, "w") as f:
            f.write("nameserver %s\n" % dns.addr)
        script = ('set -e\n'
                  'mount --bind "$1" /etc/resolv.conf\n'
                  'mount -t overlay overlay -o "lowerdir=$2/usr/lib:/usr/lib" /usr/lib\n'
                  'shift 2\n'
                  'exec setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"\n')
        d = directory
        self.cmd = ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "hybrid",
                    resolv, self.root, os.path.join(self.root, "usr", "sbin", "ircd-hybrid"),
                    "-foreground", "-configfile", self.conf, "-pidfile", os.path.join(d, "ircd.pid"),
                    "-logfile", os.path.join(d, "ircd.log"), "-klinefile", os.path.join(d, "kline.db"),
                    "-dlinefile", os.path.join(d, "dline.db"), "-xlinefile", os.path.join(d, "xline.db"),
                    "-resvfile", os.path.join(d, "resv.db")]
        self.proc = None

    def start(self):
        out = open(os.path.join(self.dir, "output.log"), "w")
        self.proc = subprocess.Popen(self.cmd, stdin=subprocess.DEVNULL, stdout=out,
                                     stderr=subprocess.STDOUT, cwd=self.dir)
        out.close()
        wait_listening(self.port, self.proc)
        return self

    def connect_now(self, name):
        """An operator's CONNECT name: hybrid dials that connect {} block now."""
        c = Irc(self.port, "co%d" % (self.port % 100000))
        c.send("OPER oper operpass")
        c.wait(lambda l: l.split(b" ")[1:2] == [b"381"], 10)
        c.send("CONNECT %s" % name)
        return c
