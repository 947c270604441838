"""Transport hardening (issue 11): framing, descriptor exhaustion, TLS stalls,
per-prefix limits, DIE twice, log reopen, descriptors kept from children and
the privilege drop."""
import ctypes
import grp
import os
import pwd
import resource
import shutil
import signal
import subprocess
import socket
import ssl
import tempfile
import time
import urllib.request

import pytest

from ircclient import MKPASSWD, ROOT, Client, Server, free_port


def test_bare_cr_never_reaches_members(make_server):
    srv = make_server()
    a = srv.client().register("crsender")
    b = srv.client().register("crmember")
    for c in (a, b):
        c.send("JOIN #cr")
        c.expect("366")
    a.expect(lambda m: m.command == "JOIN" and m.nick == "crmember")
    a.sock.sendall(b"PRIVMSG #cr :bare\rPRIVMSG #cr :second\r\nPRIVMSG #cr :end\r\n")
    seen = [m for m in b.collect(lambda m: m.command == "PRIVMSG" and m.params[-1] == "end")
            if m.command == "PRIVMSG"]
    # The bare CR ended the first line: two messages, neither holding a CR.
    assert [m.params[-1] for m in seen] == ["bare", "second", "end"]
    for m in seen:
        assert "\r" not in m.line


def oper_config(extra=""):
    pw = subprocess.check_output([MKPASSWD, "sekrit"]).decode().strip()
    return ("\n[oper admin]\npassword = %s\nmask = *@127.0.0.1\nprivileges = all\n"
            % pw) + extra


@pytest.mark.parametrize("second", ["DIE irc.test", "RESTART irc.test"])
def test_two_shutdowns_in_one_turn_exit_cleanly(make_server, second):
    srv = make_server(oper_config())
    op = srv.client().register("dier")
    op.send("OPER admin sekrit")
    op.expect("381")
    op.sock.sendall(b"DIE irc.test\r\n" + second.encode() + b"\r\n")
    assert "Server terminated by dier" in op.expect("ERROR").params[-1]
    assert srv.proc.wait(10) == 0
    srv.proc = None
    text = srv.log_text()
    for bad in ("AddressSanitizer", "runtime error:", "LeakSanitizer"):
        assert bad not in text, text


def cpu_seconds(pid):
    """User + system CPU time the process has used, from /proc/PID/stat."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_over(pid, seconds=2.0):
    before = cpu_seconds(pid)
    time.sleep(seconds)
    return cpu_seconds(pid) - before


def wait_for(pred, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return True
        time.sleep(0.05)
    return False


def connect_when_room(srv, timeout=10.0):
    deadline = time.time() + timeout
    while True:
        try:
            c = srv.client()
            c.send("PING :room")
            c.expect("PONG")
            return c
        except (ConnectionError, AssertionError):
            if time.time() > deadline:
                raise
            time.sleep(0.1)


def fd_numbers(pid):
    return sorted(int(n) for n in os.listdir("/proc/%d/fd" % pid))


def lowest_free_fd(pid):
    used = set(fd_numbers(pid))
    return next(n for n in range(len(used) + 1) if n not in used)


def spare_fd(pid):
    """The server's spare descriptor: its /dev/null above stdio."""
    return next(n for n in fd_numbers(pid)
                if n > 2 and os.readlink("/proc/%d/fd/%d" % (pid, n)) == "/dev/null")


def sockets_settle(pid, count):
    """Wait until the server holds count sockets (the start-up probe closed)."""
    def sockets():
        return sum(os.readlink("/proc/%d/fd/%d" % (pid, n)).startswith("socket:")
                   for n in fd_numbers(pid))
    assert wait_for(lambda: sockets() == count), sockets()


def low_nofile(n):
    return lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (n, n))


