"""Transport hardening (issue 11): framing, descriptor exhaustion, TLS stalls,
per-prefix limits, DIE twice, log reopen, descriptors kept from children and
the privilege drop."""
import os
import resource
import subprocess
import socket
import time

import pytest

from ircclient import MKPASSWD, Client


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


def test_out_of_descriptors_pauses_accept_without_spinning(make_server):
    srv = make_server()
    pid = srv.proc.pid
    soft, hard = resource.prlimit(pid, resource.RLIMIT_NOFILE)
    a = srv.client().register("early")
    sockets_settle(pid, 2)  # the listener and early
    # Exactly at the limit: the spare descriptor answers with an ERROR.
    assert spare_fd(pid) < lowest_free_fd(pid)
    resource.prlimit(pid, resource.RLIMIT_NOFILE, (lowest_free_fd(pid), hard))
    refused = srv.client()
    assert "no file descriptors" in refused.expect("ERROR").params[-1]
    refused.close()
    sockets_settle(pid, 2)
    # Below it: not even the spare can be reopened.  Accepting pauses
    # instead of spinning on a listener that stays readable.
    resource.prlimit(pid, resource.RLIMIT_NOFILE, (min(spare_fd(pid), lowest_free_fd(pid)), hard))
    waiting = [srv.client() for _ in range(3)]
    assert cpu_over(pid) < 0.5
    assert "server is full (out of file descriptors)" in srv.log_text()
    a.send("PING :still")
    a.expect("PONG")
    # Room again: those waiting in the backlog get in.
    resource.prlimit(pid, resource.RLIMIT_NOFILE, (soft, hard))
    for i, c in enumerate(waiting):
        c.register("late%d" % i)
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