def test_connection_budget_refuses_cleanly_and_recovers(make_server):
    # 64 descriptors, 32 of them held back for listeners, logs and the database.
    srv = make_server(preexec=low_nofile(64))
    held = []
    for i in range(32):
        held.append(srv.client())
        held[-1].send("PING :fill%d" % i)
        held[-1].expect("PONG")
    refused = srv.client()
    assert "Server is full" in refused.expect("ERROR").params[-1]
    assert cpu_over(srv.proc.pid) < 0.5
    assert wait_for(lambda: "server is full" in srv.log_text())
    for c in held[:4]:
        c.close()
    # Once the server has seen those closes, a newcomer gets in.
    again = connect_when_room(srv)
    again.register("roomagain")
    assert wait_for(lambda: "accepting connections again" in srv.log_text())


def scrape(port):
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=10) as r:
        return r.read().decode()


def test_out_of_descriptors_pauses_accept_without_spinning(make_server):
    mport = free_port()
    srv = make_server("\n[metrics]\nenabled = yes\nhost = 127.0.0.1\nport = %d\n" % mport)
    pid = srv.proc.pid
    soft, hard = resource.prlimit(pid, resource.RLIMIT_NOFILE)
    a = srv.client().register("early")
    sockets_settle(pid, 3)  # the two listeners and early
    # Exactly at the limit: the spare descriptor answers with an ERROR.
    assert spare_fd(pid) < lowest_free_fd(pid)
    resource.prlimit(pid, resource.RLIMIT_NOFILE, (lowest_free_fd(pid), hard))
    refused = srv.client()
    assert "no file descriptors" in refused.expect("ERROR").params[-1]
    refused.close()
    sockets_settle(pid, 3)
    # Below it: not even the spare can be reopened.  Accepting pauses
    # instead of spinning on listeners that stay readable (/metrics too).
    resource.prlimit(pid, resource.RLIMIT_NOFILE, (min(spare_fd(pid), lowest_free_fd(pid)), hard))
    waiting = [srv.client() for _ in range(3)]
    scraper = socket.create_connection(("127.0.0.1", mport), timeout=10)
    scraper.sendall(b"GET /metrics HTTP/1.0\r\n\r\n")
    assert cpu_over(pid) < 0.5
    assert "server is full (out of file descriptors)" in srv.log_text()
    a.send("PING :still")
    a.expect("PONG")
    # Room again: those waiting in the backlog get in, the scrape is answered.
    resource.prlimit(pid, resource.RLIMIT_NOFILE, (soft, hard))
    for i, c in enumerate(waiting):
        c.register("late%d" % i)
    assert b"evircd_connections" in scraper.makefile("rb").read()
    scraper.close()
    assert "evircd_connections" in scrape(mport)
    assert wait_for(lambda: "accepting connections again" in srv.log_text())


def test_lingering_sockets_give_way_to_new_clients(make_server):
    # 32 clients' worth of descriptors; 32 that quit but keep their sockets
    # open linger (their descriptors held for a while).  The lingering ones
    # count in the budget and give way: 32 newcomers all get in.
    srv = make_server(preexec=low_nofile(64))
    quitters = []
    for i in range(32):
        c = srv.client().register("q%d" % i)
        c.send("QUIT :bye")
        c.expect("ERROR")
        quitters.append(c)
    newcomers = [srv.client().register("n%d" % i) for i in range(32)]
    newcomers[-1].send("PING :in")
    newcomers[-1].expect("PONG")
    refused = srv.client()
    assert "Server is full" in refused.expect("ERROR").params[-1]


def tls_config(certs):
    return ("\n[listen tls]\nhost = 127.0.0.1\nport = {tls_port}\ntls = yes\n"
            "[tls]\ncertificate = %s/server/cert.pem\nkey = %s/server/key.pem\n"
            % (certs, certs))


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    d = tmp_path_factory.mktemp("certs")
    subprocess.check_call(["sh", os.path.join(ROOT, "tools", "mkcert"), str(d / "server")])
    return str(d)


def slow_tls_client(port, rcvbuf=4096):
    """A TLS client with a small receive buffer (so it stalls the server's writes)."""
    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    raw.settimeout(10)
    raw.connect(("127.0.0.1", port))
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    c = Client.__new__(Client)
    c.sock = ctx.wrap_socket(raw)
    c.buf, c.backlog, c.nick = b"", [], None
    return c


def request_key_update(sslsock):
    """SSL_key_update(ssl, SSL_KEY_UPDATE_REQUESTED): the peer must answer with its own."""
    libssl = ctypes.CDLL("libssl.so.3")
    libssl.SSL_version.argtypes = [ctypes.c_void_p]
    libssl.SSL_key_update.argtypes = [ctypes.c_void_p, ctypes.c_int]
    # PySSLSocket: PyObject_HEAD (2 words), the socket weakref, then SSL *.
    ssl_ptr = ctypes.cast(id(sslsock._sslobj), ctypes.POINTER(ctypes.c_void_p))[3]
    if libssl.SSL_version(ssl_ptr) != 0x0304:
        pytest.skip("cannot reach the SSL object of this Python's ssl module")
    assert libssl.SSL_key_update(ssl_ptr, 1) == 1


def test_stalled_tls_peer_asking_for_a_key_update_costs_no_cpu(make_server, certs):
    # The server's writes to a TLS client that stopped reading block; the
    # client then asks for a KeyUpdate, whose answer must be written too.
    # The watchers must not spin while the peer stalls, and the PING behind
    # the KeyUpdate is answered once it reads again.  (OpenSSL 3 queues the
    # answer for the next SSL_write rather than making SSL_read want a
    # write, so the "read wants write" and "write wants read" states are
    # checked in tests/unit/check_conn.c.)
    srv = make_server(tls_config(certs), tls_port=free_port())
    # Room in the sendq for more than the kernel's send buffer (4 MB) takes.
    srv.restart_with("sendq = 1048576", "sendq = 16777216")
    a = slow_tls_client(srv.tls_port).register("stalled")
    b = srv.client().register("flooder")
    for c in (a, b):
        c.send("JOIN #flood")
        c.expect("366")
    line = "PRIVMSG #flood :" + "x" * 400
    for _ in range(14):  # 6 MB
        b.sock.sendall(((line + "\r\n") * 1000).encode())
        b.send("PING :flooded")
        b.expect(lambda m: m.command == "PONG" and m.params[-1] == "flooded", timeout=30)
    request_key_update(a.sock)
    a.send("PING :after-key-update")
    assert cpu_over(srv.proc.pid) < 0.5
    a.expect(lambda m: m.command == "PONG" and m.params[-1] == "after-key-update", timeout=30)
    b.send("PING :alive")
    b.expect("PONG")


def test_per_ip_limit_counts_a_whole_prefix(make_server):
    # 127.0.0.6 and 127.0.0.7 are one network at /30 (127.0.0.4/30, apart
    # from the harness's 127.0.0.1): one connection for both.
    srv = make_server()
    srv.restart_with("max_per_ip = 0", "max_per_ip = 1\nipv4_prefix = 30")
    first = srv.client(source_ip="127.0.0.6").register("netone")
    other = srv.client(source_ip="127.0.0.7")
    assert "Too many connections" in other.expect("ERROR").params[-1]
    first.send("QUIT")
    first.expect("ERROR")
    # Once the first has gone, the network has room again.
    srv.client(source_ip="127.0.0.7").register("nettwo")


def test_per_ip_limit_by_whole_address_by_default(make_server):
    srv = make_server()
    srv.restart_with("max_per_ip = 0", "max_per_ip = 1")
    held = [srv.client(source_ip="127.0.0.2").register("addrone"),
            srv.client(source_ip="127.0.0.3").register("addrtwo")]
    again = srv.client(source_ip="127.0.0.3")
    assert "Too many connections" in again.expect("ERROR").params[-1]
    held[0].send("PING :kept")
    held[0].expect("PONG")


def test_spawned_command_inherits_no_descriptors_and_log_reopens_under_load(
        make_server, tmp_path):
    listing = tmp_path / "fds.txt"
    script = tmp_path / "send-code"
    # Lists what it inherited, then fails: the lane thread logs the failure.
    script.write_text("#!/bin/sh\nfor f in /proc/$$/fd/*; do echo \"$f $(readlink $f)\"; done"
                      " >> %s\nexit 3\n" % listing)
    script.chmod(0o755)
    log = tmp_path / "ircd.log"
    srv = make_server("\n[accounts]\nverify = yes\nverify_command = %s\n" % script)
    srv.restart_with("[log]\n", "[log]\nfile = %s\n" % log)
    talker = srv.client().register("talker")
    talker.send("JOIN #busy")
    talker.expect("366")
    clients = []
    for i in range(6):
        # Each from its own address: one address holds 4 places in the lane.
        c = srv.client(source_ip="127.0.0.%d" % (20 + i)).register("reg%d" % i)
        c.send("REGISTER * r%d@example.org :a long enough password" % i)
        clients.append(c)
        # Rotate and reopen the log while lanes write history and log lines.
        os.replace(log, str(log) + ".%d" % i)
        srv.signal(signal.SIGUSR1)
        for j in range(20):
            talker.send("PRIVMSG #busy :line %d %d" % (i, j))
    for c in clients:  # the failed command: FAIL REGISTER TEMPORARILY_UNAVAILABLE
        assert c.expect("FAIL", timeout=20).params[:2] == ["REGISTER", "TEMPORARILY_UNAVAILABLE"]
    talker.send("PING :done")
    talker.expect("PONG")
    assert wait_for(lambda: srv.log_text().count("verify_command") >= 6, 20)
    text = listing.read_text()
    for bad in ("socket:", "anon_inode:", ".db", "ircd.log"):
        assert bad not in text, text
    assert wait_for(lambda: log.exists() and "log file reopened" in log.read_text())


@pytest.mark.skipif(os.geteuid() != 0, reason="the privilege drop needs root")
def test_root_drops_to_the_configured_user_after_binding():
    nobody = pwd.getpwnam("nobody")
    group = grp.getgrgid(nobody.pw_gid).gr_name
    # Outside pytest's private folders, so that nobody can reach the files.
    d = tempfile.mkdtemp(prefix="evircd-privdrop-")
    srv = None
    try:
        os.chmod(d, 0o755)
        os.chown(d, nobody.pw_uid, nobody.pw_gid)
        log = os.path.join(d, "ircd.log")
        open(log, "w").close()
        os.chown(log, nobody.pw_uid, nobody.pw_gid)
        srv = Server(d)
        with open(srv.conf) as f:
            text = f.read()
        with open(srv.conf, "w") as f:
            f.write(text.replace("[server]\n", "[server]\nuser = nobody\ngroup = %s\n" % group, 1)
                    .replace("[log]\n", "[log]\nfile = %s\n" % log, 1))
        srv.start()
        with open("/proc/%d/status" % srv.proc.pid) as f:
            status = dict(line.split(":", 1) for line in f.read().splitlines())
        assert status["Uid"].split() == [str(nobody.pw_uid)] * 4
        assert status["Gid"].split() == [str(nobody.pw_gid)] * 4
        assert status["Groups"].split() == [str(nobody.pw_gid)]
        assert "running as user nobody" in srv.log_text()
        c = srv.client().register("dropped")
        # The log reopens and the configuration reloads as that user.
        srv.signal(signal.SIGUSR1)
        assert wait_for(lambda: "log file reopened" in open(log).read())
        srv.signal(signal.SIGHUP)
        assert wait_for(lambda: "rehash done" in srv.log_text())
        c.send("PING :still")
        c.expect("PONG")
        srv.stop()
        srv = None
    finally:
        if srv is not None:
            srv.stop(kill=True)
        shutil.rmtree(d, ignore_errors=True)


@pytest.mark.skipif(os.geteuid() != 0, reason="only root is warned")
def test_root_without_a_user_is_warned(make_server):
    srv = make_server()
    assert wait_for(lambda: "running as root: set [server] user" in srv.log_text())
